CREATE TABLE "connector" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"transport" text NOT NULL,
	"config" jsonb NOT NULL,
	"secret_env" text,
	"secret_headers" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"timeout_ms" integer DEFAULT 60000 NOT NULL,
	"server_name" text,
	"server_version" text,
	"approved_at" timestamp with time zone,
	"approved_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connector_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "connector_tool" (
	"connector_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"input_schema" jsonb NOT NULL,
	"annotations" jsonb NOT NULL,
	"definition_hash" text NOT NULL,
	"approved_hash" text,
	"policy_override" text,
	"status" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connector_tool_connector_id_name_pk" PRIMARY KEY("connector_id","name")
);
--> statement-breakpoint
ALTER TABLE "connector" ADD CONSTRAINT "connector_approved_by_user_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connector_tool" ADD CONSTRAINT "connector_tool_connector_id_connector_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."connector"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connector_tool_status" ON "connector_tool" USING btree ("status");