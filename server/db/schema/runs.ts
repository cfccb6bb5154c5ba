import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { mission, missionVersion } from "./missions";

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const NODE_STATUSES = ["pending", "running", "waiting", "succeeded", "failed", "skipped"] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** What a simulated run answers with instead of acting: the case's recorded tool results and approvals. */
export interface RunSimulation {
  testCaseId: string | null;
  suiteRunId: string | null;
  /** By tool ref: what a state-changing tool returns instead of being called. */
  toolResults: Record<string, unknown>;
  /** By step id: how an Approval step (or a gated call of an action or Worker) is answered. */
  approvals: Record<string, { approve: boolean; values?: Record<string, unknown>; reason?: string }>;
}

export const run = pgTable(
  "run",
  {
    id: text("id").primaryKey(),
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    versionId: text("version_id")
      .notNull()
      .references(() => missionVersion.id),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("queued"),
    input: jsonb("input").$type<Record<string, unknown>>().notNull(),
    channel: text("channel", { enum: ["manual", "portal", "api", "schedule", "webhook"] }).notNull().default("manual"),
    verdict: jsonb("verdict").$type<{ outcome: string; summary: string } | null>(),
    error: text("error"),
    startedBy: text("started_by").references(() => user.id, { onDelete: "set null" }),
    tokensIn: integer("tokens_in").notNull().default(0),
    tokensOut: integer("tokens_out").notNull().default(0),
    cost: numeric("cost", { precision: 14, scale: 6 }).notNull().default("0"),
    tokenBudget: integer("token_budget"),
    /** The most the run's model calls may cost, in the currency of the registered model prices; null: no limit. */
    costBudget: numeric("cost_budget", { precision: 14, scale: 6 }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    /** A sweeper fails runs that make no progress past this moment. */
    deadlineAt: timestamp("deadline_at", { withTimezone: true }),
    /** A re-run from a node: the finished run whose results it reuses, and the node it runs from. */
    rerunOf: text("rerun_of"),
    rerunFrom: text("rerun_from"),
    /** A child run started by a Call mission step: the run and the step that called it. */
    parentRunId: text("parent_run_id"),
    parentNodeId: text("parent_node_id"),
    /**
     * Set when the run is a simulation of a test case (docs/testing-missions.md): state-changing
     * tools are not called and approvals are answered by the case. Simulated runs are left out of
     * production lists and counts.
     */
    simulation: jsonb("simulation").$type<RunSimulation>(),
    /** Worker step id → registered model id, for this run only (a model comparison, or a builder trying a model); null: each Worker's own. */
    modelOverrides: jsonb("model_overrides").$type<Record<string, string>>(),
  },
  (t) => [index("run_mission").on(t.missionId), index("run_status").on(t.status), index("run_created").on(t.createdAt), index("run_parent").on(t.parentRunId)],
);

export const runNode = pgTable(
  "run_node",
  {
    runId: text("run_id")
      .notNull()
      .references(() => run.id, { onDelete: "cascade" }),
    nodeId: text("node_id").notNull(),
    status: text("status", { enum: NODE_STATUSES }).notNull().default("pending"),
    output: jsonb("output"),
    error: text("error"),
    attempt: integer("attempt").notNull().default(0),
    tokensIn: integer("tokens_in").notNull().default(0),
    tokensOut: integer("tokens_out").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    /** Set when the node's result was taken from this run instead of executing (a re-run from a later node). */
    reusedFrom: text("reused_from"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.nodeId] })],
);

export const OBSERVATION_KINDS = [
  "status",
  "reasoning",
  "text",
  "tool_call",
  "tool_result",
  "citation",
  "decision",
  "error",
  "usage",
] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

export const observation = pgTable(
  "observation",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => run.id, { onDelete: "cascade" }),
    nodeId: text("node_id"),
    attempt: integer("attempt").notNull().default(0),
    kind: text("kind", { enum: OBSERVATION_KINDS }).notNull(),
    text: text("text").notNull().default(""),
    data: jsonb("data"),
    tokensIn: integer("tokens_in").notNull().default(0),
    tokensOut: integer("tokens_out").notNull().default(0),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * The item of a For each (its node) this line records, once: a record step run again after a
     * kill inserts nothing (engine/nodes/for-each-lines.ts). Null on every other Observation.
     */
    itemIndex: integer("item_index"),
  },
  (t) => [index("observation_run").on(t.runId, t.id), uniqueIndex("observation_for_each_item").on(t.runId, t.nodeId, t.itemIndex).where(sql`${t.itemIndex} is not null`)],
);
