CREATE TABLE "audit_anchor" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"head_id" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_policy" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"scope" text NOT NULL,
	"target" text DEFAULT '' NOT NULL,
	"rules" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" text,
	"updated_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "version_review" (
	"version_id" text PRIMARY KEY NOT NULL,
	"mission_id" text NOT NULL,
	"status" text NOT NULL,
	"governance_hash" text NOT NULL,
	"changes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"requested_by" text,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"note" text
);
--> statement-breakpoint
ALTER TABLE "mission" ADD COLUMN "published_version" integer;--> statement-breakpoint
ALTER TABLE "decision" ADD COLUMN "governance" jsonb;--> statement-breakpoint
ALTER TABLE "approval_policy" ADD CONSTRAINT "approval_policy_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_policy" ADD CONSTRAINT "approval_policy_updated_by_user_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_review" ADD CONSTRAINT "version_review_version_id_mission_version_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."mission_version"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_review" ADD CONSTRAINT "version_review_mission_id_mission_id_fk" FOREIGN KEY ("mission_id") REFERENCES "public"."mission"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_review" ADD CONSTRAINT "version_review_requested_by_user_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_review" ADD CONSTRAINT "version_review_decided_by_user_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_anchor_head" ON "audit_anchor" USING btree ("head_id");--> statement-breakpoint
CREATE INDEX "version_review_mission" ON "version_review" USING btree ("mission_id","status");--> statement-breakpoint
-- Anchors are append-only, like the log they sign.
CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON "audit_anchor" FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON "audit_anchor" FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
-- The baseline every installation starts with: nobody approves their own run or version, an
-- approver or admin decides, a rejection says why, and nothing is approved by the clock.
INSERT INTO "approval_policy" ("id", "name", "description", "scope", "target", "rules") VALUES
  ('pol_approval_steps', 'Approval steps', 'Every Approval step in every mission.', 'approval_steps', '',
   '{"approverRole":"approver","requiredApprovals":1,"separationOfDuties":true,"reasonOnReject":true,"maxTimeout":null,"allowAutoApprove":false,"valueRules":[]}'::jsonb),
  ('pol_state_changing_tools', 'State-changing tools', 'Every call of a tool its server does not declare read-only.', 'tool_class', 'state_changing',
   '{"approverRole":"approver","requiredApprovals":1,"separationOfDuties":true,"reasonOnReject":true,"maxTimeout":null,"allowAutoApprove":false,"valueRules":[]}'::jsonb);
--> statement-breakpoint
-- Versions saved before publishing existed: the latest one of each mission is the published one.
INSERT INTO "version_review" ("version_id", "mission_id", "status", "governance_hash", "changes", "requested_by", "requested_at", "decided_at", "note")
SELECT v."id", v."mission_id", 'published', '', '[]'::jsonb, v."author_id", v."created_at", now(), 'Published when reviewed publishing was introduced'
FROM "mission_version" v JOIN "mission" m ON m."id" = v."mission_id" AND v."number" = m."latest_version";
--> statement-breakpoint
UPDATE "mission" SET "published_version" = "latest_version" WHERE "latest_version" > 0;
