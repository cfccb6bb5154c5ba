import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { RUN_REQUESTED } from "@/server/contracts/events";

// Invariants that must hold for a run however often the process died under it. Written for the
// crash tests here and for a later kill -9 test: start the app, start runs, kill -9 it at random,
// restart it on the same data, wait, then check every run with checkRunInvariants().

export interface RunInvariantReport {
  runId: string;
  status: string;
  violations: string[];
}

/**
 * - a finished run has no live nodes and no pending decisions; a failed one says why;
 * - the engine started it exactly once (one engine run per run, one run.requested event);
 * - an engine run that ended left no waits or jobs behind;
 * - every status Observation for a node agrees with the node's final state (no "succeeded" twice);
 * - each idempotency-keyed side effect is counted once by the caller (see FakeTools.effects).
 */
export async function checkRunInvariants(database: Database, runId: string): Promise<RunInvariantReport> {
  const violations: string[] = [];
  const [run] = await database.rows<{ status: string; error: string | null }>(
    sql`select status, error from run where id = ${runId}`,
  );
  if (!run) return { runId, status: "missing", violations: [`run ${runId} does not exist`] };
  const finished = ["succeeded", "failed", "cancelled"].includes(run.status);

  const nodes = await database.rows<{ node_id: string; status: string }>(sql`select node_id, status from run_node where run_id = ${runId}`);
  if (finished) {
    const live = nodes.filter((n) => n.status === "running" || n.status === "waiting");
    if (live.length) violations.push(`run is ${run.status} but nodes are still live: ${live.map((n) => `${n.node_id}=${n.status}`).join(", ")}`);
    const [pending] = await database.rows<{ n: number }>(
      sql`select count(*)::int as n from decision where run_id = ${runId} and status = 'pending'`,
    );
    if (Number(pending?.n) > 0) violations.push(`run is ${run.status} but ${pending?.n} decision(s) are still pending`);
  }
  if (run.status === "failed" && !run.error) violations.push("run failed without an error");

  const engineRuns = await database.rows<{ id: string; status: string }>(
    sql`select id, status from engine_run where event->>'name' = ${RUN_REQUESTED} and event->'data'->>'runId' = ${runId}`,
  );
  if (engineRuns.length > 1) violations.push(`the engine started this run ${engineRuns.length} times`);
  for (const er of engineRuns) {
    if (er.status === "running") continue;
    const [left] = await database.rows<{ n: number }>(
      sql`select (select count(*) from engine_wait where run_id = ${er.id}) + (select count(*) from engine_job where run_id = ${er.id}) as n`,
    );
    if (Number(left?.n) > 0) violations.push(`engine run ${er.id} is ${er.status} but left ${left?.n} waits/jobs`);
  }

  const terminalObs = await database.rows<{ node_id: string; status: string; n: number }>(
    sql`select node_id, data->>'status' as status, count(*)::int as n from observation
        where run_id = ${runId} and kind = 'status' and node_id is not null and data->>'status' in ('succeeded', 'skipped')
        group by 1, 2`,
  );
  for (const o of terminalObs) if (Number(o.n) > 1) violations.push(`node ${o.node_id} was recorded ${o.status} ${o.n} times`);
  const runObs = await database.rows<{ status: string; n: number }>(
    sql`select data->>'status' as status, count(*)::int as n from observation
        where run_id = ${runId} and kind = 'status' and node_id is null and data->>'status' in ('running', 'succeeded', 'failed', 'cancelled')
        group by 1`,
  );
  for (const o of runObs) if (Number(o.n) > 1) violations.push(`the run was recorded ${o.status} ${o.n} times`);
  return { runId, status: run.status, violations };
}

/** Every run in the database, checked (for a kill -9 test that does not know the run ids). */
export async function checkAllRuns(database: Database): Promise<RunInvariantReport[]> {
  const runs = await database.rows<{ id: string }>(sql`select id from run order by created_at`);
  const reports: RunInvariantReport[] = [];
  for (const r of runs) reports.push(await checkRunInvariants(database, r.id));
  return reports;
}
