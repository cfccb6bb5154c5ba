import { index, jsonb, pgTable, text, timestamp, boolean } from "drizzle-orm/pg-core";
import type { PolicyRules } from "@/lib/governance/policy";
import { POLICY_SCOPES } from "@/lib/governance/policy";
import { user } from "./auth";
import { mission, missionVersion } from "./missions";

/**
 * Admin-owned approval policies (lib/governance/policy.ts). The engine reads the enabled ones
 * when it opens a decision and applies the stricter of them and the mission's own settings.
 */
export const approvalPolicy = pgTable("approval_policy", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  scope: text("scope", { enum: POLICY_SCOPES }).notNull(),
  /** A tool class for `tool_class`, a `connector.tool` ref for `tool`, empty for `approval_steps`. */
  target: text("target").notNull().default(""),
  rules: jsonb("rules").$type<PolicyRules>().notNull(),
  enabled: boolean("enabled").notNull().default(true),
  createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
  updatedBy: text("updated_by").references(() => user.id, { onDelete: "set null" }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const VERSION_REVIEW_STATUSES = ["awaiting_review", "published", "rejected"] as const;
export type VersionReviewStatus = (typeof VERSION_REVIEW_STATUSES)[number];

/**
 * Publishing a mission version. Versions stay immutable (a trigger refuses updates), so whether a
 * version may run lives here: a version runs only once published. One whose governance-relevant
 * parts differ from the published one waits for a reviewer other than its author.
 */
export const versionReview = pgTable(
  "version_review",
  {
    versionId: text("version_id")
      .primaryKey()
      .references(() => missionVersion.id, { onDelete: "cascade" }),
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    status: text("status", { enum: VERSION_REVIEW_STATUSES }).notNull(),
    /** sha256 of the canonical JSON of the version's governance-relevant parts. */
    governanceHash: text("governance_hash").notNull(),
    /** What changed in governance against the version published when this one was saved. */
    changes: jsonb("changes").$type<string[]>().notNull().default([]),
    requestedBy: text("requested_by").references(() => user.id, { onDelete: "set null" }),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
    decidedBy: text("decided_by").references(() => user.id, { onDelete: "set null" }),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    note: text("note"),
  },
  (t) => [index("version_review_mission").on(t.missionId, t.status)],
);
