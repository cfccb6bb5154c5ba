CREATE TABLE "mcp_tool_revocation" (
	"mission_id" text PRIMARY KEY NOT NULL,
	"revoked_by" text,
	"revoked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mcp_tool_revocation" ADD CONSTRAINT "mcp_tool_revocation_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_tool_revocation" ADD CONSTRAINT "mcp_tool_revocation_revoked_by_user_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;