import "server-only";
import { sql } from "drizzle-orm";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import type { DecisionStatus } from "@/server/db/schema";
import { capValue } from "@/lib/bounded";
import { getRun, type RunView } from "@/server/runs";
import { boundVerdict, RUN_VALUE_MAX_BYTES } from "./bounds";
import { runValueLink } from "./run-values";
import { runTraceLink, type RunTraceLink } from "@/server/tracing/link";

/** A decision of the run, as the run view links to it. */
export interface RunDecisionLink {
  id: string;
  nodeId: string;
  kind: string;
  status: DecisionStatus;
  title: string;
  createdAt: string;
  /** Approving votes so far, and how many it needs (four-eyes: 2): the waiting card's "1 of 2 approvals". */
  approvals: number;
  requiredApprovals: number;
}

/** What the run page shows besides the Observation stream: the run, its pinned graph and its decisions. */
export interface RunPageData {
  run: Omit<RunView, "pendingDecisions">;
  graph: MissionGraph;
  startedByName: string | null;
  decisions: RunDecisionLink[];
  /** The run's OpenTelemetry trace, when runs are traced (docs/observability.md). */
  trace: RunTraceLink | null;
}

/**
 * A run as it is shipped (run page, REST): its input, verdict and node outputs each at most
 * RUN_VALUE_MAX_BYTES; a larger one stands in as a TruncatedValue linking to the whole of it.
 */
export function boundRunView<T extends Pick<RunView, "id" | "input" | "verdict" | "nodes">>(run: T): T {
  return {
    ...run,
    input: capValue(run.input, RUN_VALUE_MAX_BYTES, runValueLink(run.id, "input")) as RunView["input"],
    // Verdicts stored before summaries were bounded can be huge; the whole stays downloadable.
    verdict: run.verdict ? boundVerdict(run.verdict) : null,
    nodes: run.nodes.map((n) => ({ ...n, output: capValue(n.output, RUN_VALUE_MAX_BYTES, runValueLink(run.id, `node.${n.nodeId}`)) })),
  };
}

/** The run (from the run service, bounded), the graph of the version it is pinned to, and every decision it opened. */
export async function getRunPageData(database: Database, runId: string): Promise<RunPageData> {
  const { pendingDecisions, ...run } = boundRunView(await getRun(database, runId));
  const [version] = await database.rows<{ graph: unknown }>(sql`select graph from mission_version where id = ${run.versionId}`);
  const graph = missionGraphSchema.parse(version?.graph);
  const [starter] = run.startedBy ? await database.rows<{ name: string }>(sql`select name from "user" where id = ${run.startedBy}`) : [];
  const decisions = await database.rows<{ id: string; node_id: string; kind: string; status: DecisionStatus; title: string; created_at: string; approvals: number; required_approvals: number }>(
    sql`select d.id, d.node_id, d.kind, d.status, d.title, d.created_at::text as created_at, d.required_approvals,
               (select count(*)::int from decision_vote v where v.decision_id = d.id and v.approve) as approvals
        from decision d where d.run_id = ${runId} and d.status <> 'pending' order by d.created_at, d.id`,
  );
  const settled = decisions.map((d) => ({
    id: d.id,
    nodeId: d.node_id,
    kind: d.kind,
    status: d.status,
    title: d.title,
    createdAt: new Date(d.created_at).toISOString(),
    approvals: Number(d.approvals),
    requiredApprovals: Number(d.required_approvals),
  }));
  // Pending ones come from the run service (the same list its REST and tRPC answers carry).
  const pending = pendingDecisions.map((d) => ({
    id: d.id,
    nodeId: d.nodeId,
    kind: d.kind,
    status: d.status,
    title: d.title,
    createdAt: d.createdAt,
    approvals: d.approvals,
    requiredApprovals: d.requiredApprovals,
  }));
  return {
    run,
    graph,
    startedByName: starter?.name ?? null,
    decisions: [...settled, ...pending].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    trace: runTraceLink(run.id),
  };
}
