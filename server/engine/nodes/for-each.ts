import "server-only";
import { sql } from "drizzle-orm";
import { bodyOf, itemStepId, SCOPE_INDEX, SCOPE_ITEM, type Body } from "@/lib/mission/kinds/for-each";
import { edgeTaken } from "@/lib/mission/node-kinds";
import { expressionScope } from "@/lib/mission/scope";
import type { MissionEdge, MissionNode, NodeKind } from "@/lib/mission/schema";
import { recordObservation } from "@/server/observations/record";
import { publish, setDirectStates, setNodeState } from "../state";
import { errorMessage, PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";
import { NodeFailure, type NodeHandler, type NodeOutcome, type NodeRun } from "./types";

/** What one item came to: memoized in its record step `node:<loop>[<i>]`, so a replay never runs a finished item again. */
export type ItemRecord = { index: number; ok: true; result: unknown; steps: Record<string, StepState> } | { index: number; ok: false; error: string; steps: Record<string, StepState> };
type StepState = "succeeded" | "failed" | "skipped";

type Handlers = () => { [K in NodeKind]: NodeHandler<K> };

/**
 * Runs the steps inside the For each (its body: the steps whose parentId is it) once per item of
 * the list `items` gives, `concurrency` items at a time. Each body step runs through the same
 * handler as a top-level step, under an item-scoped id (`loop[17].fmt`: its steps `node:loop[17].fmt…`
 * are memoized per item, a tool call's idempotency key is per item), with `item` and `index` in
 * its scope besides what the For each itself sees. Each item ends with a record step that writes
 * one Observation on the For each, so after a crash (kill -9) a replay takes every finished item
 * from its record and runs none of its steps again.
 *
 * Output: the list of the items' results, in item order. A failed item (a body step failed after
 * its retries) stops the loop and fails the step (`stop`), is left out (`skip`), or keeps
 * `{ index, error }` in its place (`collect`).
 */
export function forEachNode(handlers: Handlers): NodeHandler<"forEach"> {
  return async (run) => {
    const { node, step } = run;
    const base = `node:${node.id}`;
    const body = bodyOf(run.plan.graph, node.id);
    // What the For each itself sees, read once: every item's scope starts from it.
    let outer: Record<string, unknown> | undefined;
    const loopRun: NodeRun<"forEach"> = { ...run, scope: () => (outer ??= run.scope()) };

    const items = await step.run(`${base}:start`, async () => {
      const value = evaluateField(node.id, "items", node.data.items, run.scope());
      if (!Array.isArray(value)) throw new PermanentError(`${node.id}.items: must give a list, gave ${describe(value)}`);
      if (value.length > node.data.maxItems) {
        throw new PermanentError(`${node.id}.items: gave ${value.length.toLocaleString("en-US")} items; this For each takes at most ${node.data.maxItems.toLocaleString("en-US")} (maxItems)`);
      }
      await setNodeState(run.database, run.runId, node.id, "running", {
        attempt: run.attempt,
        text: `${node.id} going over ${value.length} item${value.length === 1 ? "" : "s"}, ${node.data.concurrency} at once`,
        data: { total: value.length },
      });
      return value as unknown[];
    });

    const records: (ItemRecord | undefined)[] = new Array<ItemRecord | undefined>(items.length);
    let next = 0;
    let stopped = false;
    const lane = async () => {
      while (!stopped && next < items.length) {
        const index = next++;
        const record = await runItem(loopRun, handlers, body, items[index], index);
        records[index] = record;
        if (!record.ok && node.data.onFailure === "stop") stopped = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(node.data.concurrency, items.length) }, lane));

    const done = records.filter((r): r is ItemRecord => r !== undefined);
    const failed = done.filter((r) => !r.ok);
    const firstFailure = failed[0];
    if (firstFailure && !firstFailure.ok && node.data.onFailure === "stop") {
      throw new NodeFailure(`item ${firstFailure.index} failed: ${firstFailure.error}`);
    }
    const output = done.flatMap((r) => (r.ok ? [r.result] : node.data.onFailure === "collect" ? [{ index: r.index, error: r.error }] : []));
    const counts = { total: items.length, succeeded: done.length - failed.length, failed: failed.length };

    await step.run(`${base}:done`, async () => {
      // The body's steps on the canvas: how each fared over all items.
      const changes = body.nodes.map((b) => {
        const tally = { succeeded: 0, failed: 0, skipped: 0 };
        for (const r of done) {
          const s = r.steps[b.id];
          if (s) tally[s]++;
        }
        return { nodeId: b.id, to: "succeeded" as const, attempt: run.attempt, text: `${b.id} ran for ${tally.succeeded} of ${items.length} items (${tally.failed} failed, ${tally.skipped} skipped)`, data: { iterations: tally } };
      });
      publish(run.runId, ...(await setDirectStates(run.database, run.runId, changes)));
      await setNodeState(run.database, run.runId, node.id, "succeeded", {
        output,
        attempt: run.attempt,
        text: `${node.id} went over ${items.length} items: ${counts.succeeded} succeeded, ${counts.failed} failed${counts.failed ? ` (${node.data.onFailure === "skip" ? "skipped" : "collected"})` : ""}`,
        data: { iterations: counts },
      });
    });
    return { output };
  };
}

/** One item: its body walked as a run is (ready steps at once, the edge-taken rule of the registry), then its record step. */
async function runItem(run: NodeRun<"forEach">, handlers: Handlers, body: Body<MissionNode, MissionEdge>, item: unknown, index: number): Promise<ItemRecord> {
  const { node, step } = run;
  const outputs = new Map<string, unknown>();
  const skipped = new Set<string>();
  const steps: Record<string, StepState> = {};
  const taken = new Map<string, boolean>();
  let failure: string | undefined;
  const byId = new Map(body.nodes.map((n) => [n.id, n]));
  const inFlight = new Map<string, Promise<{ id: string; outcome?: NodeOutcome; error?: unknown }>>();

  const start = (id: string) => {
    const bodyNode = byId.get(id) as MissionNode;
    const scoped = { ...bodyNode, id: itemStepId(node.id, index, id) } as MissionNode;
    const handler = handlers()[bodyNode.kind] as NodeHandler;
    const itemRun: NodeRun = {
      ...run,
      node: scoped,
      bodyNodeId: id,
      scope: () => {
        const own = expressionScope(body, id, { input: run.plan.input, outputs, skipped });
        const outer = run.scope();
        const outerSkipped = Array.isArray(outer.skipped) ? (outer.skipped as string[]) : [];
        return { ...outer, ...own, [SCOPE_ITEM]: item, [SCOPE_INDEX]: index, skipped: [...outerSkipped, ...(own.skipped as string[])].sort() };
      },
      approvedUpstream: false,
    };
    inFlight.set(
      id,
      handler(itemRun).then(
        (outcome) => ({ id, outcome }),
        (error: unknown) => ({ id, error: error ?? new Error("unknown failure") }),
      ),
    );
  };

  for (const id of body.entries) start(id);
  while (inFlight.size) {
    const done = await Promise.race(inFlight.values());
    inFlight.delete(done.id);
    if (done.error !== undefined) {
      steps[done.id] = "failed";
      const message = errorMessage(done.error);
      const scopedId = itemStepId(node.id, index, done.id);
      failure ??= message.startsWith(scopedId) ? message : `${scopedId}: ${message}`;
      continue;
    }
    if (failure !== undefined) continue;
    const outcome = done.outcome ?? { output: null };
    steps[done.id] = "succeeded";
    outputs.set(done.id, outcome.output);
    const kind = byId.get(done.id)?.kind as NodeKind;
    for (const e of body.index.outgoing.get(done.id) ?? []) taken.set(e.id, edgeTaken(kind, e.sourceHandle, outcome.port));
    // Start what is now ready; skip (recursively) what only untaken edges lead to.
    const queue = (body.index.outgoing.get(done.id) ?? []).map((e) => e.target);
    while (queue.length) {
      const id = queue.shift() as string;
      if (steps[id] || inFlight.has(id)) continue;
      const incoming = body.index.incoming.get(id) ?? [];
      if (incoming.some((e) => !taken.has(e.id))) continue;
      if (incoming.some((e) => taken.get(e.id))) {
        start(id);
        continue;
      }
      steps[id] = "skipped";
      skipped.add(id);
      for (const e of body.index.outgoing.get(id) ?? []) {
        taken.set(e.id, false);
        queue.push(e.target);
      }
    }
  }

  const id = itemStepId(node.id, index);
  return step.run(`node:${id}`, async () => {
    let record: ItemRecord;
    if (failure !== undefined) record = { index, ok: false, error: failure, steps };
    else {
      try {
        record = { index, ok: true, result: itemResult(run, body, outputs, item, index), steps };
      } catch (e) {
        record = { index, ok: false, error: errorMessage(e), steps };
      }
    }
    // A kill after this line committed but before the step's result was stored runs the step
    // again: the item's line is written once, so the rail and the item counts stay true.
    const [written] = await run.database.rows<{ one: number }>(
      sql`select 1 as one from observation where run_id = ${run.runId} and node_id = ${node.id} and kind = 'text' and data->'forEach'->>'index' = ${String(index)} limit 1`,
    );
    if (written) return record;
    await recordObservation(run.database, {
      runId: run.runId,
      nodeId: node.id,
      attempt: run.attempt,
      kind: "text",
      text: record.ok ? `${id} succeeded` : `${id} failed: ${record.error}`,
      data: { forEach: record.ok ? { index, status: "succeeded", result: record.result } : { index, status: "failed", error: record.error } },
    });
    return record;
  });
}

/** The item's result: the `result` expression, else the output of the body's last step that ran (the first such exit in document order). */
function itemResult(run: NodeRun<"forEach">, body: Body<MissionNode, MissionEdge>, outputs: Map<string, unknown>, item: unknown, index: number): unknown {
  const { node } = run;
  if (node.data.result.trim() !== "") {
    const scope = { ...run.scope(), ...Object.fromEntries(outputs), [SCOPE_ITEM]: item, [SCOPE_INDEX]: index };
    return evaluateField(node.id, "result", node.data.result, scope);
  }
  const exit = body.exits.find((id) => outputs.has(id));
  return exit === undefined ? null : (outputs.get(exit) ?? null);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}
