CREATE TABLE "knowledge_clause_version" (
	"document_id" text NOT NULL,
	"version" integer NOT NULL,
	"clause_id" text NOT NULL,
	"position" integer NOT NULL,
	"title" text NOT NULL,
	"text" text NOT NULL,
	"heading_path" jsonb NOT NULL,
	CONSTRAINT "knowledge_clause_version_document_id_version_clause_id_pk" PRIMARY KEY("document_id","version","clause_id")
);
--> statement-breakpoint
CREATE TABLE "knowledge_collection" (
	"id" text PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_collection_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
-- The collection every existing document joins (and uploads naming none land in); granted to no mission.
INSERT INTO "knowledge_collection" ("id", "slug", "title", "description") VALUES ('policies', 'policies', 'Policies', 'The organisation''s policies');--> statement-breakpoint
CREATE TABLE "knowledge_collection_grant" (
	"collection_id" text NOT NULL,
	"mission_id" text NOT NULL,
	"granted_by" text,
	"granted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_collection_grant_collection_id_mission_id_pk" PRIMARY KEY("collection_id","mission_id")
);
--> statement-breakpoint
ALTER TABLE "knowledge_document" ADD COLUMN "collection_id" text DEFAULT 'policies' NOT NULL;--> statement-breakpoint
ALTER TABLE "knowledge_document" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "knowledge_clause_version" ADD CONSTRAINT "knowledge_clause_version_document_id_knowledge_document_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."knowledge_document"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_collection" ADD CONSTRAINT "knowledge_collection_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_collection_grant" ADD CONSTRAINT "knowledge_collection_grant_collection_id_knowledge_collection_id_fk" FOREIGN KEY ("collection_id") REFERENCES "public"."knowledge_collection"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_collection_grant" ADD CONSTRAINT "knowledge_collection_grant_granted_by_user_id_fk" FOREIGN KEY ("granted_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "knowledge_clause_version_clause" ON "knowledge_clause_version" USING btree ("clause_id","version");--> statement-breakpoint
CREATE INDEX "knowledge_collection_grant_mission" ON "knowledge_collection_grant" USING btree ("mission_id");--> statement-breakpoint
ALTER TABLE "knowledge_document" ADD CONSTRAINT "knowledge_document_collection_id_knowledge_collection_id_fk" FOREIGN KEY ("collection_id") REFERENCES "public"."knowledge_collection"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
-- Existing documents are at version 1: keep their clauses as that version, so citations made from now on resolve.
INSERT INTO "knowledge_clause_version" ("document_id", "version", "clause_id", "position", "title", "text", "heading_path")
SELECT "document_id", 1, "id", "position", "title", "text", "heading_path" FROM "knowledge_clause";
