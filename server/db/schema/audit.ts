import { bigint, bigserial, boolean, check, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

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

/**
 * The chain's head: the newest entry's id and hash, in one row. An append updates it and inserts
 * the entry in one statement (server/audit/record.ts): the row lock serialises writers, and a
 * writer that waited for it computes from the head the other one committed (PostgreSQL re-reads an
 * updated row before updating it again), so the chain never forks and needs no separate lock.
 */
export const auditHead = pgTable(
  "audit_head",
  {
    one: boolean("one").primaryKey().default(true),
    /** The newest entry's id (0 before the first). */
    id: bigint("id", { mode: "number" }).notNull(),
    /** The newest entry's hash (GENESIS_HASH before the first). */
    hash: text("hash").notNull(),
    /** The hash before it: what the newest entry's prev_hash holds. */
    prevHash: text("prev_hash").notNull(),
  },
  (t) => [check("audit_head_one_row", sql`${t.one}`)],
);

/**
 * Signed checkpoints of the chain's head. The signature is an HMAC under a key derived from
 * STEWARD_SECRET_KEY, which the database does not hold, so someone who can rewrite the tables
 * cannot forge one; each anchor is also written to a sink outside the database.
 */
export const auditAnchor = pgTable(
  "audit_anchor",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** The newest entry's id and hash when the anchor was taken. */
    headId: bigint("head_id", { mode: "number" }).notNull(),
    headHash: text("head_hash").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    /** Which key signed it (a fingerprint), so a rotated key is told apart from a forgery. */
    keyId: text("key_id").notNull(),
    signature: text("signature").notNull(),
  },
  (t) => [index("audit_anchor_head").on(t.headId)],
);
