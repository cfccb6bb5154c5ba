import "server-only";
import { sql } from "drizzle-orm";
import { reachableFrom } from "@/lib/mission/graph";
import { portRecord, recordedPort } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";
import type { Database, DbOrTx } from "@/server/db/database";
import type { NodeStatus } from "@/server/db/schema";
import { setNodeStateIn, setRunVerdict } from "./state";

// A re-run from a node (run.rerun_of / rerun_from): the chosen node and everything reachable from
// it execute; every other node takes the result the source run recorded, without executing. The
// source run has ended, and nothing changes a run's rows once it ended (state.ts), so reading them
// outside a step is as deterministic as memoizing them.

/** One node whose result comes from the source run. */
export interface ReusedNode {
  status: "succeeded" | "skipped";
  output: unknown;
  /** The port it took (a condition branch, approved / rejected, an action's rejected); undefined = its default port. */
  port?: string;
  /** How the source run's status Observation named that port (node-kinds.ts portRecord), for this run's record. */
  portData?: Record<string, string>;
}

export interface ReusePlan {
  sourceRunId: string;
  fromNodeId: string;
  /** Nodes that do not execute, by id. Nodes the source run never finished are absent: they run. */
  nodes: Map<string, ReusedNode>;
}

/** The node and everything downstream of it: what a re-run from `fromNodeId` executes. */
export function rerunScope(graph: MissionGraph, fromNodeId: string): Set<string> {
  return reachableFrom(graph, [fromNodeId]);
}

declare global {
  var __stewardReusePlans: Map<string, Promise<ReusePlan>> | undefined;
}
const PLAN_CACHE_LIMIT = 50;

/**
 * Which nodes a re-run takes from its source run. Read on every engine call of the run, so it is
 * cached per process (the source run's rows never change again).
 */
export function loadReusePlan(database: Database, rerunOf: { runId: string; fromNodeId: string }, graph: MissionGraph): Promise<ReusePlan> {
  const cache = (globalThis.__stewardReusePlans ??= new Map());
  const key = `${rerunOf.runId}\u0000${rerunOf.fromNodeId}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = readPlan(database, rerunOf, graph);
    hit.catch(() => cache.delete(key));
    if (cache.size >= PLAN_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, hit);
  }
  return hit;
}

async function readPlan(database: Database, rerunOf: { runId: string; fromNodeId: string }, graph: MissionGraph): Promise<ReusePlan> {
  const fresh = rerunScope(graph, rerunOf.fromNodeId);
  const rows = await database.rows<{ node_id: string; status: NodeStatus; output: unknown }>(
    sql`select node_id, status, output from run_node where run_id = ${rerunOf.runId} and status in ('succeeded', 'skipped')`,
  );
  const recorded = new Map(rows.map((r) => [r.node_id, r]));
  // The port each node took is in the status Observation that recorded it succeeding (an output
  // need not say: a tool may answer anything), read as the run overlay reads it.
  const statuses = await database.rows<{ node_id: string; data: Record<string, unknown> | null }>(
    sql`select distinct on (node_id) node_id, data from observation
        where run_id = ${rerunOf.runId} and kind = 'status' and node_id is not null and data->>'status' = 'succeeded'
        order by node_id, id desc`,
  );
  const ports = new Map(statuses.map((r) => [r.node_id, portRecord(r.data ?? {})]));
  const nodes = new Map<string, ReusedNode>();
  for (const n of graph.nodes) {
    // The trigger's result is the run input, which a re-run copies: the first step records it.
    if (fresh.has(n.id) || n.kind === "trigger") continue;
    const r = recorded.get(n.id);
    if (!r) continue;
    if (r.status === "skipped") {
      nodes.set(n.id, { status: "skipped", output: null });
      continue;
    }
    const portData = ports.get(n.id) ?? {};
    const port = recordedPort(portData);
    nodes.set(n.id, { status: "succeeded", output: r.output, ...(port !== undefined ? { port, portData } : {}) });
  }
  return { sourceRunId: rerunOf.runId, fromNodeId: rerunOf.fromNodeId, nodes };
}

/**
 * Records every reused node of a re-run in the caller's transaction (the run's first step): the
 * source run's status and output, `reused_from`, and a status Observation saying where it came
 * from. Repeating it writes nothing (only pending rows change). Returns the Observation ids.
 */
export async function recordReuse(database: Database, tx: DbOrTx, runId: string, plan: ReusePlan, graph: MissionGraph): Promise<(number | null)[]> {
  const ids: (number | null)[] = [];
  const from = plan.sourceRunId;
  const short = from.slice(0, 8);
  for (const n of graph.nodes) {
    const reused = plan.nodes.get(n.id);
    if (!reused) continue;
    if (reused.status === "skipped") {
      const because = `skipped in run ${short}, whose choices this re-run reuses`;
      ids.push(await setNodeStateIn(database, tx, runId, n.id, "skipped", { text: `${n.id} skipped (reused from run ${short})`, data: { because, reusedFrom: from }, direct: true, reusedFrom: from }));
      continue;
    }
    const data: Record<string, unknown> = { ...reused.portData, reusedFrom: from };
    if (n.kind === "verdict" && reused.output && typeof reused.output === "object") {
      // The first verdict wins, as in a run: a reused one was reached before anything fresh ran.
      await setRunVerdict(database, runId, reused.output as { outcome: string; summary: string }, [], tx);
    }
    ids.push(await setNodeStateIn(database, tx, runId, n.id, "succeeded", { output: reused.output, text: `${n.id} reused from run ${short}`, data, direct: true, reusedFrom: from }));
  }
  return ids;
}
