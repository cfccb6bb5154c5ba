import "server-only";
import { wakeAt, waitDurationMs } from "@/lib/mission/kinds/wait";
import { recordObservation } from "@/server/observations/record";
import { extendRunDeadline, setNodeState } from "../state";
import { PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";
import type { NodeHandler } from "./types";

/**
 * Waits for a duration, or until the time an expression gives, on the engine's durable sleep
 * (Inngest's step.sleepUntil): the wake-up time is fixed in the first step, so a restart wakes it
 * at the same moment and nothing before or after the sleep runs again. Output:
 * { until: <ISO wake-up time>, wokeAt: <ISO time it went on> }.
 */
export const waitNode: NodeHandler<"wait"> = async (run) => {
  const { node, step } = run;
  const base = `node:${node.id}`;

  const until = await step.run(`${base}:start`, async () => {
    const now = Date.now();
    let at: Date;
    if (node.data.mode === "until") {
      const woke = wakeAt(evaluateField(node.id, "until", node.data.until, run.scope()), now);
      if (!woke.ok) throw new PermanentError(`${node.id}.until: ${woke.problem}`);
      at = woke.at;
    } else {
      const ms = waitDurationMs(node.data.duration);
      if (ms === null) throw new PermanentError(`${node.id}.duration: must be a duration like 30s, 15m, 24h or 7d`);
      at = new Date(now + ms);
    }
    const iso = at.toISOString();
    await setNodeState(run.database, run.runId, node.id, "waiting", {
      attempt: run.attempt,
      text: `${node.id} waiting until ${iso}`,
      // The run's deadline covers the wait.
      dueAt: at,
      data: { until: iso },
    });
    // Inside a For each the item-scoped step has no node row to carry the deadline, nor the time.
    if (run.bodyNodeId !== undefined) {
      await extendRunDeadline(run.database, run.runId, at);
      await itemLine(run, `${node.id} waiting until ${iso}`, { until: iso, waitStatus: "waiting" });
    }
    return iso;
  });

  await step.sleepUntil(`${base}:sleep`, until);

  const output = await step.run(`${base}:done`, async () => {
    const value = { until, wokeAt: new Date().toISOString() };
    await setNodeState(run.database, run.runId, node.id, "succeeded", { output: value, attempt: run.attempt, text: `${node.id} woke up (it waited until ${until})`, data: { until } });
    if (run.bodyNodeId !== undefined) await itemLine(run, `${node.id} woke up (it waited until ${until})`, { until, waitStatus: "succeeded" });
    return value;
  });
  return { output };
};

/**
 * An item's wait inside a For each, as a text Observation on the Wait step on the canvas
 * (`data.step` is the item-scoped id): the run page lists each item's wake-up time from these.
 */
function itemLine(run: Parameters<typeof waitNode>[0], text: string, data: { until: string; waitStatus: "waiting" | "succeeded" }): Promise<unknown> {
  return recordObservation(run.database, { runId: run.runId, nodeId: run.bodyNodeId ?? run.node.id, attempt: run.attempt, kind: "text", text, data: { ...data, step: run.node.id } });
}
