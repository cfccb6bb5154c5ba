import "server-only";
import { sql } from "drizzle-orm";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import type { DecisionStatus } from "@/server/db/schema";
import { getRun, type RunView } from "@/server/runs";

/** A decision of the run, as the run view links to it. */
export interface RunDecisionLink {
  id: string;
  nodeId: string;
  kind: string;
  status: DecisionStatus;
  title: string;
  createdAt: string;
}

/** What the run page shows besides the Observation stream: the run, its pinned graph and its decisions. */
export interface RunPageData {
  run: Omit<RunView, "pendingDecisions">;
  graph: MissionGraph;
  startedByName: string | null;
  decisions: RunDecisionLink[];
}

/** The run (from the run service), the graph of the version it is pinned to, and every decision it opened. */
export async function getRunPageData(database: Database, runId: string): Promise<RunPageData> {
  const { pendingDecisions, ...run } = await getRun(database, runId);
  const [version] = await database.rows<{ graph: unknown }>(sql`select graph from mission_version where id = ${run.versionId}`);
  const graph = missionGraphSchema.parse(version?.graph);
  const [starter] = run.startedBy ? await database.rows<{ name: string }>(sql`select name from "user" where id = ${run.startedBy}`) : [];
  const decisions = await database.rows<{ id: string; node_id: string; kind: string; status: DecisionStatus; title: string; created_at: string }>(
    sql`select id, node_id, kind, status, title, created_at::text as created_at from decision
        where run_id = ${runId} and status <> 'pending' order by created_at, id`,
  );
  const settled = decisions.map((d) => ({ id: d.id, nodeId: d.node_id, kind: d.kind, status: d.status, title: d.title, createdAt: new Date(d.created_at).toISOString() }));
  // Pending ones come from the run service (the same list its REST and tRPC answers carry).
  const pending = pendingDecisions.map((d) => ({ id: d.id, nodeId: d.nodeId, kind: d.kind, status: d.status, title: d.title, createdAt: d.createdAt }));
  return {
    run,
    graph,
    startedByName: starter?.name ?? null,
    decisions: [...settled, ...pending].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
  };
}
