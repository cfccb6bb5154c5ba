import "server-only";
import type { NodeKind } from "@/lib/mission/schema";
import { recordAudit, SYSTEM_ACTOR } from "@/server/audit/record";
import type { ToolCallResult } from "@/server/connectors/tool-port";
import type { RunSimulation } from "@/server/db/schema";
import { recordObservation } from "@/server/observations/record";
import { PermanentError } from "../step-port";
import type { NodeRun } from "./types";

// A simulated run (a test case run in simulation, docs/testing-missions.md) acts on nothing: a
// state-changing tool is not called, the step records what it would have sent and answers with
// the case's recorded result; an approval is answered by the case without a decision, so nothing
// enters the Decision Queue and no notification goes out. Read-only tools are called for real.

export type CaseApproval = RunSimulation["approvals"][string];

/** The run's simulation, or null for a production run. */
export function simulationOf<K extends NodeKind>(run: NodeRun<K>): RunSimulation | null {
  return run.plan.simulation ?? null;
}

/** What a simulated call of a state-changing tool returns when the case recorded no result for it. */
export function simulationStub(tool: string): Record<string, unknown> {
  return { simulated: true, tool };
}

/**
 * How the case answers the gate of the step (an Approval step, a gated action or a Worker's
 * proposal), by the step's id on the canvas (inside a For each, every item's); null when it says nothing.
 */
export function caseApproval<K extends NodeKind>(run: NodeRun<K>, simulation: RunSimulation): CaseApproval | null {
  const id = run.bodyNodeId ?? run.node.id;
  return Object.hasOwn(simulation.approvals, id) ? (simulation.approvals[id] ?? null) : null;
}

/** An Approval step the case does not answer: the simulation cannot go on without asking a person, so the step fails saying so. */
export function unansweredApproval<K extends NodeKind>(run: NodeRun<K>): PermanentError {
  const id = run.bodyNodeId ?? run.node.id;
  return new PermanentError(`${run.node.id}: the test case does not answer this approval (approvals.${id}); a simulation never asks a person`);
}

/**
 * A state-changing call a simulated run does not make: what it would have sent and the case's
 * recorded result (else the stub) as the step's `tool_call` / `tool_result` Observations, marked
 * simulated, and a `tool.simulated` audit entry (never `tool.called`: nothing was called).
 */
export async function simulateToolCall<K extends NodeKind>(
  run: NodeRun<K>,
  simulation: RunSimulation,
  tool: string,
  args: Record<string, unknown>,
  toolCallId: string,
): Promise<ToolCallResult> {
  const recorded = Object.hasOwn(simulation.toolResults, tool);
  const value = recorded ? simulation.toolResults[tool] : simulationStub(tool);
  const source = recorded ? "the result recorded in the test case" : simulation.testCaseId ? "a stub (the test case recorded no result for it)" : "a stub";
  const observe = (kind: "tool_call" | "tool_result", text: string, data: Record<string, unknown>) =>
    recordObservation(run.database, { runId: run.runId, nodeId: run.node.id, attempt: run.attempt, kind, text, data: { ...data, simulated: true } });
  await observe("tool_call", `${tool} (simulated: not called)`, { tool, args, toolCallId });
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  await observe("tool_result", `Simulated: ${tool} was not called; answered with ${source}`, { tool, toolCallId, isError: false, value: value ?? null, recorded });
  await recordAudit(run.database, {
    action: "tool.simulated",
    actor: SYSTEM_ACTOR,
    targetType: "tool_call",
    targetId: toolCallId,
    runId: run.runId,
    data: { node: run.node.id, tool, args, simulated: true, recorded },
  });
  return { isError: false, text, value: value ?? null, raw: null };
}
