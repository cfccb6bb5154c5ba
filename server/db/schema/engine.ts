import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

// Run state of the embedded Inngest executor. Not used when a real Inngest server drives runs.

export const engineFunction = pgTable("engine_function", {
  id: text("id").primaryKey(),
  config: jsonb("config").notNull(),
});

export const engineEvent = pgTable(
  "engine_event",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    payload: jsonb("payload").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (t) => [index("engine_event_name").on(t.name, t.receivedAt)],
);

export const engineRun = pgTable(
  "engine_run",
  {
    id: text("id").primaryKey(),
    fnId: text("fn_id").notNull(),
    event: jsonb("event").notNull(),
    status: text("status", { enum: ["running", "completed", "failed", "cancelled"] })
      .notNull()
      .default("running"),
    output: jsonb("output"),
    error: jsonb("error"),
    maxAttempts: integer("max_attempts").notNull(),
    disableImmediate: boolean("disable_immediate").notNull().default(false),
    /** Hashed ids of parallel steps planned but not yet memoized. */
    pending: text("pending").array().notNull().default([]),
    parentRunId: text("parent_run_id"),
    parentStepId: text("parent_step_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [index("engine_run_status").on(t.status)],
);

export const engineStep = pgTable(
  "engine_step",
  {
    runId: text("run_id").notNull(),
    hashedId: text("hashed_id").notNull(),
    seq: bigserial("seq", { mode: "number" }).notNull(),
    /** `{ data }` or `{ error }`, exactly as the SDK expects it back. */
    result: jsonb("result").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.hashedId] })],
);

export const engineWait = pgTable(
  "engine_wait",
  {
    runId: text("run_id").notNull(),
    hashedId: text("hashed_id").notNull(),
    kind: text("kind", { enum: ["event", "sleep", "invoke"] }).notNull(),
    eventName: text("event_name"),
    expr: text("expr"),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 6 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.hashedId] }), index("engine_wait_event").on(t.eventName)],
);

export const engineJob = pgTable(
  "engine_job",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: text("run_id").notNull(),
    kind: text("kind", { enum: ["call", "timeout"] }).notNull(),
    stepId: text("step_id").notNull().default("step"),
    attempt: integer("attempt").notNull().default(0),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    dedupeKey: text("dedupe_key").unique(),
  },
  (t) => [index("engine_job_due").on(t.runAt)],
);
