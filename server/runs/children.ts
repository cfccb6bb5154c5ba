import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import type { RunStatus } from "@/server/db/schema";
import { RunError } from "./errors";
import { startRun } from "./service";

/**
 * Child runs: a Call mission step (server/engine/nodes/call.ts) runs another mission's published
 * version as a run of its own, linked to the parent run and step (run.parent_run_id,
 * parent_node_id).
 */

/**
 * The id of the child run a step starts: derived from the parent run and the step's key, so a
 * start step executed again (a crash before its result was stored) finds the run it already
 * started, and the run's primary key refuses a second one.
 */
export function childRunId(parentRunId: string, stepKey: string): string {
  const h = crypto.createHash("sha256").update(`${parentRunId}\u0000${stepKey}`).digest("hex");
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  // UUID-shaped (version 8, "custom"), as run ids are.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface ChildRunRequest {
  runId: string;
  parentRunId: string;
  parentNodeId: string;
  missionId: string;
  /** A version number, or the published one now. */
  version: number | "latest";
  input: Record<string, unknown>;
  /** The parent's requester: the child runs for the same person. */
  userId: string | null;
}

export interface StartedChild {
  runId: string;
  missionName: string;
  /** The version pinned for the child. */
  version: number;
}

/**
 * Starts the child run once (a second call finds the first): the same checks as any run (the
 * mission exists and is not archived, the version is or was published, the input fits its
 * trigger), queued for the parent's engine run to invoke.
 */
export async function startChildRun(database: Database, req: ChildRunRequest): Promise<StartedChild> {
  const existing = await startedChild(database, req.runId);
  if (existing) return existing;
  // The versions were checked for cycles when saved and published; a run checks its own chain too.
  const [cycle] = await database.rows<{ name: string }>(
    sql`with recursive chain(id, mission_id, parent_run_id, depth) as (
          select id, mission_id, parent_run_id, 0 from run where id = ${req.parentRunId}
          union all
          select r.id, r.mission_id, r.parent_run_id, c.depth + 1 from run r join chain c on r.id = c.parent_run_id where c.depth < 100)
        select m.name from chain c join mission m on m.id = c.mission_id where c.mission_id = ${req.missionId} limit 1`,
  );
  if (cycle) throw new RunError("conflict", `"${cycle.name}" is already running in this chain of calls: a mission may not call itself`, [{ path: "missionId", message: "makes a cycle" }]);
  let versionId: string | undefined;
  if (req.version !== "latest") {
    const [v] = await database.rows<{ id: string }>(sql`select id from mission_version where mission_id = ${req.missionId} and number = ${req.version}`);
    if (!v) throw new RunError("not_found", `Mission ${req.missionId} has no version ${req.version}`, [{ path: "version", message: "must be a version of the mission" }]);
    versionId = v.id;
  }
  await startRun(
    database,
    { missionId: req.missionId, ...(versionId ? { versionId } : {}), input: req.input, channel: "api", userId: req.userId },
    { runId: req.runId, parent: { runId: req.parentRunId, nodeId: req.parentNodeId }, via: `called by run ${req.parentRunId.slice(0, 8)} step ${req.parentNodeId}` },
  );
  const started = await startedChild(database, req.runId);
  if (!started) throw new Error(`Child run ${req.runId} was not stored`);
  return started;
}

async function startedChild(database: Database, runId: string): Promise<StartedChild | null> {
  const [row] = await database.rows<{ name: string; number: number }>(
    sql`select m.name, v.number from run r join mission m on m.id = r.mission_id join mission_version v on v.id = r.version_id where r.id = ${runId}`,
  );
  return row ? { runId, missionName: row.name, version: Number(row.number) } : null;
}

export interface ChildRunEnd {
  status: RunStatus;
  verdict: { outcome: string; summary: string } | null;
  /** The outputs of the child's steps that succeeded, by step id. */
  outputs: Record<string, unknown>;
  error: string | null;
}

/** How a child run ended: its status, verdict, its steps' outputs and its reason when it failed. */
export async function childRunEnd(database: Database, runId: string): Promise<ChildRunEnd> {
  const [run] = await database.rows<{ status: RunStatus; verdict: ChildRunEnd["verdict"]; error: string | null }>(sql`select status, verdict, error from run where id = ${runId}`);
  if (!run) throw new Error(`Child run ${runId} does not exist`);
  const nodes = await database.rows<{ node_id: string; output: unknown }>(
    sql`select node_id, output from run_node where run_id = ${runId} and status = 'succeeded' order by node_id`,
  );
  return { status: run.status, verdict: run.verdict ?? null, outputs: Object.fromEntries(nodes.map((n) => [n.node_id, n.output ?? null])), error: run.error };
}
