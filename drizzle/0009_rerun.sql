ALTER TABLE "run" ADD COLUMN "rerun_of" text;--> statement-breakpoint
ALTER TABLE "run" ADD COLUMN "rerun_from" text;--> statement-breakpoint
ALTER TABLE "run_node" ADD COLUMN "reused_from" text;