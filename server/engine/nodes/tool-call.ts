import "server-only";
import { sql } from "drizzle-orm";
import type { NodeKind } from "@/lib/mission/schema";
import { isConnectorError } from "@/server/connectors/errors";
import type { ToolCallResult } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import { decisionIdFor } from "@/server/decisions/lifecycle";
import { recordObservation } from "@/server/observations/record";
import { PermanentError } from "../step-port";
import { simulateToolCall, simulationOf } from "./simulation";
import type { NodeRun } from "./types";

/** Who let a gated call through: the decision, its approvers in vote order, and the arguments they changed. */
export interface CallApproval {
  decisionId: string;
  approvedBy: { id: string; name: string }[];
  /** A tool decision's arguments the approvers changed (not set for an Approval step's values). */
  edited?: Record<string, { from: unknown; to: unknown }>;
}

/** What the call's Observations add to the arguments: the Worker's own call id, the approval. */
export interface CallContext {
  /** Ties the result to its call (and, for a Worker, to the model's proposal); the idempotency key by default. */
  toolCallId?: string;
  approval?: CallApproval | null;
}

/**
 * The engine's call of a tool on a system of record (an action, a Worker's approved proposal): the
 * server's definition is listed again first, so a tool changed since approval on a live connection
 * is caught even without a list_changed notification; and a connector error that running the step
 * again cannot cure (the tool withheld, changed, disallowed, unknown, refused by the server) fails
 * the step at once with its own words instead of being retried (docs/connectors.md).
 *
 * What was sent and what came back are Observations, as a Worker's own calls are (docs/models.md):
 * a `tool_call` before the call and a `tool_result` after it, an error result when it threw.
 *
 * In a simulated run only a read-only tool (policy autonomous: the rule governance uses) is
 * called; any other is answered by the test case (simulation.ts) and the result says `simulated`.
 */
export async function callToolOnce<K extends NodeKind>(
  run: NodeRun<K>,
  tool: string,
  args: Record<string, unknown>,
  idempotencyKey: string,
  context: CallContext = {},
): Promise<ToolCallResult & { simulated?: true }> {
  const toolCallId = context.toolCallId ?? idempotencyKey;
  const simulation = simulationOf(run);
  if (simulation) {
    const [info] = await run.deps.tools.listTools([tool]);
    if (info?.policy !== "autonomous") return { ...(await simulateToolCall(run, simulation, tool, args, toolCallId)), simulated: true };
  }
  const observe = (kind: "tool_call" | "tool_result", text: string, data: Record<string, unknown>) =>
    recordObservation(run.database, { runId: run.runId, nodeId: run.node.id, attempt: run.attempt, kind, text, data });
  const approval = context.approval;
  await observe("tool_call", tool, {
    tool,
    args,
    toolCallId,
    ...(approval ? { decisionId: approval.decisionId, approvedBy: approval.approvedBy, ...(approval.edited ? { edited: approval.edited } : {}) } : {}),
  });
  let result: ToolCallResult;
  try {
    result = await run.deps.tools.callTool(tool, args, { idempotencyKey, recheck: true, runId: run.runId });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await observe("tool_result", message, { tool, toolCallId, isError: true, error: message });
    if (isConnectorError(e) && !e.retryable) throw new PermanentError(e.message, { cause: e });
    throw e;
  }
  await observe("tool_result", result.text || JSON.stringify(result.value ?? null), {
    tool,
    toolCallId,
    isError: result.isError,
    value: result.value ?? null,
    raw: result.raw ?? null,
  });
  return result;
}

/**
 * Who approved decision `decisionId`, for a call's Observation: each approving voter by name in
 * vote order (the clock, when it approved on its own), and for a tool decision the arguments the
 * approvers changed from what was proposed.
 */
export async function callApproval(database: Database, decisionId: string): Promise<CallApproval> {
  const rows = await database.rows<{ kind: string; proposed: Record<string, unknown>; final_values: Record<string, unknown> | null; decided_by: string | null; user_id: string | null; name: string | null }>(
    sql`select d.kind, d.proposed, d.final_values, d.decided_by, v.user_id, u.name
        from decision d
        left join decision_vote v on v.decision_id = d.id and v.approve
        left join "user" u on u.id = v.user_id
        where d.id = ${decisionId}
        order by v.at, v.user_id`,
  );
  const first = rows[0];
  const approvedBy = rows.filter((r) => r.user_id).map((r) => ({ id: r.user_id as string, name: r.name || (r.user_id as string) }));
  // The clock approved it (onTimeout "approve"), maybe after some votes that were not enough.
  if (first?.decided_by === "system:timeout") approvedBy.push({ id: "system:timeout", name: "the timeout rule" });
  const approval: CallApproval = { decisionId, approvedBy };
  if (first?.kind === "tool" && first.final_values) {
    const edited = Object.fromEntries(
      Object.entries(first.final_values)
        .filter(([name, to]) => JSON.stringify(to) !== JSON.stringify(first.proposed[name]))
        .map(([name, to]) => [name, { from: first.proposed[name] ?? null, to }]),
    );
    if (Object.keys(edited).length) approval.edited = edited;
  }
  return approval;
}

/** The approval of the Approval step that gated this action (one leading straight to it, approved), if any. */
export async function upstreamCallApproval(run: NodeRun<"action">): Promise<CallApproval | null> {
  const { graph } = run.plan;
  const ids = graph.edges
    .filter((e) => e.target === run.node.id && graph.nodes.some((n) => n.id === e.source && n.kind === "approval"))
    .map((e) => decisionIdFor(run.runId, e.source));
  if (!ids.length) return null;
  const [row] = await run.database.rows<{ id: string }>(
    sql`select id from decision where id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) and status = 'approved' order by decided_at, id limit 1`,
  );
  return row ? callApproval(run.database, row.id) : null;
}

/** Why the connector layer does not offer `tool`, in its words, for the node's error. */
export async function unavailableText<K extends NodeKind>(run: NodeRun<K>, tool: string): Promise<string> {
  const reason = await run.deps.tools.unavailableReason?.(tool);
  return reason ?? `tool ${tool} is not available (unknown tool, or its connector is disabled)`;
}

/** An action's value: the tool's structured or JSON value, else its text (a plain-text answer is not null). */
export function toolOutput(result: ToolCallResult): unknown {
  return result.value === undefined || (result.value === null && result.text.trim() !== "null") ? result.text : result.value;
}
