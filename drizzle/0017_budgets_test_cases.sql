CREATE TABLE "mission_test_case" (
	"id" text PRIMARY KEY NOT NULL,
	"mission_id" text NOT NULL,
	"name" text NOT NULL,
	"input" jsonb NOT NULL,
	"expectations" jsonb NOT NULL,
	"tool_results" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"approvals" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_run_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "run" ADD COLUMN "cost_budget" numeric(14, 6);--> statement-breakpoint
ALTER TABLE "mission_test_case" ADD CONSTRAINT "mission_test_case_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_test_case" ADD CONSTRAINT "mission_test_case_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mission_test_case_mission" ON "mission_test_case" USING btree ("mission_id");