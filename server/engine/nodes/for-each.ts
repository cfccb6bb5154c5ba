import "server-only";
import { bodyOf, type Body } from "@/lib/mission/groups";
import { itemsStepId, itemStepId, SCOPE_INDEX, SCOPE_ITEM } from "@/lib/mission/kinds/for-each";
import { edgeTaken } from "@/lib/mission/node-kinds";
import { expressionScope } from "@/lib/mission/scope";
import type { MissionEdge, MissionNode, NodeKind } from "@/lib/mission/schema";
import { HeldStates, holdingStates, markQuickStep } from "../held-states";
import { INLINE } from "../inline-step";
import { publish, setDirectStates, setNodeState } from "../state";
import { errorMessage, PermanentError, type StepPort } from "../step-port";
import { evaluateField } from "./evaluate";
import { recordItemLines, type ItemLine } from "./for-each-lines";
import { QUICK_KINDS } from "./quick-kinds";
import { NodeFailure, type NodeHandler, type NodeOutcome, type NodeRun } from "./types";

/** What one item came to: memoized in its record step `node:<loop>[<i>]` (or its items' step `node:<loop>[<from>..<to>]`), so a replay never runs a finished item again. */
export type ItemRecord = { index: number; ok: true; result: unknown; steps: Record<string, StepState> } | { index: number; ok: false; error: string; steps: Record<string, StepState> };
type StepState = "succeeded" | "failed" | "skipped";

type Handlers = () => { [K in NodeKind]: NodeHandler<K> };

/**
 * Runs the steps inside the For each (its body: the steps whose parentId is it) once per item of
 * the list `items` gives, `concurrency` items at a time. Each body step runs through the same
 * handler as a top-level step, under an item-scoped id (`loop[17].fmt`), with `item` and `index` in
 * its scope besides what the For each itself sees. Each finished item writes one line (a text
 * Observation) on the For each, once.
 *
 * When something inside waits (a tool, a model, a Wait, a Call), each item's steps are steps of
 * the run (`node:loop[17].fmt…`, memoized per item; a tool call's idempotency key is per item),
 * items at once are parallel steps, and each item ends with a record step, so after a crash
 * (kill -9) a replay takes every finished item from its record and runs none of its steps again.
 * When every step inside is quick (a Transform, a Condition), `concurrency` items run inside one
 * step, their steps inline: one memoized step per batch instead of parallel steps, each of which
 * the engine would run as a job of its own and replay the run for.
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
      markQuickStep(`${base}:start`);
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
    let stopped = false;
    const keep = (record: ItemRecord) => {
      records[record.index] = record;
      if (!record.ok && node.data.onFailure === "stop") stopped = true;
    };
    if (body.nodes.every((b) => QUICK_KINDS.has(b.kind))) {
      // Nothing inside waits: items at once as parallel steps would only cost (each a job of the
      // engine's, each replaying the run), so `concurrency` items run together in one step.
      for (let from = 0; from < items.length && !stopped; from += node.data.concurrency) {
        const to = Math.min(from + node.data.concurrency, items.length);
        for (const record of await runQuickItems(loopRun, handlers, body, items, from, to)) keep(record);
      }
    } else {
      // Something inside waits (a tool, a model, a Wait, a child run): items at once wait together.
      let next = 0;
      const lane = async () => {
        while (!stopped && next < items.length) {
          const index = next++;
          keep(await runItem(loopRun, handlers, body, items[index], index));
        }
      };
      await Promise.all(Array.from({ length: Math.min(node.data.concurrency, items.length) }, lane));
    }

    const done = records.filter((r): r is ItemRecord => r !== undefined);
    const failed = done.filter((r) => !r.ok);
    const firstFailure = failed[0];
    if (firstFailure && !firstFailure.ok && node.data.onFailure === "stop") {
      throw new NodeFailure(`item ${firstFailure.index} failed: ${firstFailure.error}`);
    }
    const output = done.flatMap((r) => (r.ok ? [r.result] : node.data.onFailure === "collect" ? [{ index: r.index, error: r.error }] : []));
    const counts = { total: items.length, succeeded: done.length - failed.length, failed: failed.length };

    await step.run(`${base}:done`, async () => {
      markQuickStep(`${base}:done`);
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

/** What walking one item's body came to: the outputs of the steps that ran, how each step fared, the first failure. */
interface ItemWalk {
  outputs: Map<string, unknown>;
  steps: Record<string, StepState>;
  failure?: string;
}

/** One item: its body walked through the steps' own memoized steps, then its record step. */
async function runItem(run: NodeRun<"forEach">, handlers: Handlers, body: Body<MissionNode, MissionEdge>, item: unknown, index: number): Promise<ItemRecord> {
  const walk = await walkItem(run, handlers, body, item, index, run.step);
  const id = `node:${itemStepId(run.node.id, index)}`;
  return run.step.run(id, async () => {
    markQuickStep(id);
    const record = recordOf(run, body, walk, item, index);
    await recordItemLines(run.database, { runId: run.runId, nodeId: run.node.id, attempt: run.attempt }, [lineOf(run.node.id, record)]);
    return record;
  });
}

/**
 * Items `from` … `to` - 1 of a body of quick steps, in one step: each item's body walked inline (its
 * steps compute and wait for nothing), then all their lines in one statement. The step is what is
 * memoized: a replay takes the items' records from it, and a kill before its result was stored runs
 * the items again (their lines are written once). Items after a failed one are not run when the
 * policy is stop, as they would not start one at a time.
 */
function runQuickItems(run: NodeRun<"forEach">, handlers: Handlers, body: Body<MissionNode, MissionEdge>, items: unknown[], from: number, to: number): Promise<ItemRecord[]> {
  const { node } = run;
  const id = `node:${itemsStepId(node.id, from, to - 1)}`;
  return run.step.run(id, async () => {
    // Before the held states of its own below: the mark is for the call's.
    markQuickStep(id);
    const records: ItemRecord[] = [];
    // A body step's own state change names its item-scoped id (`lines[3].fmt`), which has no node
    // row: held here and dropped. The For each writes how the body's steps fared when it ends.
    await holdingStates(new HeldStates(), async () => {
      for (let index = from; index < to; index++) {
        const walk = await walkItem(run, handlers, body, items[index], index, INLINE);
        const record = recordOf(run, body, walk, items[index], index);
        records.push(record);
        if (!record.ok && node.data.onFailure === "stop") break;
      }
    });
    await recordItemLines(run.database, { runId: run.runId, nodeId: node.id, attempt: run.attempt }, records.map((r) => lineOf(node.id, r)));
    return records;
  });
}

/** One item's body walked as a run is (ready steps at once, the edge-taken rule of the registry), its steps on `step`. */
async function walkItem(run: NodeRun<"forEach">, handlers: Handlers, body: Body<MissionNode, MissionEdge>, item: unknown, index: number, step: StepPort): Promise<ItemWalk> {
  const { node } = run;
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
      step,
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
  return failure === undefined ? { outputs, steps } : { outputs, steps, failure };
}

/** The item's record: its failure, or its result (which may itself fail to evaluate). */
function recordOf(run: NodeRun<"forEach">, body: Body<MissionNode, MissionEdge>, walk: ItemWalk, item: unknown, index: number): ItemRecord {
  const { steps } = walk;
  if (walk.failure !== undefined) return { index, ok: false, error: walk.failure, steps };
  try {
    return { index, ok: true, result: itemResult(run, body, walk.outputs, item, index), steps };
  } catch (e) {
    return { index, ok: false, error: errorMessage(e), steps };
  }
}

/** The item's line on the For each: `lines[3] succeeded`, with its result or error. */
function lineOf(forEachId: string, record: ItemRecord): ItemLine {
  const id = itemStepId(forEachId, record.index);
  const { index } = record;
  return record.ok
    ? { index, text: `${id} succeeded`, data: { forEach: { index, status: "succeeded", result: record.result } } }
    : { index, text: `${id} failed: ${record.error}`, data: { forEach: { index, status: "failed", error: record.error } } };
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
