import "server-only";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/database";
import type { RunStatus, SuiteRunCase } from "@/server/db/schema";
import { checkExpectations, type ExpectationResult } from "./expectations";

/** What judging a case needs of its run. */
export interface JudgedRun {
  status: RunStatus;
  verdict: { outcome: string } | null;
  error: string | null;
  input: Record<string, unknown>;
  /** Outputs of the steps that succeeded, by id. */
  outputs: Record<string, unknown>;
}

export interface CaseJudgement {
  status: "running" | "passed" | "failed";
  results: ExpectationResult[];
  /** The first reason it failed, in words: the failing expectation, the run's error, or why it could not start. */
  failure: string | null;
}

/** A suite case against its run (null: it never started or was deleted): running, passed, or failed saying why. */
export function judgeCase(c: SuiteRunCase, run: JudgedRun | null): CaseJudgement {
  if (!c.runId) return { status: "failed", results: [], failure: `could not start: ${c.error ?? "unknown reason"}` };
  if (!run) return { status: "failed", results: [], failure: "its run was deleted" };
  if (run.status !== "succeeded" && run.status !== "failed" && run.status !== "cancelled") return { status: "running", results: [], failure: null };
  const results = checkExpectations(c.expectations, { verdict: run.verdict, input: run.input, outputs: run.outputs });
  const failedCheck = results.find((r) => !r.passed);
  // A run that failed fails its case even when the case expects nothing in particular.
  const failure = failedCheck ? failedCheck.why : run.status !== "succeeded" ? `the run ${run.status}${run.error ? `: ${run.error}` : ""}` : null;
  return { status: failure ? "failed" : "passed", results, failure };
}

function rowsOf<T>(res: unknown): T[] {
  return Array.isArray(res) ? (res as T[]) : ((res as { rows: T[] }).rows ?? []);
}

/**
 * Why a version may not be published under its mission's suite gate, or null when its newest
 * suite run passed: every case finished and held. Reads in the caller's transaction.
 */
export async function suiteGateRefusal(tx: DbOrTx, versionId: string, number: number): Promise<string | null> {
  const [suite] = rowsOf<{ id: string; cases: SuiteRunCase[] }>(
    await tx.execute(sql`select id, cases from mission_suite_run where version_id = ${versionId} order by created_at desc, id desc limit 1`),
  );
  const v = `Version ${number}`;
  if (!suite) return `${v} cannot be published: this mission publishes only versions whose test suite passed, and no suite has run on it. Run the test suite first`;
  const ids = suite.cases.flatMap((c) => (c.runId ? [c.runId] : []));
  const runs = ids.length
    ? rowsOf<JudgedRun & { id: string }>(
        await tx.execute(
          sql`select r.id, r.status, r.verdict, r.error, r.input,
                     (select coalesce(jsonb_object_agg(n.node_id, n.output), '{}'::jsonb) from run_node n where n.run_id = r.id and n.status = 'succeeded') as outputs
              from run r where r.id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`,
        ),
      )
    : [];
  const byId = new Map(runs.map((r) => [r.id, r]));
  const judged = suite.cases.map((c) => ({ c, j: judgeCase(c, c.runId ? (byId.get(c.runId) ?? null) : null) }));
  const running = judged.filter((x) => x.j.status === "running").length;
  if (running) return `${v} cannot be published yet: its test suite is still running (${running} of ${judged.length} cases)`;
  const failed = judged.filter((x) => x.j.status === "failed");
  if (!failed.length) return null;
  const first = failed[0] as (typeof failed)[number];
  return `${v} cannot be published: its test suite failed (${failed.length} of ${judged.length} cases; "${first.c.name}": ${first.j.failure})`;
}
