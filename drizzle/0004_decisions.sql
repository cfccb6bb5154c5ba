CREATE TABLE "decision" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"node_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"title" text DEFAULT '' NOT NULL,
	"proposed" jsonb NOT NULL,
	"fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"editable" text[] DEFAULT '{}' NOT NULL,
	"context" jsonb,
	"final_values" jsonb,
	"approver_role" text DEFAULT 'approver' NOT NULL,
	"required_approvals" integer DEFAULT 1 NOT NULL,
	"separation_of_duties" boolean DEFAULT false NOT NULL,
	"reason_required" boolean DEFAULT true NOT NULL,
	"requested_by" text,
	"version_author" text,
	"reason" text,
	"decided_by" text,
	"due_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"event_sent" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decision_vote" (
	"decision_id" text NOT NULL,
	"user_id" text NOT NULL,
	"approve" boolean NOT NULL,
	"values" jsonb,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "decision_vote_decision_id_user_id_pk" PRIMARY KEY("decision_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "decision" ADD CONSTRAINT "decision_run_id_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."run"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision" ADD CONSTRAINT "decision_requested_by_user_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision" ADD CONSTRAINT "decision_version_author_user_id_fk" FOREIGN KEY ("version_author") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_vote" ADD CONSTRAINT "decision_vote_decision_id_decision_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decision"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "decision_status" ON "decision" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "decision_run" ON "decision" USING btree ("run_id");