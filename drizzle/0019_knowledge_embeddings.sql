CREATE TABLE "knowledge_embedding" (
	"model_id" text NOT NULL,
	"content_hash" text NOT NULL,
	"dims" integer NOT NULL,
	"embedding" real[] NOT NULL,
	"embedded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_embedding_model_id_content_hash_pk" PRIMARY KEY("model_id","content_hash")
);
--> statement-breakpoint
ALTER TABLE "model" ADD COLUMN "purpose" text DEFAULT 'chat' NOT NULL;--> statement-breakpoint
ALTER TABLE "knowledge_clause" ADD COLUMN "content_hash" text GENERATED ALWAYS AS (md5("title" || E'\n\n' || "text")) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "knowledge_clause_content" ON "knowledge_clause" USING btree ("content_hash");--> statement-breakpoint
-- pgvector, for the vector half of hybrid knowledge search, where it is installed (PGlite loads it;
-- PostgreSQL has it when the pgvector package is). Where it is not, the migration still succeeds and
-- search is full-text only (server/knowledge/embeddings/vector-support.ts tries again at start).
DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS vector;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pgvector is not installed: knowledge search stays full-text only';
END $$;
