import "server-only";
import type { ToolCallResult } from "@/server/connectors/tool-port";
import { REJECTED_PORT_ID } from "@/lib/mission/node-kinds";
import { decisionResolution } from "@/server/decisions/lifecycle";
import { auditToolCall } from "../audit-trail";
import { runIsLive, setNodeState } from "../state";
import { PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";
import { deciderName, openedGate, openToolDecision, rejectionText, upstreamApprovalShortfall, waitForDecision, type OpenedGate } from "./gate";
import { callApproval, callToolOnce, toolOutput, unavailableText, upstreamCallApproval, type CallApproval } from "./tool-call";
import { caseApproval, simulationOf } from "./simulation";
import { NodeFailure, type NodeHandler, type NodeRun } from "./types";
import type { RunSimulation } from "@/server/db/schema";

type Prepared = { called: true; output: unknown; port?: string } | { called: false; args: Record<string, unknown>; decisionId: string; timeout?: string };
/** What the step after a decision did: called the tool, or not (why; and the output when the rejected port is taken). */
type AfterDecision = { output: unknown } | { rejected: string; output?: unknown };

/**
 * One tool call with arguments from expressions, idempotency key `<runId>:<nodeId>`. A tool whose
 * policy is not autonomous (state-changing) is gated by a decision first, unless an approved
 * approval node leads straight to this action and its agreement meets the tool's admin policies
 * for these arguments: that approval is the gate, so nobody is asked twice. A rejected or
 * timed-out gate takes the action's `rejected` port when an edge leaves it (output
 * `{ rejected: true, reason, decidedBy }`); otherwise it fails the node (and so the run) with the
 * approver's reason.
 */
export const actionNode: NodeHandler<"action"> = async (run) => {
  const { node, step } = run;
  const tool = node.data.tool;
  const base = `node:${node.id}`;

  const prepared = await step.run<Prepared>(`${base}:call`, async () => {
    if (!tool) throw new PermanentError(`${node.id}.tool: choose the tool this action calls`);
    const scope = run.scope();
    const args: Record<string, unknown> = {};
    for (const [name, src] of Object.entries(node.data.args)) args[name] = evaluateField(node.id, `args.${name}`, src, scope);
    const [info] = await run.deps.tools.listTools([tool]);
    if (!info) throw new PermanentError(`${node.id}: ${await unavailableText(run, tool)}`);
    if (info.policy === "disallowed") throw new PermanentError(`${node.id}: tool ${tool} is disallowed by an administrator`);
    let approval: CallApproval | null = null;
    if (info.policy === "gated") {
      const shortfall = run.approvedUpstream ? await upstreamApprovalShortfall(run, tool, info, args) : "";
      const simulation = simulationOf(run);
      if (shortfall !== null && simulation) return simulatedGate(run, simulation, tool, args);
      if (shortfall !== null) {
        const because = shortfall ? `The approval before this step is not enough: ${shortfall}.` : undefined;
        const gate: OpenedGate = await openToolDecision(run, { key: node.id, tool, args, info, context: { description: info.description }, ...(because ? { because } : {}) });
        return { called: false, args, ...gate };
      }
      // The Approval step before it let the call through: its approvers are on the call's record.
      approval = await upstreamCallApproval(run);
    }
    await setNodeState(run.database, run.runId, node.id, "running", { attempt: run.attempt, text: `${node.id} calling ${tool}` });
    return { called: true, output: await callAndRecord(run, tool, args, approval) };
  });
  if (prepared.called) return prepared.port ? { output: prepared.output, port: prepared.port } : { output: prepared.output };

  const gate = openedGate(prepared.timeout ? { decisionId: prepared.decisionId, timeout: prepared.timeout } : prepared.decisionId);
  const settled = await waitForDecision(run, base, gate.decisionId, gate.timeout);
  const rejectedPath = run.plan.graph.edges.some((e) => e.source === node.id && e.sourceHandle === REJECTED_PORT_ID);
  const after = await step.run<AfterDecision>(`${base}:call:approved`, async () => {
    const r = settled ?? (await decisionResolution(run.database, prepared.decisionId));
    if (r.status === "pending") throw new PermanentError(`${node.id}: decision ${prepared.decisionId} was reported as made but is still pending`);
    if (!r.approved) {
      const rejected = await rejectionText(run.database, r);
      if (!rejectedPath) return { rejected };
      const output = { rejected: true, reason: r.reason, decidedBy: r.decidedBy };
      await setNodeState(run.database, run.runId, node.id, "succeeded", {
        output,
        attempt: run.attempt,
        text: `${node.id}: ${tool} was not called (${rejected}); taking the rejected path`,
        data: { tool, decisionId: prepared.decisionId, decision: r.status, port: REJECTED_PORT_ID },
      });
      return { rejected, output };
    }
    const who = await deciderName(run.database, r.decidedBy);
    await setNodeState(run.database, run.runId, node.id, "running", { attempt: run.attempt, text: `${node.id} calling ${tool}${who ? ` (approved by ${who})` : ""}` });
    return { output: await callAndRecord(run, tool, r.values, await callApproval(run.database, prepared.decisionId), r.decidedBy) };
  });
  if ("rejected" in after) {
    if (rejectedPath && after.output !== undefined) return { output: after.output, port: REJECTED_PORT_ID };
    throw new NodeFailure(`${tool} was not called. ${after.rejected}`);
  }
  return { output: after.output };
};

/**
 * Calls the tool once per run and node (retries reuse the key) and records the act: what was sent
 * and what came back as Observations (with who approved it), the call in the audit log.
 */
async function callAndRecord(
  run: NodeRun<"action">,
  tool: string,
  args: Record<string, unknown>,
  approval: CallApproval | null,
  approvedBy: string | null = null,
): Promise<unknown> {
  const idempotencyKey = `${run.runId}:${run.node.id}`;
  if (!(await runIsLive(run.database, run.runId))) throw new PermanentError(`${run.node.id}: ${tool} was not called: the run has ended`);
  const result: ToolCallResult & { simulated?: true } = await callToolOnce(run, tool, args, idempotencyKey, { approval });
  if (!result.simulated) await auditToolCall(run.database, { runId: run.runId, nodeId: run.node.id, tool, idempotencyKey, args, result, approvedBy });
  if (result.isError) throw new PermanentError(`${run.node.id}: ${tool} returned an error: ${result.text || "(no message)"}`);
  const output = toolOutput(result);
  await setNodeState(run.database, run.runId, run.node.id, "succeeded", {
    output,
    attempt: run.attempt,
    text: result.simulated ? `${run.node.id} simulated ${tool} (not called)` : `${run.node.id} called ${tool}`,
    data: { tool, ...(result.simulated ? { simulated: true } : {}) },
  });
  return output;
}

/**
 * A gated action in a simulated run: no decision is opened (nobody is asked); the case's answer
 * for this step rejects it (taking the rejected port, or failing the step as a rejection would) or
 * lets it through with the case's values over the arguments, to the simulated call.
 */
async function simulatedGate(run: NodeRun<"action">, simulation: RunSimulation, tool: string, args: Record<string, unknown>): Promise<Prepared> {
  const answer = caseApproval(run, simulation);
  if (answer && !answer.approve) {
    const reason = answer.reason ?? null;
    const rejected = `Rejected by the test case${reason ? `: ${reason}` : ""}`;
    if (!run.plan.graph.edges.some((e) => e.source === run.node.id && e.sourceHandle === REJECTED_PORT_ID)) throw new PermanentError(`${tool} was not called. ${rejected}`);
    const output = { rejected: true, reason, decidedBy: "simulation" };
    await setNodeState(run.database, run.runId, run.node.id, "succeeded", {
      output,
      attempt: run.attempt,
      text: `${run.node.id}: ${tool} was not called (${rejected}); taking the rejected path`,
      data: { tool, simulated: true, port: REJECTED_PORT_ID },
    });
    return { called: true, output, port: REJECTED_PORT_ID };
  }
  const values = { ...args, ...(answer?.values ?? {}) };
  return { called: true, output: await callAndRecord(run, tool, values, null) };
}
