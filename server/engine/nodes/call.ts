import "server-only";
import { sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { childRunEnd, childRunId, startChildRun } from "@/server/runs/children";
import type { NodeStatus } from "@/server/db/schema";
import { recordObservation } from "@/server/observations/record";
import { extendRunDeadline, setNodeState, type NodeChange } from "../state";
import { errorMessage, PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";
import type { NodeHandler } from "./types";

/**
 * How long a parent waits for its child: past the longest a child may wait itself (a Wait of 366
 * days). A child that stalls is failed by the sweeper at its own deadline, which ends the wait.
 */
const CHILD_TIMEOUT = "367d";
const CHILD_TIMEOUT_MS = 367 * 86_400_000;

/**
 * Runs another mission's version as a child run (Inngest's step.invoke): the first step maps the
 * input and stores the child run, linked to this run and step, for this run's requester (its id
 * derives from the step, so doing it again finds the same run); the engine then invokes the
 * child's run and waits for its end; the last step reads how it ended. Output:
 * { verdict, outputs, runId }; a child that fails fails the step with the child's reason.
 */
export const callNode: NodeHandler<"call"> = async (run) => {
  const { node, step } = run;
  const base = `node:${node.id}`;

  const child = await step.run(`${base}:start`, async () => {
    const scope = run.scope();
    const input: Record<string, unknown> = {};
    for (const m of node.data.input) input[m.field] = evaluateField(node.id, `input.${m.field}`, m.expression, scope);
    const key = run.scopeKey ? `${run.scopeKey}:${base}` : base;
    const started = await startChildRun(run.database, {
      runId: childRunId(run.runId, key),
      parentRunId: run.runId,
      parentNodeId: node.id,
      missionId: node.data.missionId,
      version: node.data.version,
      input,
      userId: run.plan.startedBy,
    }).catch((e: unknown) => {
      // The child cannot start (archived, unpublished, an input its trigger refuses): no retry cures it.
      if (e instanceof AppError) throw new PermanentError(`${node.id}: ${node.data.missionId}: ${e.message}`, { cause: e });
      throw e;
    });
    await report(run, "waiting", {
      attempt: run.attempt,
      text: `${node.id} started child run ${started.runId.slice(0, 8)} of ${started.missionName} (version ${started.version}) and waits for its end`,
      dueAt: new Date(Date.now() + CHILD_TIMEOUT_MS),
      data: { childRunId: started.runId, missionId: node.data.missionId, missionName: started.missionName, version: started.version },
    });
    return started;
  });

  let invokeError: string | null = null;
  try {
    await step.invokeRun(`${base}:child`, { runId: child.runId, timeout: CHILD_TIMEOUT });
  } catch (e) {
    invokeError = errorMessage(e);
  }

  const output = await step.run(`${base}:done`, async () => {
    const end = await childRunEnd(run.database, child.runId);
    const short = child.runId.slice(0, 8);
    if (end.status !== "succeeded") {
      const reason = end.status === "failed" || end.status === "cancelled" ? (end.error ?? invokeError ?? end.status) : (invokeError ?? `it is still ${end.status}`);
      throw new PermanentError(`${node.id}: child run ${short} of ${child.missionName} ${end.status === "cancelled" ? "was cancelled" : "failed"}: ${reason}`);
    }
    const value = { verdict: end.verdict, outputs: end.outputs, runId: child.runId };
    await report(run, "succeeded", {
      output: value,
      attempt: run.attempt,
      text: `${node.id}: child run ${short} of ${child.missionName} succeeded${end.verdict ? ` — verdict ${end.verdict.outcome}` : ""}`,
      data: { childRunId: child.runId, missionName: child.missionName, version: child.version, ...(end.verdict ? { outcome: end.verdict.outcome } : {}) },
    });
    return value;
  });
  return { output };
};

/**
 * The step's state and its status Observation (with `childRunId`, which the run page links).
 * Inside a For each the item-scoped step has no node row: the same news goes on the step on the
 * canvas as a text Observation naming the item's step, so each item's child run is found there,
 * and the run's deadline is extended as a waiting node's would be.
 */
async function report(run: Parameters<typeof callNode>[0], to: NodeStatus, change: NodeChange & { text: string; data: Record<string, unknown> }): Promise<void> {
  if (run.bodyNodeId === undefined) {
    await setNodeState(run.database, run.runId, run.node.id, to, change);
    return;
  }
  // Without a node row the run's deadline is not carried past the child's: the sweeper would fail a parent waiting long.
  if (change.dueAt) await extendRunDeadline(run.database, run.runId, change.dueAt);
  // A step re-run after a crash (its result lost after the news was written) writes nothing twice.
  const told = await run.database.rows(
    sql`select 1 from observation where run_id = ${run.runId} and node_id = ${run.bodyNodeId} and kind = 'text'
          and data->>'step' = ${run.node.id} and data->>'childStatus' = ${to} limit 1`,
  );
  if (told.length) return;
  await recordObservation(run.database, {
    runId: run.runId,
    nodeId: run.bodyNodeId,
    attempt: run.attempt,
    kind: "text",
    text: change.text,
    data: { ...change.data, step: run.node.id, childStatus: to },
  });
}
