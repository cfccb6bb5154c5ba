import { bigserial, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The audit log: one row per security- or governance-relevant act, hash-chained to the row
 * before it (server/audit/record.ts). Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE.
 * No foreign keys on purpose: a record outlives the user, run or connector it names, and a
 * cascading delete would be refused by the trigger anyway.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Set in JS with millisecond precision, so the hashed ISO string is exactly what is stored. */
    at: timestamp("at", { withTimezone: true }).notNull(),
    actorId: text("actor_id"),
    /** An email, "system", or "api key <prefix>": readable even after the actor is gone. */
    actorLabel: text("actor_label").notNull(),
    /** A dotted verb: `user.roles_changed`, `decision.decided`, … */
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    runId: text("run_id"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_log_at").on(t.at),
    index("audit_log_action").on(t.action),
    index("audit_log_actor").on(t.actorId),
    index("audit_log_target").on(t.targetType, t.targetId),
    index("audit_log_run").on(t.runId, t.id),
  ],
);

export type AuditRow = typeof auditLog.$inferSelect;
