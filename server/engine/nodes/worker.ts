import "server-only";
import { sql } from "drizzle-orm";
import { decisionResolution } from "@/server/decisions/lifecycle";
import { recordObservation } from "@/server/observations/record";
import type { ResumedToolResult, TokenUsage, WorkerStepResult } from "@/server/workers/types";
import { auditToolCall } from "../audit-trail";
import { runIsLive, setNodeState } from "../state";
import { PermanentError } from "../step-port";
import { openedGate, openToolDecision, rejectionText, waitForDecision } from "./gate";
import { callApproval, callToolOnce, toolOutput } from "./tool-call";
import { caseApproval, simulationOf } from "./simulation";
import { NodeFailure, type NodeHandler, type NodeRun } from "./types";
import type { RunSimulation } from "@/server/db/schema";

/**
 * The agent loop, one step per turn (`node:<id>:worker:<i>`). Read-only tools run inside the
 * Worker; a state-changing one comes back as `proposed` and is gated here: a decision of kind
 * "tool" (all arguments editable), then the approved call in its own step with the key
 * `<runId>:<nodeId>:<i>`, then the Worker resumes with the result (or with the rejection as an
 * error result). At most `maxSteps` turns.
 */
export const workerNode: NodeHandler<"worker"> = async (run) => {
  const { node, step } = run;
  const base = `node:${node.id}`;
  let transcript: unknown[] | undefined;
  let resume: ResumedToolResult | undefined;
  const used: TokenUsage = { tokensIn: 0, tokensOut: 0, cost: 0 };

  for (let i = 0; i < node.data.maxSteps; i++) {
    const turn: WorkerStepResult = await step.run(`${base}:worker:${i}`, async () => {
      if (i === 0) await setNodeState(run.database, run.runId, node.id, "running", { attempt: run.attempt, text: `${node.id} started` });
      const result = await run.deps.runWorker({
        runId: run.runId,
        nodeId: node.id,
        attempt: run.attempt,
        // A run started with a model for this step (a comparison, a builder trying a model) uses it instead.
        data: { ...node.data, model: run.plan.modelOverrides?.[node.id] ?? node.data.model },
        context: run.scope(),
        ...(transcript ? { transcript } : {}),
        ...(resume ? { resume } : {}),
        ...(await budgetLeft(run)),
        observe: (o) => recordObservation(run.database, { ...o, runId: run.runId, nodeId: node.id, attempt: run.attempt }).then(() => {}),
      });
      if (result.kind === "completed") {
        await setNodeState(run.database, run.runId, node.id, "succeeded", {
          output: result.output,
          attempt: run.attempt,
          tokensIn: used.tokensIn + result.usage.tokensIn,
          tokensOut: used.tokensOut + result.usage.tokensOut,
          text: `${node.id} finished`,
        });
      }
      return result;
    });
    used.tokensIn += turn.usage.tokensIn;
    used.tokensOut += turn.usage.tokensOut;
    used.cost += turn.usage.cost;
    if (turn.kind === "completed") return { output: turn.output };

    const gate = `${base}:tool:${i}`;
    const simulation = simulationOf(run);
    if (simulation) {
      resume = await step.run(`${gate}:simulated`, () => simulatedProposal(run, simulation, turn, i));
      transcript = turn.transcript;
      continue;
    }
    const opened = openedGate(
      await step.run(`${gate}:open`, () =>
        openToolDecision(run, { key: `${node.id}:tool:${i}`, tool: turn.tool, args: turn.args, context: { toolCallId: turn.toolCallId, turn: i } }),
      ),
    );
    const decisionId = opened.decisionId;
    const settled = await waitForDecision(run, gate, decisionId, opened.timeout);
    resume = await step.run(`${gate}:call`, async (): Promise<ResumedToolResult> => {
      const r = settled ?? (await decisionResolution(run.database, decisionId));
      if (r.status === "pending") throw new PermanentError(`${node.id}: decision ${decisionId} was reported as made but is still pending`);
      const rejected = r.approved ? null : await rejectionText(run.database, r);
      await setNodeState(run.database, run.runId, node.id, "running", {
        attempt: run.attempt,
        tokensIn: used.tokensIn,
        tokensOut: used.tokensOut,
        text: rejected === null ? `${node.id} calling ${turn.tool} (approved)` : `${node.id}: ${turn.tool} ${rejected}`,
      });
      if (rejected !== null) return { toolCallId: turn.toolCallId, output: rejected, isError: true };
      const idempotencyKey = `${run.runId}:${node.id}:${i}`;
      if (!(await runIsLive(run.database, run.runId))) throw new PermanentError(`${node.id}: ${turn.tool} was not called: the run has ended`);
      const res = await callToolOnce(run, turn.tool, r.values, idempotencyKey, { toolCallId: turn.toolCallId, approval: await callApproval(run.database, decisionId) });
      if (!res.simulated) await auditToolCall(run.database, { runId: run.runId, nodeId: node.id, tool: turn.tool, idempotencyKey, args: r.values, result: res, approvedBy: r.decidedBy });
      return { toolCallId: turn.toolCallId, output: toolOutput(res), isError: res.isError };
    });
    transcript = turn.transcript;
  }
  throw new NodeFailure(`${node.id} did not finish within ${node.data.maxSteps} steps`);
};

/**
 * A Worker's proposed state-changing call in a simulated run: no decision (nobody is asked); the
 * case's answer for the Worker's step rejects it (the Worker reads the rejection, as it would a
 * person's) or lets it through with the case's values, to a simulated call (callToolOnce never
 * sends a state-changing call of a simulated run).
 */
async function simulatedProposal(
  run: NodeRun<"worker">,
  simulation: RunSimulation,
  turn: Extract<WorkerStepResult, { kind: "proposed" }>,
  i: number,
): Promise<ResumedToolResult> {
  const answer = caseApproval(run, simulation);
  if (answer && !answer.approve) {
    return { toolCallId: turn.toolCallId, output: `Rejected by the test case${answer.reason ? `: ${answer.reason}` : ""}`, isError: true };
  }
  const args = { ...turn.args, ...(answer?.values ?? {}) };
  const res = await callToolOnce(run, turn.tool, args, `${run.runId}:${run.node.id}:${i}`, { toolCallId: turn.toolCallId });
  return { toolCallId: turn.toolCallId, output: toolOutput(res), isError: res.isError };
}

/** What is left of the run's budgets, for the runner to stop before the next model call. */
async function budgetLeft(run: NodeRun<"worker">): Promise<{ tokenBudgetLeft?: number; costBudgetLeft?: number }> {
  const tokens = run.plan.tokenBudget;
  // `??`: a header memoized before cost budgets existed has no costBudget at all.
  const cost = run.plan.costBudget ?? null;
  if (tokens === null && cost === null) return {};
  // Every model call's usage Observation counts, failed and retried attempts included: they were paid for.
  const [row] = await run.database.rows<{ used: number; spent: string | number }>(
    sql`select greatest(r.tokens_in + r.tokens_out,
                        (select coalesce(sum(o.tokens_in + o.tokens_out), 0) from observation o where o.run_id = r.id and o.kind = 'usage'))::int as used,
               (select coalesce(sum(case when jsonb_typeof(o.data->'cost') = 'number' then (o.data->>'cost')::numeric else 0 end), 0)
                  from observation o where o.run_id = r.id and o.kind = 'usage') as spent
        from run r where r.id = ${run.runId}`,
  );
  return {
    ...(tokens !== null ? { tokenBudgetLeft: Math.max(0, tokens - Number(row?.used ?? 0)) } : {}),
    ...(cost !== null ? { costBudgetLeft: Math.max(0, cost - Number(row?.spent ?? 0)) } : {}),
  };
}
