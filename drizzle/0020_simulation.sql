CREATE TABLE "mission_suite_run" (
	"id" text PRIMARY KEY NOT NULL,
	"mission_id" text NOT NULL,
	"version_id" text NOT NULL,
	"cases" jsonb NOT NULL,
	"started_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mission" ADD COLUMN "require_passing_suite" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "run" ADD COLUMN "simulation" jsonb;--> statement-breakpoint
ALTER TABLE "mission_suite_run" ADD CONSTRAINT "mission_suite_run_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_suite_run" ADD CONSTRAINT "mission_suite_run_version_id_mission_version_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."mission_version"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mission_suite_run" ADD CONSTRAINT "mission_suite_run_started_by_user_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mission_suite_run_mission" ON "mission_suite_run" USING btree ("mission_id","created_at");--> statement-breakpoint
CREATE INDEX "mission_suite_run_version" ON "mission_suite_run" USING btree ("version_id");