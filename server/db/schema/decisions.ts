import type { ValueRule } from "@/lib/decisions/value-rules";
import type { GovernedRules } from "@/lib/governance/policy";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { run } from "./runs";

export const DECISION_KINDS = ["approval", "tool"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
export const DECISION_STATUSES = ["pending", "approved", "rejected", "expired", "cancelled"] as const;
export type DecisionStatus = (typeof DECISION_STATUSES)[number];

/** How one proposed value is shown and type-checked when an approver edits it. */
export interface DecisionField {
  name: string;
  label: string;
  /** `json` for tool arguments that are objects, arrays or null. */
  type: "string" | "number" | "boolean" | "json";
  /** Bounds from the tool's input schema (minimum, maximum, pattern…), checked on every edit. */
  rule?: ValueRule;
}

/** A Decision Queue item: an approval node, or a state-changing tool call waiting for a human. */
export const decision = pgTable(
  "decision",
  {
    id: text("id").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => run.id, { onDelete: "cascade" }),
    nodeId: text("node_id").notNull(),
    kind: text("kind", { enum: DECISION_KINDS }).notNull(),
    status: text("status", { enum: DECISION_STATUSES }).notNull().default("pending"),
    title: text("title").notNull().default(""),
    /** Proposed values by name (approval node values, or a tool call's arguments). */
    proposed: jsonb("proposed").$type<Record<string, unknown>>().notNull(),
    fields: jsonb("fields").$type<DecisionField[]>().notNull().default([]),
    /** Names of the proposed values an approver may change. */
    editable: text("editable").array().notNull().default([]),
    /** What the approver saw and why: the worker's reasoning, the tool's description. */
    context: jsonb("context").$type<Record<string, unknown>>(),
    finalValues: jsonb("final_values").$type<Record<string, unknown>>(),
    approverRole: text("approver_role", { enum: ["admin", "builder", "approver", "viewer"] }).notNull().default("approver"),
    requiredApprovals: integer("required_approvals").notNull().default(1),
    separationOfDuties: boolean("separation_of_duties").notNull().default(false),
    reasonRequired: boolean("reason_required").notNull().default(true),
    /** The rules in force and the admin policies they came from (lib/governance/policy.ts). */
    governance: jsonb("governance").$type<GovernedRules>(),
    /** Who started the run. */
    requestedBy: text("requested_by").references(() => user.id, { onDelete: "set null" }),
    /** Who saved the mission version the run is pinned to. */
    versionAuthor: text("version_author").references(() => user.id, { onDelete: "set null" }),
    reason: text("reason"),
    decidedBy: text("decided_by"),
    dueAt: timestamp("due_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    /** The `decision/made` event reached the engine (re-sent by the sweeper when false). */
    eventSent: boolean("event_sent").notNull().default(false),
  },
  (t) => [index("decision_status").on(t.status, t.createdAt), index("decision_run").on(t.runId)],
);

/** One approver's vote; four-eyes decisions resolve when enough distinct approvers voted yes. */
export const decisionVote = pgTable(
  "decision_vote",
  {
    decisionId: text("decision_id")
      .notNull()
      .references(() => decision.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    approve: boolean("approve").notNull(),
    values: jsonb("values").$type<Record<string, unknown>>(),
    reason: text("reason"),
    /** The roles the voter held when voting: whether the vote counts toward the role in force. */
    roles: text("roles").array(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.decisionId, t.userId] })],
);
