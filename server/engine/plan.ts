import "server-only";
import { sql } from "drizzle-orm";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import type { RunSimulation, RunStatus } from "@/server/db/schema";
import type { Database } from "@/server/db/database";

/** The small part of a run's plan, memoized by the first step so every replay sees the same. */
export interface RunHeader {
  runId: string;
  missionId: string;
  versionId: string;
  status: RunStatus;
  input: Record<string, unknown>;
  startedBy: string | null;
  tokenBudget: number | null;
  /** The most the run's model calls may cost (currency of the model prices); null: no limit. */
  costBudget: number | null;
  /** Worker step id → registered model id, for this run only (a header memoized before overrides existed has none). */
  modelOverrides?: Record<string, string> | null;
  /** A re-run from a node: the finished run whose results are reused (server/engine/reuse.ts). */
  rerunOf?: { runId: string; fromNodeId: string } | null;
  /** A simulation of a test case (docs/testing-missions.md): nothing state-changing is called. */
  simulation?: RunSimulation | null;
}

/** Everything a run needs: the header plus the pinned version's graph. */
export interface RunPlan extends RunHeader {
  graph: MissionGraph;
}

/** The run columns a header is made of, as selected (or returned) from `run`. */
export const RUN_HEADER_COLUMNS = sql.raw("id, mission_id, version_id, status, input, started_by, token_budget, cost_budget, model_overrides, rerun_of, rerun_from, simulation");

export interface RunHeaderRow {
  id: string;
  mission_id: string;
  version_id: string;
  status: RunStatus;
  input: Record<string, unknown> | null;
  started_by: string | null;
  token_budget: number | string | null;
  cost_budget: number | string | null;
  model_overrides: Record<string, string> | null;
  rerun_of: string | null;
  rerun_from: string | null;
  simulation?: RunSimulation | null;
}

export function toRunHeader(row: RunHeaderRow): RunHeader {
  return {
    runId: row.id,
    missionId: row.mission_id,
    versionId: row.version_id,
    status: row.status,
    input: row.input ?? {},
    startedBy: row.started_by,
    tokenBudget: row.token_budget === null ? null : Number(row.token_budget),
    costBudget: row.cost_budget === null ? null : Number(row.cost_budget),
    modelOverrides: row.model_overrides ?? null,
    rerunOf: row.rerun_of && row.rerun_from ? { runId: row.rerun_of, fromNodeId: row.rerun_from } : null,
    simulation: row.simulation ?? null,
  };
}

export async function loadRunHeader(database: Database, runId: string): Promise<RunHeader | null> {
  const [row] = await database.rows<RunHeaderRow>(sql`select ${RUN_HEADER_COLUMNS} from run where id = ${runId}`);
  return row ? toRunHeader(row) : null;
}

declare global {
  var __stewardVersionGraphs: Map<string, Promise<MissionGraph>> | undefined;
}
const GRAPH_CACHE_LIMIT = 200;

/**
 * The graph of a mission version. Versions are immutable (a database trigger forbids updates), so
 * reading it outside a step is as deterministic as memoizing it, and caching it per process keeps
 * every engine call small: the graph is not resent with each step's memoized state.
 */
export function versionGraph(database: Database, versionId: string): Promise<MissionGraph> {
  const cache = (globalThis.__stewardVersionGraphs ??= new Map());
  let hit = cache.get(versionId);
  if (!hit) {
    hit = (async () => {
      const [row] = await database.rows<{ graph: unknown }>(sql`select graph from mission_version where id = ${versionId}`);
      if (!row) throw new Error(`Mission version ${versionId} does not exist`);
      // Versions are validated when saved and when a run starts; parsing again fills schema defaults.
      return missionGraphSchema.parse(row.graph);
    })();
    hit.catch(() => cache.delete(versionId));
    if (cache.size >= GRAPH_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(versionId, hit);
  }
  return hit;
}
