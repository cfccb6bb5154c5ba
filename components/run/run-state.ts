import { edgeTaken, recordedPort } from "@/lib/mission/node-kinds";
import type { MissionEdge, MissionGraph } from "@/lib/mission/schema";
import type { NodeStatus, RunStatus } from "@/server/db/schema";
import type { RunObservation } from "./types";

/**
 * A run's state derived from its Observations alone. The engine writes a `status` Observation for
 * every node and run state change, so folding them in id order gives the state at any point: the
 * live view folds all of them, the scrubber folds those written up to a moment.
 */

const NODE_STATES: readonly string[] = ["pending", "running", "waiting", "succeeded", "failed", "skipped"] satisfies NodeStatus[];
const RUN_STATES: readonly string[] = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] satisfies RunStatus[];
const TERMINAL_RUN: readonly RunStatus[] = ["succeeded", "failed", "cancelled"];

export interface NodeRunState {
  status: NodeStatus;
  /** When it first started running or waiting (ISO). */
  startedAt: string | null;
  /** When it succeeded, failed or was skipped (ISO). */
  endedAt: string | null;
  tokensIn: number;
  tokensOut: number;
  /** The port it took: a condition branch, `approved` / `rejected`. */
  port: string | null;
  /** The decision it waits for (or last waited for). */
  decisionId: string | null;
  error: string | null;
  /** Error Observations (each retry attempt that failed). */
  errors: number;
  /** The attempt it is on, or ended on (0-based): above 0 once a step of it failed and was tried again. */
  attempt: number;
  /** Still pending when the run failed or was cancelled: it was never reached (shown as such, not as pending). */
  notReached: boolean;
  /** Reasoning and text of the latest model step, as streamed. */
  reasoning: string;
  /** A re-run from a later node took this node's result from that run instead of executing it. */
  reusedFrom: string | null;
  /** While it waits for a decision that needs several approvals: the approvals so far and needed ("1 of 2"). */
  approvals: { count: number; required: number } | null;
  /** While it waits for a time (a Wait step): when it wakes up (ISO), from its waiting status Observation's `until`. */
  until: string | null;
  /** The child run it started (a Call mission step), from its status Observations' `childRunId`. */
  childRunId: string | null;
  /** A For each: its items so far (`total` once the list is known), from its per-item Observations. */
  iterations: { total: number | null; succeeded: number; failed: number } | null;
}

export type EdgeState = "taken" | "active" | "pruned" | "idle";

export interface RunState {
  status: RunStatus;
  verdict: { outcome: string; summary: string } | null;
  reason: string | null;
  nodes: Record<string, NodeRunState>;
  edges: Record<string, EdgeState>;
  tokensIn: number;
  tokensOut: number;
  /** What the model calls cost (USD), from the usage Observations' `cost`. */
  cost: number;
  startedAt: string | null;
  endedAt: string | null;
  /** The last Observation folded in, or null. */
  lastId: number | null;
}

/** Same state, field by field (the fields are plain values, and the approvals' two numbers). */
export function sameNodeState(a: NodeRunState, b: NodeRunState): boolean {
  for (const k of Object.keys(a) as (keyof NodeRunState)[]) {
    if (k === "approvals") {
      if (a.approvals?.count !== b.approvals?.count || a.approvals?.required !== b.approvals?.required) return false;
    } else if (k === "iterations") {
      if (a.iterations?.total !== b.iterations?.total || a.iterations?.succeeded !== b.iterations?.succeeded || a.iterations?.failed !== b.iterations?.failed) return false;
    } else if (a[k] !== b[k]) return false;
  }
  return true;
}

export function emptyNodeState(): NodeRunState {
  return {
    status: "pending",
    startedAt: null,
    endedAt: null,
    tokensIn: 0,
    tokensOut: 0,
    port: null,
    decisionId: null,
    error: null,
    errors: 0,
    attempt: 0,
    notReached: false,
    reasoning: "",
    reusedFrom: null,
    approvals: null,
    until: null,
    childRunId: null,
    iterations: null,
  };
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const REASONING_CHARS = 1_200;

/** Folds `observations` (sorted by id) over the graph's nodes. `until` (ISO) stops at that moment. */
export function deriveRunState(graph: MissionGraph, observations: readonly RunObservation[], until?: string | null): RunState {
  const nodes: Record<string, NodeRunState> = {};
  for (const n of graph.nodes) nodes[n.id] = emptyNodeState();
  let runStatus: RunStatus = "queued";
  let verdict: RunState["verdict"] = null;
  let reason: string | null = null;
  let tokensIn = 0;
  let tokensOut = 0;
  let cost = 0;
  let startedAt: string | null = null;
  let endedAt: string | null = null;
  let lastId: number | null = null;
  const reasoningStep = new Map<string, unknown>();
  const limit = until ? Date.parse(until) : Infinity;

  for (const o of observations) {
    // Not `break`: `at` is the writing transaction's start, so it is only roughly in id order.
    if (until && Date.parse(o.at) > limit) continue;
    lastId = o.id;
    const data = record(o.data);
    tokensIn += o.tokensIn;
    tokensOut += o.tokensOut;
    if (o.kind === "usage" && typeof data.cost === "number" && Number.isFinite(data.cost)) cost += data.cost;
    const node = o.nodeId ? nodes[o.nodeId] : undefined;
    if (o.nodeId && !node) continue;
    if (!node) {
      if (o.kind === "status" && typeof data.status === "string" && RUN_STATES.includes(data.status)) {
        runStatus = data.status as RunStatus;
        if (runStatus === "running") startedAt ??= o.at;
        if (TERMINAL_RUN.includes(runStatus)) endedAt = o.at;
        const v = record(data.verdict);
        if (typeof v.outcome === "string") verdict = { outcome: v.outcome, summary: typeof v.summary === "string" ? v.summary : "" };
        if (typeof data.reason === "string") reason = data.reason;
      }
      continue;
    }
    node.tokensIn += o.tokensIn;
    node.tokensOut += o.tokensOut;
    node.attempt = Math.max(node.attempt, o.attempt);
    switch (o.kind) {
      case "status": {
        if (typeof data.decisionId === "string") node.decisionId = data.decisionId;
        if (typeof data.reusedFrom === "string") node.reusedFrom = data.reusedFrom;
        if (typeof data.childRunId === "string") node.childRunId = data.childRunId;
        if (typeof data.status !== "string" || !NODE_STATES.includes(data.status)) break;
        const status = data.status as NodeStatus;
        node.status = status;
        node.until = status === "waiting" && typeof data.until === "string" ? data.until : null;
        if ((status === "running" || status === "waiting") && !node.startedAt) node.startedAt = o.at;
        if (status === "succeeded" || status === "failed" || status === "skipped") {
          node.endedAt = o.at;
          node.startedAt ??= status === "skipped" ? null : o.at;
        }
        if (status === "failed") node.error = typeof data.error === "string" ? data.error : o.text;
        if (status === "succeeded") node.port = recordedPort(data) ?? node.port;
        foldIterations(node, data);
        break;
      }
      case "decision":
        if (typeof data.decisionId === "string") node.decisionId = data.decisionId;
        break;
      case "error":
        node.errors++;
        // The engine tries the step again: the node is on its next attempt.
        if (data.retriable === true) node.attempt = Math.max(node.attempt, o.attempt + 1);
        break;
      case "reasoning":
      case "text": {
        if (foldItem(node, data)) break;
        // A new model step starts a new paragraph; the node shows the latest one as it streams.
        if (reasoningStep.get(o.nodeId as string) !== data.step) node.reasoning = "";
        reasoningStep.set(o.nodeId as string, data.step);
        node.reasoning = (node.reasoning + o.text).slice(-REASONING_CHARS);
        break;
      }
    }
  }

  const live = !TERMINAL_RUN.includes(runStatus);
  if (live) {
    // The run row's running/waiting flips are not Observations: they follow from the nodes.
    const states = Object.values(nodes).map((n) => n.status);
    if (states.includes("running")) runStatus = "running";
    else if (states.includes("waiting")) runStatus = "waiting";
  }
  markNotReached(nodes, runStatus);
  const edges: Record<string, EdgeState> = {};
  for (const e of graph.edges) edges[e.id] = edgeState(e, nodes, graph);
  return { status: runStatus, verdict, reason, nodes, edges, tokensIn, tokensOut, cost, startedAt, endedAt, lastId };
}

/** A For each's status: the list's length when it starts, every count when it ends. */
function foldIterations(node: NodeRunState, data: Record<string, unknown>): void {
  const counts = record(data.iterations);
  const total = typeof data.total === "number" ? data.total : typeof counts.total === "number" ? counts.total : null;
  if (total === null) return;
  const succeeded = typeof counts.succeeded === "number" ? counts.succeeded : (node.iterations?.succeeded ?? 0);
  const failed = typeof counts.failed === "number" ? counts.failed : (node.iterations?.failed ?? 0);
  node.iterations = { total, succeeded, failed };
}

/** One item of a For each ended (its `text` Observation's `forEach`); false for any other text. */
function foldItem(node: NodeRunState, data: Record<string, unknown>): boolean {
  const item = record(data.forEach);
  if (typeof item.index !== "number") return false;
  const it = node.iterations ?? { total: null, succeeded: 0, failed: 0 };
  node.iterations = item.status === "failed" ? { ...it, failed: it.failed + 1 } : { ...it, succeeded: it.succeeded + 1 };
  return true;
}

/** A wake-up time as people read it: the time of day today, with the date on another day. */
export function formatWake(iso: string): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  return at.toLocaleString(undefined, sameDay ? { hour: "2-digit", minute: "2-digit", second: "2-digit" } : { dateStyle: "medium", timeStyle: "short" });
}

/** When every step the run waits on waits for a time (a Wait step, not a decision): the earliest (ISO), else null. */
export function wakesAt(state: Pick<RunState, "nodes">): string | null {
  const waiting = Object.values(state.nodes).filter((n) => n.status === "waiting");
  if (!waiting.length || waiting.some((n) => !n.until)) return null;
  return waiting.map((n) => n.until as string).sort()[0] ?? null;
}

/**
 * A node still pending once the run failed or was cancelled will never run: the engine leaves it
 * pending (nothing happened to it), and the view says "not reached" rather than "pending".
 */
function markNotReached(nodes: Record<string, NodeRunState>, status: RunStatus): void {
  if (status !== "failed" && status !== "cancelled") return;
  for (const n of Object.values(nodes)) if (n.status === "pending") n.notReached = true;
}

function edgeState(e: MissionEdge, nodes: Record<string, NodeRunState>, graph: MissionGraph): EdgeState {
  const source = nodes[e.source];
  const target = nodes[e.target];
  if (!source || !target) return "idle";
  if (source.status === "skipped" || target.status === "skipped") return "pruned";
  if (source.status !== "succeeded") return "idle";
  const kind = graph.nodes.find((n) => n.id === e.source)?.kind;
  // A port not known yet (the run row alone) is null: a kind that chooses its port then takes nothing.
  if (kind && !edgeTaken(kind, e.sourceHandle, source.port)) return "pruned";
  return target.status === "running" || target.status === "waiting" ? "active" : "taken";
}

/**
 * The state the run row itself records (per-node status and times), for the moment before the
 * Observations are loaded: the canvas shows the run as it stands at once.
 */
export function stateFromRun(
  graph: MissionGraph,
  run: {
    status: RunStatus;
    verdict: { outcome: string; summary: string } | null;
    error: string | null;
    tokensIn: number;
    tokensOut: number;
    cost?: number;
    startedAt: string | null;
    endedAt: string | null;
    nodes: readonly {
      nodeId: string;
      status: NodeStatus;
      startedAt: string | null;
      endedAt: string | null;
      tokensIn: number;
      tokensOut: number;
      error: string | null;
      attempt?: number;
      reusedFrom?: string | null;
    }[];
  },
): RunState {
  const nodes: Record<string, NodeRunState> = {};
  for (const n of graph.nodes) nodes[n.id] = emptyNodeState();
  for (const n of run.nodes) {
    const node = nodes[n.nodeId];
    if (!node) continue;
    Object.assign(node, {
      status: n.status,
      startedAt: n.startedAt,
      endedAt: n.endedAt,
      tokensIn: n.tokensIn,
      tokensOut: n.tokensOut,
      error: n.error,
      attempt: n.attempt ?? 0,
      reusedFrom: n.reusedFrom ?? null,
    });
  }
  markNotReached(nodes, run.status);
  const edges: Record<string, EdgeState> = {};
  for (const e of graph.edges) edges[e.id] = edgeState(e, nodes, graph);
  return {
    status: run.status,
    verdict: run.verdict,
    reason: run.error,
    nodes,
    edges,
    tokensIn: run.tokensIn,
    tokensOut: run.tokensOut,
    cost: run.cost ?? 0,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    lastId: null,
  };
}

/** What the run page knows of a decision's votes (runs.get). */
export interface DecisionProgress {
  id: string;
  nodeId: string;
  status: string;
  approvals: number;
  requiredApprovals: number;
}

/**
 * Puts the progress of each waiting node's decision on it when that decision needs more than one
 * approval: live, the decision's own count (refetched as each vote's Observation arrives); when
 * replaying a moment, the approving votes recorded up to it (`replayed`: the Observations shown).
 */
export function withApprovalProgress(state: RunState, decisions: readonly DecisionProgress[], replayed: readonly RunObservation[] | null = null): RunState {
  let nodes: Record<string, NodeRunState> | null = null;
  for (const [id, node] of Object.entries(state.nodes)) {
    if (node.status !== "waiting") continue;
    const d = decisions.find((x) => x.id === node.decisionId) ?? decisions.find((x) => x.nodeId === id && x.status === "pending");
    if (!d || d.requiredApprovals <= 1) continue;
    const count = replayed ? replayed.filter((o) => o.kind === "decision" && record(o.data).decisionId === d.id && record(o.data).event === "vote" && record(o.data).approve === true).length : d.approvals;
    nodes ??= { ...state.nodes };
    nodes[id] = { ...node, approvals: { count, required: d.requiredApprovals } };
  }
  return nodes ? { ...state, nodes } : state;
}

/** Milliseconds between two ISO times, or from `from` to `now` while still open. */
export function elapsedMs(from: string | null, to: string | null, now: number): number | null {
  if (!from) return null;
  return Math.max(0, (to ? Date.parse(to) : now) - Date.parse(from));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = ms / 1_000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** A cost in USD: cents for most runs, fractions of a cent where that is all there is. */
export function formatCost(n: number): string {
  return `$${n === 0 ? "0" : n < 0.01 ? n.toPrecision(2) : n.toFixed(n < 10 ? 3 : 2)}`;
}

export function formatTokens(n: number): string {
  if (n < 1_000) return String(n);
  if (n < 1_000_000) return `${(n / 1_000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** Moments worth jumping to when replaying: every node state change, decision, and the run's own. */
export interface ReplayMarker {
  id: number;
  at: string;
  nodeId: string | null;
  label: string;
  tone: NodeStatus | RunStatus | "decision";
}

export function replayMarkers(observations: readonly RunObservation[]): ReplayMarker[] {
  const out: ReplayMarker[] = [];
  for (const o of observations) {
    const data = record(o.data);
    if (o.kind === "status" && typeof data.status === "string") {
      out.push({ id: o.id, at: o.at, nodeId: o.nodeId, label: o.text || `${o.nodeId ?? "run"} ${data.status}`, tone: data.status as NodeStatus });
    } else if (o.kind === "decision") {
      out.push({ id: o.id, at: o.at, nodeId: o.nodeId, label: o.text, tone: "decision" });
    }
  }
  return out;
}

/** Inserts rows into a list sorted by id, skipping ids it already holds. Returns the same array when nothing was added. */
export function mergeObservations(list: readonly RunObservation[], incoming: readonly RunObservation[], known: Set<number>): readonly RunObservation[] {
  let out: RunObservation[] | null = null;
  for (const o of incoming) {
    if (known.has(o.id)) continue;
    known.add(o.id);
    out ??= list.slice();
    const last = out[out.length - 1];
    if (!last || last.id < o.id) {
      out.push(o);
      continue;
    }
    // A late commit: binary search its place.
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((out[mid] as RunObservation).id < o.id) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, o);
  }
  return out ?? list;
}

/** Every step the run waits on waits for a child run (Call mission steps). */
export function waitsOnChildren(state: Pick<RunState, "nodes">): boolean {
  const waiting = Object.values(state.nodes).filter((n) => n.status === "waiting");
  return waiting.length > 0 && waiting.every((n) => n.childRunId !== null);
}

export interface ChildRunLink {
  runId: string;
  /** The step that started it: the Call's id, or its item-scoped id inside a For each (`tickets[3].escalate`). */
  step: string;
}

/**
 * The child runs a Call mission step started, in the order they started, from its Observations'
 * `childRunId`: one for a step at the top level, one per item that reached it inside a For each.
 * Their state is the child's own (its page): a parent reports a child's start and success only.
 */
export function childRunsOf(observations: readonly RunObservation[], nodeId: string): ChildRunLink[] {
  const byRun = new Map<string, ChildRunLink>();
  for (const o of observations) {
    if (o.nodeId !== nodeId) continue;
    const data = record(o.data);
    if (typeof data.childRunId !== "string") continue;
    if (!byRun.has(data.childRunId)) byRun.set(data.childRunId, { runId: data.childRunId, step: typeof data.step === "string" ? data.step : nodeId });
  }
  return [...byRun.values()];
}

export interface ItemWakeUp {
  /** The item-scoped step: `each[3].pause`. */
  step: string;
  /** When it wakes up (ISO). */
  until: string;
  woke: boolean;
}

/**
 * The wake-up times of a Wait inside a For each, one per item that reached it, in the order they
 * started waiting, from its Observations (`step`, `until`, `waitStatus`): the step on the canvas
 * has one state over all items, so its own `until` says nothing of each item's.
 */
export function wakeUpsOf(observations: readonly RunObservation[], nodeId: string): ItemWakeUp[] {
  const byStep = new Map<string, ItemWakeUp>();
  for (const o of observations) {
    if (o.nodeId !== nodeId) continue;
    const data = record(o.data);
    if (typeof data.step !== "string" || typeof data.until !== "string" || (data.waitStatus !== "waiting" && data.waitStatus !== "succeeded")) continue;
    const woke = byStep.get(data.step)?.woke === true || data.waitStatus === "succeeded";
    byStep.set(data.step, { step: data.step, until: data.until, woke });
  }
  return [...byStep.values()];
}
