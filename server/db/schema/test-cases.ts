import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { mission, missionVersion } from "./missions";

/** What a test case expects of a run: the verdict's outcome (null: any), and expressions over the run's values that must be true. */
export interface TestCaseExpectations {
  outcome: string | null;
  checks: { expression: string }[];
}

/** How a case answers an approval (an Approval step or a Worker's gated tool call), by node id. */
export interface TestCaseApproval {
  approve: boolean;
  values?: Record<string, unknown>;
  reason?: string;
}

/**
 * A mission's test case (issue #16): the trigger input of a run and what the run must give. Saved
 * from a finished run or by hand; simulation answers a state-changing tool with its recorded
 * result and an approval with its recorded answer.
 */
export const missionTestCase = pgTable(
  "mission_test_case",
  {
    id: text("id").primaryKey(),
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    input: jsonb("input").$type<Record<string, unknown>>().notNull(),
    expectations: jsonb("expectations").$type<TestCaseExpectations>().notNull(),
    /** A state-changing tool's recorded result, by tool ref. */
    toolResults: jsonb("tool_results").$type<Record<string, unknown>>().notNull().default({}),
    approvals: jsonb("approvals").$type<Record<string, TestCaseApproval>>().notNull().default({}),
    /** The run it was saved from, if any (not a reference: runs may be deleted, the case stays). */
    sourceRunId: text("source_run_id"),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("mission_test_case_mission").on(t.missionId)],
);

/** One case of a suite run: the case as it was when the suite started, and the simulated run of it. */
export interface SuiteRunCase {
  testCaseId: string;
  name: string;
  expectations: TestCaseExpectations;
  /** Null when the run could not be started; `error` says why. */
  runId: string | null;
  error?: string;
}

/** A suite run (issue #16): every test case of a mission run in simulation against one version. */
export const missionSuiteRun = pgTable(
  "mission_suite_run",
  {
    id: text("id").primaryKey(),
    missionId: text("mission_id")
      .notNull()
      .references(() => mission.id, { onDelete: "cascade" }),
    versionId: text("version_id")
      .notNull()
      .references(() => missionVersion.id, { onDelete: "cascade" }),
    cases: jsonb("cases").$type<SuiteRunCase[]>().notNull(),
    startedBy: text("started_by").references(() => user.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("mission_suite_run_mission").on(t.missionId, t.createdAt), index("mission_suite_run_version").on(t.versionId)],
);
