ALTER TABLE "run" ADD COLUMN "parent_run_id" text;--> statement-breakpoint
ALTER TABLE "run" ADD COLUMN "parent_node_id" text;--> statement-breakpoint
CREATE INDEX "run_parent" ON "run" USING btree ("parent_run_id");