import "server-only";
import { outcomeLabelsOf } from "@/lib/mission/schema";
import { indexGraph, type GraphIndex } from "@/lib/mission/graph";
import { topLevel } from "@/lib/mission/groups";
import { expressionScope } from "@/lib/mission/scope";
import type { MissionEdge, MissionNode } from "@/lib/mission/schema";
import { APPROVED_PORT_ID, edgeTaken } from "@/lib/mission/node-kinds";
import type { EngineDeps } from "./deps";
import { nodeHandlers, QUICK_KINDS } from "./nodes";
import type { NodeHandler, NodeOutcome, NodeRun } from "./nodes/types";
import { loadRunHeader, versionGraph, type RunPlan } from "./plan";
import { loadReusePlan, recordReuse, type ReusePlan } from "./reuse";
import { recordFailedAttempt } from "./attempts";
import { INLINE } from "./inline-step";
import { quickSegment, SEGMENT_OUTPUT_BUDGET, type SegmentResult } from "./quick-segment";
import { flushHeldStates, markQuickStep, markRunSucceededSoon, setDirectStatesSoon } from "./held-states";
import { endRunWith, markRunStarted, publish, publishRunEnd, setDirectStates, setNodeStateIn, skipChanges, type DirectChange } from "./state";
import { errorMessage, MissionFailedError, type StepPort } from "./step-port";

export interface InterpreterContext {
  runId: string;
  step: StepPort;
  /** The engine's attempt number for this call (0-based). */
  attempt: number;
  deps: EngineDeps;
}

export interface MissionResult {
  runId: string;
  status: "succeeded" | "already-ended";
  verdict?: { outcome: string; summary: string } | null;
}

type Completion = { key: string; nodeId: string; outcome?: NodeOutcome; error?: unknown; skipWrite?: true; reused?: true; segment?: SegmentResult };

/**
 * Runs a mission version as durable steps. The graph is walked from the roots: a node runs once
 * every incoming edge is resolved and at least one is taken; one whose incoming edges are all
 * not taken is skipped, and so (recursively) is everything that only it leads to. Ready nodes run
 * concurrently (their steps are planned in parallel). Conditions take their first true branch
 * (else `else`); approvals take `approved` or `rejected`; other nodes take every outgoing edge.
 *
 * Determinism: the plan (graph, input) comes from the first step, step ids derive from node ids,
 * and the walk reacts only to step results, so every replay issues the same steps.
 */
export async function runMission(ctx: InterpreterContext): Promise<MissionResult> {
  const { runId, step, deps } = ctx;
  const database = await deps.database();

  const header = await step.run("run:start", async () => {
    markQuickStep("run:start");
    const started = await markRunStarted(database, runId);
    if (started) publish(runId, started.observationId);
    const loaded = started?.header ?? (await loadRunHeader(database, runId));
    if (!loaded || !["running", "waiting"].includes(loaded.status)) return loaded;
    const graph = await versionGraph(database, loaded.versionId);
    // Each write is a no-op when already done, so a re-executed step (a crash before its result
    // was stored) completes what the first attempt left half-done. The triggers' changes are
    // direct ones: held with the first quick steps' (held-states.ts).
    const triggers: DirectChange[] = graph.nodes
      .filter((n) => n.kind === "trigger")
      .map((n) => ({ nodeId: n.id, to: "succeeded", output: loaded.input, attempt: ctx.attempt, text: `${n.id}: run input received` }));
    if (!loaded.rerunOf) {
      await setDirectStatesSoon(database, runId, triggers);
      return loaded;
    }
    // Read before the transaction: PGlite has one connection, which the transaction holds.
    const reuse = await loadReusePlan(database, loaded.rerunOf, graph);
    const ids = await database.db.transaction(async (tx) => [...(await setDirectStates(database, runId, triggers, tx)), ...(await recordReuse(database, tx, runId, reuse, graph))]);
    publish(runId, ...ids);
    return loaded;
  });
  if (!header) throw new MissionFailedError(`Run ${runId} does not exist`);
  if (header.status !== "running" && header.status !== "waiting") return { runId, status: "already-ended" };

  const plan: RunPlan = { ...header, graph: await versionGraph(database, header.versionId) };
  const reuse = plan.rerunOf ? await loadReusePlan(database, plan.rerunOf, plan.graph) : null;
  const walk = new Walk(plan, ctx, database, reuse);
  return walk.run();
}

class Walk {
  private readonly index: GraphIndex<MissionEdge>;
  private readonly nodes: Map<string, MissionNode>;
  private readonly edgeTaken = new Map<string, boolean>();
  private readonly outputs = new Map<string, unknown>();
  private readonly approved = new Set<string>();
  private readonly skipped = new Set<string>();
  private readonly started = new Set<string>();
  private readonly inFlight = new Map<string, Promise<Completion>>();
  /** Quick steps that failed inside a segment: they run again as steps of their own. */
  private readonly alone = new Set<string>();
  /** Skips a segment wrote itself (with its members' changes): the walk does not write them again. */
  private readonly skipsWritten = new Set<string>();
  private firstVerdict: string | undefined;
  /**
   * The step port for nodes that write on their own: each step first writes the direct changes
   * held so far (held-states.ts), so the run's Observations keep the order things happened in.
   * Inside the step, because an await between steps would end a checkpointing call early.
   */
  private readonly flushingFirst: StepPort;

  constructor(
    private readonly plan: RunPlan,
    private readonly ctx: InterpreterContext,
    private readonly database: Awaited<ReturnType<EngineDeps["database"]>>,
    /** A re-run from a node: these nodes take the source run's result without executing. */
    private readonly reuse: ReusePlan | null = null,
  ) {
    const step = ctx.step;
    this.flushingFirst = {
      ...step,
      run: (id, fn) =>
        step.run(id, async () => {
          await flushHeldStates();
          return fn();
        }),
    };
    // The steps inside a For each run per item, in its handler: the walk goes over the top level.
    this.index = indexGraph({ nodes: topLevel(plan.graph.nodes), edges: plan.graph.edges });
    this.nodes = new Map(plan.graph.nodes.map((n) => [n.id, n]));
  }

  async run(): Promise<MissionResult> {
    const { runId } = this.ctx;
    for (const id of this.index.ids) if (!this.index.incoming.get(id)?.length) this.start(id);

    while (this.inFlight.size) {
      const done = await Promise.race(this.inFlight.values());
      this.inFlight.delete(done.key);
      if (done.skipWrite) continue;
      if (done.segment) {
        this.completeSegment(done.segment);
        continue;
      }
      if (done.error !== undefined) await this.fail(done.nodeId, done.error);
      this.complete(done.nodeId, done.outcome ?? { output: null }, done.reused === true);
    }

    // With no verdict run (a port with no edge was taken) the run still completes, without an
    // outcome (docs/mission-format.md, "How a run flows"). Not a step of its own: every step is
    // done, so only a call that has replayed them all gets here, and the write is a no-op once
    // made. What the call holds (the verdict, usually) goes in the run's end's statement; the
    // embedded executor writes that statement with its own end of the run, an Inngest server after.
    await markRunSucceededSoon(this.database, runId, Object.fromEntries(outcomeLabelsOf(this.plan.graph)));
    return { runId, status: "succeeded", verdict: (this.firstVerdict ? this.outputs.get(this.firstVerdict) : null) as MissionResult["verdict"] };
  }

  private start(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (!node || this.started.has(nodeId)) return;
    this.started.add(nodeId);
    const key = `node:${nodeId}`;
    const reused = this.reuse?.nodes.get(nodeId);
    if (reused?.status === "succeeded") {
      // Recorded by the first step; no step, so nothing it did (a Worker, a tool, a decision) happens again.
      const outcome: NodeOutcome = { output: reused.output, ...(reused.port !== undefined ? { port: reused.port } : {}) };
      this.inFlight.set(key, Promise.resolve({ key, nodeId, outcome, reused: true }));
      return;
    }
    // A re-run reuses results node by node, so its quick steps keep a step each.
    if (!this.reuse && !this.alone.has(nodeId)) {
      const members = quickSegment(this.index, this.nodes, nodeId);
      if (members.length > 1) {
        this.inFlight.set(
          key,
          this.ctx.step.run(`quick:${nodeId}`, () => {
            markQuickStep(`quick:${nodeId}`);
            return this.runSegment(members);
          }).then(
            (segment) => ({ key, nodeId, segment }),
            (error: unknown) => ({ key, nodeId, error: error ?? new Error("unknown failure") }),
          ),
        );
        return;
      }
    }
    const handler = nodeHandlers[node.kind] as NodeHandler;
    const nodeRun = this.nodeRun(node, this.stepsFor(node), this.outputs, this.skipped);
    this.inFlight.set(
      key,
      handler(nodeRun).then(
        (outcome) => ({ key, nodeId, outcome }),
        (error: unknown) => ({ key, nodeId, error: error ?? new Error("unknown failure") }),
      ),
    );
  }

  private nodeRun(node: MissionNode, step: StepPort, outputs: ReadonlyMap<string, unknown>, skipped: ReadonlySet<string>): NodeRun {
    return {
      runId: this.ctx.runId,
      node,
      plan: this.plan,
      step,
      attempt: this.ctx.attempt,
      deps: this.ctx.deps,
      database: this.database,
      scope: () => expressionScope(this.plan.graph, node.id, { input: this.plan.input, outputs, skipped }),
      approvedUpstream: (this.index.incoming.get(node.id) ?? []).some(
        (e) => this.edgeTaken.get(e.id) === true && this.approved.has(e.source) && this.nodes.get(e.source)?.kind === "approval",
      ),
    };
  }

  /**
   * Runs a segment's members inline (quick-segment.ts), inside its one step: each sees the outputs
   * and skips of the members before it as it would in the walk. Stops at a member that throws, and
   * where the outputs so far pass the budget (the rest start as segments of their own).
   */
  private async runSegment(members: string[]): Promise<SegmentResult> {
    const outputs = new Map(this.outputs);
    const skipped = new Set(this.skipped);
    const taken = new Map(this.edgeTaken);
    const ran: SegmentResult["ran"] = [];
    const skips: string[] = [];
    /** What decided each member: itself when it ran, else what decided the sources that skipped it. */
    const decidedBy = new Map<string, string>();
    let bytes = 0;
    for (const [i, id] of members.entries()) {
      const node = this.nodes.get(id) as MissionNode;
      const incoming = this.index.incoming.get(id) ?? [];
      if (i > 0 && !incoming.some((e) => taken.get(e.id))) {
        skipped.add(id);
        for (const e of this.index.outgoing.get(id) ?? []) taken.set(e.id, false);
        // Written here, in order with the members' changes, as the walk would write it once the
        // last of its sources completed: so it never comes after what runs next.
        const by = incoming.map((e) => decidedBy.get(e.source) ?? e.source).sort((a, b) => members.indexOf(a) - members.indexOf(b)).at(-1) ?? id;
        decidedBy.set(id, by);
        await setDirectStatesSoon(this.database, this.ctx.runId, skipChanges([id], `not on the path taken after ${by}`));
        skips.push(id);
        continue;
      }
      if (bytes > SEGMENT_OUTPUT_BUDGET) break;
      let outcome: NodeOutcome;
      try {
        outcome = await (nodeHandlers[node.kind] as NodeHandler)(this.nodeRun(node, INLINE, outputs, skipped));
      } catch {
        return { ran, stoppedAt: id, ...(skips.length ? { skipped: skips } : {}) };
      }
      outputs.set(id, outcome.output);
      decidedBy.set(id, id);
      bytes += JSON.stringify(outcome.output ?? null).length;
      ran.push({ id, output: outcome.output, ...(outcome.port !== undefined ? { port: outcome.port } : {}) });
      for (const e of this.index.outgoing.get(id) ?? []) taken.set(e.id, this.takes(node, e, outcome));
    }
    return { ran, ...(skips.length ? { skipped: skips } : {}) };
  }

  /** Applies a segment's results as the walk's own completions, in order; a member that threw starts again alone. */
  private completeSegment(segment: SegmentResult): void {
    if (segment.stoppedAt) this.alone.add(segment.stoppedAt);
    for (const id of segment.skipped ?? []) this.skipsWritten.add(id);
    for (const r of segment.ran) this.started.add(r.id);
    for (const r of segment.ran) this.complete(r.id, { output: r.output, ...(r.port !== undefined ? { port: r.port } : {}) });
    // The first member threw: it was marked started by the walk and nothing it leads to ran.
    if (segment.stoppedAt && !segment.ran.length) {
      this.started.delete(segment.stoppedAt);
      this.start(segment.stoppedAt);
    }
  }

  /**
   * The step port a node's handler uses: quick kinds' as is, the others' flushing held changes
   * first; and every failed attempt of a step is recorded on the node (attempts.ts) before the
   * engine retries it or gives up.
   */
  private stepsFor(node: MissionNode): StepPort {
    const base = QUICK_KINDS.has(node.kind) ? this.ctx.step : this.flushingFirst;
    const { runId, attempt } = this.ctx;
    return {
      ...base,
      run: (id, fn) =>
        base.run(id, async () => {
          try {
            return await fn();
          } catch (error) {
            // Recording must not hide the failure it records.
            await recordFailedAttempt(this.database, { runId, nodeId: node.id, kind: node.kind, stepId: id, attempt, error }).catch(() => {});
            throw error;
          }
        }),
    };
  }

  /** Resolves the node's outgoing edges, then skips and starts whatever that decides. */
  private complete(nodeId: string, outcome: NodeOutcome, reused = false): void {
    const node = this.nodes.get(nodeId);
    this.outputs.set(nodeId, outcome.output);
    if (node?.kind === "verdict") this.firstVerdict ??= nodeId;
    // A reused approval was given for another run: it does not gate a fresh action here, which asks anew.
    if (node?.kind === "approval" && outcome.port === APPROVED_PORT_ID && !reused) this.approved.add(nodeId);
    for (const e of this.index.outgoing.get(nodeId) ?? []) this.edgeTaken.set(e.id, this.takes(node, e, outcome));

    const newlySkipped: string[] = [];
    const queue = (this.index.outgoing.get(nodeId) ?? []).map((e) => e.target);
    while (queue.length) {
      const id = queue.shift() as string;
      if (this.started.has(id) || this.skipped.has(id)) continue;
      const incoming = this.index.incoming.get(id) ?? [];
      if (incoming.some((e) => !this.edgeTaken.has(e.id))) continue;
      if (incoming.some((e) => this.edgeTaken.get(e.id))) {
        this.start(id);
        continue;
      }
      this.skipped.add(id);
      newlySkipped.push(id);
      for (const e of this.index.outgoing.get(id) ?? []) {
        this.edgeTaken.set(e.id, false);
        queue.push(e.target);
      }
    }
    // Skips a re-run reuses were recorded by the first step.
    const toWrite = newlySkipped.filter((id) => this.reuse?.nodes.get(id)?.status !== "skipped" && !this.skipsWritten.has(id));
    if (toWrite.length) {
      const key = `node:${nodeId}:skip`;
      const because = `not on the path taken after ${nodeId}`;
      this.inFlight.set(
        key,
        this.ctx.step
          .run(key, () => {
            markQuickStep(key);
            return setDirectStatesSoon(this.database, this.ctx.runId, skipChanges(toWrite, because));
          })
          .then(() => ({ key, nodeId, skipWrite: true as const })),
      );
    }
  }

  private takes(node: MissionNode | undefined, e: MissionEdge, outcome: NodeOutcome): boolean {
    return node ? edgeTaken(node.kind, e.sourceHandle, outcome.port) : true;
  }

  /** Records the node and the run as failed (in a step), then stops the run for good. */
  private async fail(nodeId: string, error: unknown): Promise<never> {
    const message = errorMessage(error);
    const reason = message.startsWith(`${nodeId}`) ? message : `${nodeId}: ${message}`;
    await this.flushingFirst.run(`node:${nodeId}:failed`, async () => {
      const id = await this.database.db.transaction(async (tx) => {
        // The node's attempt is the last one its steps recorded (attempts.ts), not this call's.
        const obs = await setNodeStateIn(this.database, tx, this.ctx.runId, nodeId, "failed", { error: message, text: `${nodeId} failed: ${message}` });
        await endRunWith(this.database, this.ctx.runId, "failed", reason, tx);
        return obs;
      });
      publish(this.ctx.runId, id);
      publishRunEnd(this.ctx.runId);
    });
    throw new MissionFailedError(reason);
  }
}
