import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import type { RunSimulation, SuiteRunCase } from "@/server/db/schema";
import { getRun, startRun, type RunServiceOptions } from "@/server/runs/service";
import { RunError } from "@/server/runs/errors";
import type { ExpectationResult } from "./expectations";
import { judgeCase } from "./judge";
import { listTestCases, type TestCaseView } from "./service";

export const startSuiteRunInput = z.object({
  missionId: z.string().min(1, "must not be empty").max(100),
  /** The version to prove; the published one when not named. Need not be published: a simulation acts on nothing. */
  versionId: z.string().min(1, "must not be empty").max(100).optional(),
});
export type StartSuiteRunInput = z.input<typeof startSuiteRunInput>;

/** One case of a suite run as the result page shows it. */
export interface SuiteCaseResult {
  testCaseId: string;
  name: string;
  runId: string | null;
  /** `running` until the run has ended; then whether every expectation held. */
  status: "running" | "passed" | "failed";
  /** Each expectation with passed and why (empty while running). */
  results: ExpectationResult[];
  /** The first reason it failed, in words: the failing expectation, the run's error, or why it could not start. */
  failure: string | null;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  /** From the run's start to its end (or now, while running); null when it did not start. */
  durationMs: number | null;
}

export interface SuiteRunView {
  id: string;
  missionId: string;
  versionId: string;
  versionNumber: number;
  createdAt: string;
  startedBy: string | null;
  status: "running" | "passed" | "failed";
  passed: number;
  failed: number;
  running: number;
  cases: SuiteCaseResult[];
}

/**
 * How a run simulates a test case: answered by the case's recorded tool results and approvals.
 * Every simulation of a case (a suite run's, a model comparison's) is built here.
 */
export function caseSimulation(c: Pick<TestCaseView, "id" | "toolResults" | "approvals">, suiteRunId: string | null): RunSimulation {
  return { testCaseId: c.id, suiteRunId, toolResults: c.toolResults, approvals: c.approvals };
}

/**
 * Runs every test case of a mission in simulation against one version (the published one unless
 * named): one simulated run per case, answered by the case's recorded tool results and approvals.
 * A case whose input no longer fits the version's trigger is recorded as failed with the reason,
 * and the others still run. Returns the suite run's id; its results come as the runs end.
 */
export async function startSuiteRun(database: Database, raw: StartSuiteRunInput, userId: string | null, opts: Pick<RunServiceOptions, "send" | "actor"> = {}): Promise<{ suiteRunId: string }> {
  const parsed = startSuiteRunInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid suite run", zodProblems(parsed.error.issues));
  const req = parsed.data;
  const [m] = await database.rows<{ id: string; version_id: string | null }>(
    sql`select m.id, v.id as version_id from mission m left join mission_version v on v.mission_id = m.id and ${req.versionId ? sql`v.id = ${req.versionId}` : sql`v.number = m.published_version`}
        where m.id = ${req.missionId}`,
  );
  if (!m) throw new AppError("not_found", `No mission ${req.missionId}`, [{ path: "missionId", message: "no such mission" }]);
  if (!m.version_id) {
    throw req.versionId
      ? new AppError("not_found", `Mission ${m.id} has no version ${req.versionId}`, [{ path: "versionId", message: "must be a version of the mission" }])
      : new AppError("bad_request", `Mission ${m.id} has no published version: name the version to test`, [{ path: "versionId", message: "required: the mission has no published version" }]);
  }
  const cases = await listTestCases(database, m.id);
  if (!cases.length) throw new AppError("bad_request", `Mission ${m.id} has no test cases: save a run as a test case first`, [{ path: "missionId", message: "has no test cases" }]);

  const suiteRunId = `sr_${crypto.randomUUID()}`;
  const recorded: SuiteRunCase[] = [];
  for (const c of cases) {
    const base = { testCaseId: c.id, name: c.name, expectations: c.expectations };
    try {
      const { runId } = await startRun(
        database,
        { missionId: m.id, versionId: m.version_id, input: c.input, userId },
        { ...opts, via: `test case ${c.name}`, simulation: caseSimulation(c, suiteRunId) },
      );
      recorded.push({ ...base, runId });
    } catch (e) {
      // The case cannot run against this version (its input no longer fits, the version is invalid): that is its result.
      if (!(e instanceof RunError)) throw e;
      recorded.push({ ...base, runId: null, error: e.message });
    }
  }
  await database.rows(
    sql`insert into mission_suite_run (id, mission_id, version_id, cases, started_by) values (${suiteRunId}, ${m.id}, ${m.version_id}, ${JSON.stringify(recorded)}::jsonb, ${userId}) returning id`,
  );
  return { suiteRunId };
}

type SuiteRow = { id: string; mission_id: string; version_id: string; number: number; cases: SuiteRunCase[]; started_by: string | null; created_at: string };

/** A suite run with each case's result: checked against the case's expectations as they were when the suite started. */
export async function getSuiteRun(database: Database, id: string): Promise<SuiteRunView> {
  const [row] = await database.rows<SuiteRow>(
    sql`select s.id, s.mission_id, s.version_id, v.number, s.cases, s.started_by, s.created_at::text as created_at
        from mission_suite_run s join mission_version v on v.id = s.version_id where s.id = ${id}`,
  );
  if (!row) throw new AppError("not_found", `No suite run ${id}`, [{ path: "id", message: "no such suite run" }]);
  return suiteView(database, row);
}

/** A mission's suite runs, newest first. */
export async function listSuiteRuns(database: Database, missionId: string, limit = 20): Promise<SuiteRunView[]> {
  const rows = await database.rows<SuiteRow>(
    sql`select s.id, s.mission_id, s.version_id, v.number, s.cases, s.started_by, s.created_at::text as created_at
        from mission_suite_run s join mission_version v on v.id = s.version_id where s.mission_id = ${missionId}
        order by s.created_at desc, s.id desc limit ${limit}`,
  );
  return Promise.all(rows.map((r) => suiteView(database, r)));
}

/**
 * Whether the newest suite run of a version passed (every case finished and held), for the
 * publishing gate: null when it has none, else its view.
 */
export async function latestSuiteRunOf(database: Database, versionId: string): Promise<SuiteRunView | null> {
  const rows = await database.rows<SuiteRow>(
    sql`select s.id, s.mission_id, s.version_id, v.number, s.cases, s.started_by, s.created_at::text as created_at
        from mission_suite_run s join mission_version v on v.id = s.version_id where s.version_id = ${versionId}
        order by s.created_at desc, s.id desc limit 1`,
  );
  return rows[0] ? suiteView(database, rows[0]) : null;
}

async function suiteView(database: Database, row: SuiteRow): Promise<SuiteRunView> {
  const cases = await Promise.all(row.cases.map((c) => caseResult(database, c)));
  const count = (s: SuiteCaseResult["status"]) => cases.filter((c) => c.status === s).length;
  const running = count("running");
  const failed = count("failed");
  return {
    id: row.id,
    missionId: row.mission_id,
    versionId: row.version_id,
    versionNumber: Number(row.number),
    createdAt: new Date(row.created_at).toISOString(),
    startedBy: row.started_by,
    status: running ? "running" : failed ? "failed" : "passed",
    passed: count("passed"),
    failed,
    running,
    cases,
  };
}

async function caseResult(database: Database, c: SuiteRunCase): Promise<SuiteCaseResult> {
  const run = c.runId
    ? await getRun(database, c.runId).catch((e: unknown) => {
        if (e instanceof RunError && e.reason === "not_found") return null;
        throw e;
      })
    : null;
  const outputs = run ? Object.fromEntries(run.nodes.filter((n) => n.status === "succeeded").map((n) => [n.nodeId, n.output])) : {};
  const judged = judgeCase(c, run ? { ...run, outputs } : null);
  const spend = run
    ? { tokensIn: run.tokensIn, tokensOut: run.tokensOut, cost: run.cost, durationMs: new Date(run.endedAt ?? Date.now()).getTime() - new Date(run.startedAt ?? run.createdAt).getTime() }
    : { tokensIn: 0, tokensOut: 0, cost: 0, durationMs: null };
  return { testCaseId: c.testCaseId, name: c.name, runId: c.runId, ...judged, ...spend };
}

/** The mission's suite gate: whether a version is published only once its suite passed. */
export async function suiteGateOf(database: Database, missionId: string): Promise<{ missionId: string; requirePassingSuite: boolean }> {
  const [m] = await database.rows<{ gated: boolean }>(sql`select require_passing_suite as gated from mission where id = ${missionId}`);
  if (!m) throw new AppError("not_found", `No mission ${missionId}`, [{ path: "missionId", message: "no such mission" }]);
  return { missionId, requirePassingSuite: m.gated };
}
