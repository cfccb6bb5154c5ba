CREATE TABLE "model_comparison" (
	"id" text PRIMARY KEY NOT NULL,
	"mission_id" text NOT NULL,
	"version_id" text NOT NULL,
	"models" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_comparison_run" (
	"comparison_id" text NOT NULL,
	"run_id" text NOT NULL,
	"model_id" text NOT NULL,
	"test_case_id" text,
	"case_name" text,
	"position" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "model_comparison_run_comparison_id_run_id_pk" PRIMARY KEY("comparison_id","run_id")
);
--> statement-breakpoint
ALTER TABLE "run" ADD COLUMN "model_overrides" jsonb;--> statement-breakpoint
ALTER TABLE "model_comparison" ADD CONSTRAINT "model_comparison_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_comparison" ADD CONSTRAINT "model_comparison_version_id_mission_version_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."mission_version"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_comparison" ADD CONSTRAINT "model_comparison_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_comparison_run" ADD CONSTRAINT "model_comparison_run_comparison_id_model_comparison_id_fk" FOREIGN KEY ("comparison_id") REFERENCES "public"."model_comparison"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_comparison_run" ADD CONSTRAINT "model_comparison_run_run_id_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "model_comparison_mission" ON "model_comparison" USING btree ("mission_id");