import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { describeProblems, zodProblems } from "@/lib/errors";
import { upstreamOf } from "@/lib/mission/graph";
import { validateForRun } from "@/lib/mission/validate";
import { channelSchema, MAX_COST_BUDGET, MAX_TOKEN_BUDGET, missionGraphSchema, type Channel, type MissionGraph } from "@/lib/mission/schema";
import type { AuditActor, AuditEntry } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { RUN_STATUSES, type NodeStatus, type RunStatus } from "@/server/db/schema";
import { listDecisions, type DecisionView } from "@/server/decisions/queries";
import { getEngineDeps } from "@/server/engine/deps";
import { RUN_CANCEL_REQUESTED, RUN_REQUESTED, type SendEvents } from "@/server/contracts/events";
import { versionGraph } from "@/server/engine/plan";
import { endRunWith, insertQueuedRun, publish } from "@/server/engine/state";
import type { RunSimulation, VersionReviewStatus } from "@/server/db/schema";
import { runLimits } from "./budget";
import { RunError } from "./errors";
import { RUN_LIST_ORDER, runListPage, runListWhere, SIMULATED_FILTERS } from "./list-page";
import { parseRunInput } from "./input";
import { checkModelOverrides, modelOverridesSchema } from "./model-overrides";
import { forgetPublished, publishedGuess, rememberPublished } from "./published-guess";

export interface RunServiceOptions {
  /** Where events go (default: the registered engine). */
  send?: SendEvents;
  /** Who did it, for the audit (an API key names itself); defaults to the user. */
  actor?: AuditActor;
  /**
   * The run's id when the caller claimed it beforehand (a schedule's firing): starting it twice is
   * then refused by the run's primary key.
   */
  runId?: string;
  /** What started it beyond the channel, on the run's first Observation and audit entry (`webhook hk_…`). */
  via?: string;
  /**
   * A child run of a Call mission step (server/engine/nodes/call.ts): linked to the parent run and
   * step, started under the parent's requester whatever the child's channels, and invoked by the
   * parent's engine run (Inngest's step.invoke), so no run request is sent for it.
   */
  parent?: { runId: string; nodeId: string };
  /**
   * A simulation of a test case (server/test-cases/suites.ts): state-changing tools are not
   * called, approvals are answered by the case, and the run is left out of production lists and
   * counts. A child run of a simulated run is simulated with its parent's answers.
   */
  simulation?: RunSimulation;
}

const TERMINAL: RunStatus[] = ["succeeded", "failed", "cancelled"];

export const startRunInput = z.object({
  missionId: z.string().min(1, "must not be empty").max(100),
  versionId: z.string().min(1).max(100).optional(),
  input: z.unknown().optional(),
  channel: channelSchema.default("manual"),
  userId: z.string().min(1).max(200).nullable(),
  tokenBudget: z.number().int("must be a whole number").positive("must be more than 0").max(MAX_TOKEN_BUDGET, `must be at most ${MAX_TOKEN_BUDGET.toLocaleString("en-US")}`).optional(),
  /** In the currency of the registered model prices. */
  costBudget: z.number().positive("must be more than 0").max(MAX_COST_BUDGET, `must be at most ${MAX_COST_BUDGET.toLocaleString("en-US")}`).optional(),
  /** Worker step id → registered model id, for this run only (server/runs/model-overrides.ts). */
  modelOverrides: modelOverridesSchema.optional(),
});
export type StartRunInput = z.input<typeof startRunInput>;

/**
 * Starts a run of a mission version (the published one when none is named; a named one must be or
 * have been published): refuses a version with
 * validation problems and an input that does not fit the trigger's fields, then inserts the run
 * (queued) with one pending row per node, and asks the engine to run it. The event id is the run
 * id, so a repeated request (or the sweeper's re-send) never starts it twice.
 */
export function startRun(database: Database, raw: StartRunInput, opts: RunServiceOptions = {}): Promise<{ runId: string }> {
  return startRunOf(database, raw, opts, null);
}

declare global {
  var __stewardRunProblems: WeakMap<MissionGraph, ReturnType<typeof validateForRun>> | undefined;
}

/** validateForRun of a cached (immutable) version graph, computed once per graph. */
function problemsForRun(graph: MissionGraph): ReturnType<typeof validateForRun> {
  const cache = (globalThis.__stewardRunProblems ??= new WeakMap());
  let problems = cache.get(graph);
  if (!problems) cache.set(graph, (problems = validateForRun(graph)));
  return problems;
}

interface RerunOf {
  runId: string;
  fromNodeId: string;
}

async function startRunOf(database: Database, raw: StartRunInput, opts: RunServiceOptions, rerunOf: RerunOf | null): Promise<{ runId: string }> {
  const parsed = startRunInput.safeParse(raw);
  if (!parsed.success) throw new RunError("invalid_input", "Invalid run request", zodProblems(parsed.error.issues));
  const req = parsed.data;
  // The published version this process saw last: the run's insert checks it is still the one.
  const guess = req.versionId ? undefined : publishedGuess(database, req.missionId);
  if (guess) {
    try {
      const started = await startVersion(database, req, opts, rerunOf, { id: guess.missionId, versionId: guess.versionId, number: guess.number }, true);
      if (started) return started;
      forgetPublished(database, req.missionId);
    } catch (e) {
      // A refusal comes from the mission as it is now: one archived since is refused as archived, not for its input.
      if (!(e instanceof RunError)) throw e;
    }
  }
  const m = await missionToRun(database, req, opts, rerunOf);
  if (!req.versionId) rememberPublished(database, { missionId: m.id, versionId: m.versionId, number: m.number });
  const started = await startVersion(database, req, opts, rerunOf, m, false);
  if (!started) throw new Error(`The run of mission ${m.id} was not stored`);
  return started;
}

interface MissionVersion {
  id: string;
  versionId: string;
  number: number;
}

/**
 * The mission and the version to run in one query: the published one unless a version is named
 * (a re-run names its run's version). Refuses an archived mission and a version that may not run.
 */
async function missionToRun(database: Database, req: z.output<typeof startRunInput>, opts: RunServiceOptions, rerunOf: RerunOf | null): Promise<MissionVersion> {
  const [m] = await database.rows<{
    id: string;
    name: string;
    latest_version: number;
    published_version: number | null;
    archived: boolean;
    version_id: string | null;
    number: number | null;
    review: VersionReviewStatus | null;
  }>(
    sql`select m.id, m.name, m.latest_version, m.published_version, m.archived_at is not null as archived, v.id as version_id, v.number, r.status as review
        from mission m left join mission_version v
          on v.mission_id = m.id and ${req.versionId ? sql`v.id = ${req.versionId}` : sql`v.number = m.published_version`}
        left join version_review r on r.version_id = v.id
        where m.id = ${req.missionId}`,
  );
  if (!m) throw new RunError("not_found", `No mission ${req.missionId}`);
  if (m.archived) throw new RunError("conflict", `Mission ${req.missionId} is archived: restore it to run it`);
  if (m.version_id === null || m.number === null) {
    if (req.versionId) throw new RunError("not_found", `Mission ${m.id} has no version ${req.versionId}`);
    if (Number(m.latest_version) === 0) throw new RunError("invalid_version", `Mission ${m.id} has no saved version yet: save one to run it`);
    throw new RunError("invalid_version", await noPublishedVersion(database, m.id, m.name));
  }
  // Runs use published versions only; a re-run keeps its run's version, which was published then.
  // A simulation acts on nothing: it may prove a version before it is published.
  if (req.versionId && !rerunOf && !opts.simulation && m.review !== "published") {
    const why = m.review === "awaiting_review" ? "it awaits review by an approver or admin" : m.review === "rejected" ? "it was rejected" : "it was never published";
    const now = m.published_version === null ? "" : ` (runs use version ${m.published_version})`;
    throw new RunError("invalid_version", `Version ${m.number} of mission "${m.name}" cannot run: ${why}${now}`, [
      { path: "versionId", message: "must be a version that is or was published" },
    ]);
  }
  return { id: m.id, versionId: m.version_id, number: Number(m.number) };
}

/**
 * Checks the input against the version's graph (from the per-process cache of immutable versions,
 * versionGraph), then stores the run and asks the engine to run it. `guessed`: the version is
 * this process's guess of the published one, and the run is stored only if the mission is still
 * live with that version published; null when it is not (nothing was stored).
 */
async function startVersion(
  database: Database,
  req: z.output<typeof startRunInput>,
  opts: RunServiceOptions,
  rerunOf: RerunOf | null,
  m: MissionVersion,
  guessed: boolean,
): Promise<{ runId: string } | null> {
  const v = { id: m.versionId, number: m.number };
  const graph = await versionGraph(database, v.id).catch((e: unknown) => {
    if (e instanceof z.ZodError) throw new RunError("invalid_version", `Version ${v.number} is not a valid mission`, zodProblems(e.issues, "graph"));
    throw e;
  });
  const problems = problemsForRun(graph);
  if (problems.length) {
    throw new RunError("invalid_version", `Version ${v.number} cannot run: ${describeProblems(problems)}`, problems);
  }

  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  if (!trigger || trigger.kind !== "trigger") throw new RunError("invalid_version", `Version ${v.number} has no trigger`);
  if (!opts.parent && !opts.simulation && !trigger.data.channels.includes(req.channel)) {
    throw new RunError("invalid_input", `This mission cannot be started from the ${req.channel} channel`, [
      { path: "channel", message: `must be one of ${trigger.data.channels.join(", ")}` },
    ]);
  }
  const input = parseRunInput(trigger.data.fields, req.input);
  if (!input.ok) throw new RunError("invalid_input", `Invalid input: ${describeProblems(input.problems)}`, input.problems);
  const modelOverrides = req.modelOverrides && Object.keys(req.modelOverrides).length ? req.modelOverrides : null;
  if (modelOverrides) await checkModelOverrides(database, graph, v.number, modelOverrides);

  const runId = opts.runId ?? crypto.randomUUID();
  const simulation = opts.simulation ?? (opts.parent ? await simulationOf(database, opts.parent.runId) : null);
  const limits = runLimits(graph.budget, req, req.channel === "portal" ? trigger.data.portal?.budget : undefined);
  const budget = limits.tokenBudget !== null || limits.costBudget !== null ? { budget: { tokens: limits.tokenBudget, cost: limits.costBudget } } : {};
  const from = rerunOf ? `; re-run of ${rerunOf.runId.slice(0, 8)} from ${rerunOf.fromNodeId}` : "";
  const audit: AuditEntry = {
    action: "run.started",
    actor: opts.actor ?? (req.userId ? { id: req.userId } : { id: null, label: req.channel }),
    targetType: "run",
    targetId: runId,
    runId,
    data: { missionId: m.id, version: v.number, versionId: v.id, channel: req.channel, ...(opts.via ? { via: opts.via } : {}), input: input.input, ...budget, ...(modelOverrides ? { modelOverrides } : {}), ...(rerunOf ? { rerunOf: rerunOf.runId, fromNodeId: rerunOf.fromNodeId } : {}), ...(opts.parent ? { parentRunId: opts.parent.runId, parentNodeId: opts.parent.nodeId } : {}), ...(simulation ? { simulated: true, testCaseId: simulation.testCaseId } : {}) },
  };
  // The run, a pending row per node, the "queued" Observation and the audit entry in one statement.
  const obsId = await insertQueuedRun(
    database,
    {
      runId,
      missionId: m.id,
      versionId: v.id,
      input: input.input,
      channel: req.channel,
      userId: req.userId,
      ...limits,
      modelOverrides,
      rerunOf,
      ...(opts.parent ? { parent: opts.parent } : {}),
      simulation,
      nodeIds: graph.nodes.map((n) => n.id),
      text: `${simulation ? "Simulated run" : "Run"} queued (version ${v.number}, ${opts.via ?? req.channel}${from})`,
      data: { status: "queued", version: v.number, channel: req.channel, ...(simulation ? { simulated: true } : {}), ...(rerunOf ? { rerunOf: rerunOf.runId, fromNodeId: rerunOf.fromNodeId } : {}), ...(opts.parent ? { parentRunId: opts.parent.runId, parentNodeId: opts.parent.nodeId } : {}) },
    },
    audit,
    guessed ? sql`exists (select 1 from mission where id = ${m.id} and archived_at is null and published_version = ${v.number})` : undefined,
  );
  if (obsId === null) return null;
  publish(runId, obsId);
  if (opts.parent) return { runId };
  try {
    await (opts.send ?? getEngineDeps().send)({ name: RUN_REQUESTED, id: runId, data: { runId } });
  } catch (e) {
    // The run is stored: the sweeper re-sends the request, and the deadline bounds the wait.
    console.warn(`[runs] run ${runId} is queued but the engine did not take it yet:`, e instanceof Error ? e.message : e);
  }
  return { runId };
}

/** A run's simulation, for its child runs: a simulated run's Call mission steps act no more than it does. */
async function simulationOf(database: Database, runId: string): Promise<RunSimulation | null> {
  const [row] = await database.rows<{ simulation: RunSimulation | null }>(sql`select simulation from run where id = ${runId}`);
  return row?.simulation ?? null;
}

/** Why a mission with saved versions has nothing to run: its newest version's review state. */
async function noPublishedVersion(database: Database, missionId: string, name: string): Promise<string> {
  const [latest] = await database.rows<{ number: number; status: VersionReviewStatus | null }>(
    sql`select v.number, r.status from mission_version v left join version_review r on r.version_id = v.id
        where v.mission_id = ${missionId} order by v.number desc limit 1`,
  );
  const state =
    latest?.status === "awaiting_review"
      ? `version ${latest.number} awaits review by an approver or admin`
      : latest?.status === "rejected"
        ? `version ${latest.number} was rejected; save a new version to ask again`
        : `publish version ${latest?.number ?? 1} first`;
  return `Mission "${name}" has no published version: ${state}`;
}

/** Cancels a live run: recorded at once, then the engine is told to stop it. */
export async function cancelRun(database: Database, runId: string, userId: string | null, opts: RunServiceOptions = {}): Promise<{ runId: string; status: "cancelled" }> {
  const [r] = await database.rows<{ status: RunStatus }>(sql`select status from run where id = ${runId}`);
  if (!r) throw new RunError("not_found", `No run ${runId}`);
  if (TERMINAL.includes(r.status)) throw new RunError("conflict", `Run ${runId} already ${r.status}: nothing to cancel`);
  // The reason is shown on the run: the canceller's name, not their id.
  const [who] = userId ? await database.rows<{ name: string }>(sql`select name from "user" where id = ${userId}`) : [];
  const ended = await endRunWith(database, runId, "cancelled", userId ? `Cancelled by ${who?.name || userId}` : "Cancelled", undefined, opts.actor ?? (userId ? { id: userId } : undefined));
  if (!ended) {
    const [now] = await database.rows<{ status: RunStatus }>(sql`select status from run where id = ${runId}`);
    throw new RunError("conflict", `Run ${runId} already ${now?.status ?? "ended"}: nothing to cancel`);
  }
  try {
    await (opts.send ?? getEngineDeps().send)({ name: RUN_CANCEL_REQUESTED, data: { runId } });
  } catch (e) {
    // Recorded as cancelled already: every later write of the run is a no-op, so an engine that
    // missed the event only spends a few more steps before the run's function ends.
    console.warn(`[runs] run ${runId} is cancelled but the engine was not told:`, e instanceof Error ? e.message : e);
  }
  // The child runs its Call mission steps started go with it: nobody waits for them any more.
  const children = await database.rows<{ id: string }>(sql`select id from run where parent_run_id = ${runId} and status in ('queued', 'running', 'waiting')`);
  for (const c of children) {
    await cancelRun(database, c.id, userId, opts).catch((e: unknown) => {
      // Ended meanwhile: nothing to cancel.
      if (!(e instanceof RunError && e.reason === "conflict")) throw e;
    });
  }
  return { runId, status: "cancelled" };
}

export const rerunInput = z.object({
  runId: z.string().min(1, "must not be empty").max(100),
  /** Re-run from this node: it and everything downstream run again, everything else is reused. */
  fromNodeId: z.string().min(1, "must not be empty").max(100).optional(),
});
export type RerunInput = z.input<typeof rerunInput>;

/**
 * Starts a new run with the same mission version, input and channel. With `fromNodeId`, the new
 * run executes that node and everything reachable from it, and takes every other node's recorded
 * result from this run without executing it (server/engine/reuse.ts): the run must have finished,
 * and the node must be a non-trigger node of its version that ran in it.
 */
export async function rerun(database: Database, raw: RerunInput, userId: string | null, opts: RunServiceOptions = {}): Promise<{ runId: string }> {
  const parsed = rerunInput.safeParse(raw);
  if (!parsed.success) throw new RunError("invalid_input", "Invalid re-run request", zodProblems(parsed.error.issues));
  const { runId, fromNodeId } = parsed.data;
  const [r] = await database.rows<{
    mission_id: string;
    version_id: string;
    input: Record<string, unknown>;
    channel: Channel;
    token_budget: number | null;
    cost_budget: string | number | null;
    model_overrides: Record<string, string> | null;
    status: RunStatus;
    simulation: RunSimulation | null;
  }>(sql`select mission_id, version_id, input, channel, token_budget, cost_budget, model_overrides, status, simulation from run where id = ${runId}`);
  if (!r) throw new RunError("not_found", `No run ${runId}`);
  if (fromNodeId !== undefined) await checkRerunFrom(database, runId, r.status, r.version_id, fromNodeId);
  return startRunOf(
    database,
    {
      missionId: r.mission_id,
      versionId: r.version_id,
      input: r.input,
      channel: r.channel,
      userId,
      ...(r.token_budget !== null ? { tokenBudget: Number(r.token_budget) } : {}),
      ...(r.cost_budget !== null ? { costBudget: Number(r.cost_budget) } : {}),
      ...(r.model_overrides ? { modelOverrides: r.model_overrides } : {}),
    },
    // A re-run of a simulation is a simulation too.
    r.simulation ? { ...opts, simulation: r.simulation } : opts,
    fromNodeId !== undefined ? { runId, fromNodeId } : null,
  );
}

/** Refuses a re-run from a node that has nothing to reuse before it, naming the field at fault. */
async function checkRerunFrom(database: Database, runId: string, status: RunStatus, versionId: string, fromNodeId: string): Promise<void> {
  const refuse = (path: "runId" | "fromNodeId", message: string, problem: string): never => {
    throw new RunError("invalid_input", message, [{ path, message: problem }]);
  };
  if (!TERMINAL.includes(status)) {
    refuse("runId", `Run ${runId} is still ${status}: re-run from a node once it has finished`, `must be a finished run (it is ${status})`);
  }
  const [v] = await database.rows<{ number: number; graph: unknown }>(sql`select number, graph from mission_version where id = ${versionId}`);
  const shape = missionGraphSchema.safeParse(v?.graph);
  if (!v || !shape.success) throw new RunError("invalid_version", `The version of run ${runId} is not a valid mission`);
  const graph = shape.data;
  const node = graph.nodes.find((n) => n.id === fromNodeId);
  if (!node) refuse("fromNodeId", `Version ${v.number} has no node ${fromNodeId}`, `is not a node of version ${v.number}`);
  if (node?.kind === "trigger") {
    refuse("fromNodeId", `${fromNodeId} is the trigger: re-run the whole run instead`, "is the trigger: a re-run from it is a plain re-run");
  }
  // A step inside a For each runs only as part of its items (docs/mission-format.md, forEach).
  if (node?.parentId !== undefined) {
    refuse("fromNodeId", `${fromNodeId} is inside For each ${node.parentId}: re-run from ${node.parentId} instead`, `is inside For each ${node.parentId}: re-run from it instead`);
  }
  const rows = await database.rows<{ node_id: string; status: NodeStatus }>(sql`select node_id, status from run_node where run_id = ${runId}`);
  const recorded = new Map(rows.map((row) => [row.node_id, row.status]));
  const own = recorded.get(fromNodeId);
  if (own === "skipped") {
    refuse("fromNodeId", `${fromNodeId} was skipped in run ${runId}: with the same choices before it, it would be skipped again`, "was skipped in this run");
  }
  if (own !== "succeeded" && own !== "failed") refuse("fromNodeId", `${fromNodeId} never ran in run ${runId}: there is nothing to re-run it from`, "never ran in this run");
  // A node that ran had every node before it finished; checked anyway, since those results are what the re-run reuses.
  const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  for (const id of upstreamOf(graph, fromNodeId)) {
    const s = recorded.get(id);
    if (kinds.get(id) === "trigger" || s === "succeeded" || s === "skipped") continue;
    refuse("fromNodeId", `${id}, upstream of ${fromNodeId}, has no result in run ${runId} to reuse`, `needs ${id} to have finished in this run`);
  }
}

export interface RunNodeView {
  nodeId: string;
  kind: string | null;
  label: string | null;
  status: NodeStatus;
  output: unknown;
  error: string | null;
  attempt: number;
  tokensIn: number;
  tokensOut: number;
  /** USD, from the node's usage Observations priced by the model (see usageLedger). */
  cost: number;
  startedAt: string | null;
  endedAt: string | null;
  /** The run its result was taken from, when this run is a re-run from a later node. */
  reusedFrom: string | null;
}

export interface RunView {
  id: string;
  missionId: string;
  missionName: string;
  versionId: string;
  versionNumber: number;
  status: RunStatus;
  verdict: { outcome: string; summary: string } | null;
  error: string | null;
  input: Record<string, unknown>;
  channel: Channel;
  startedBy: string | null;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  /** The run's limits (the lowest of its mission's, its own and its portal's); null: none. */
  tokenBudget: number | null;
  costBudget: number | null;
  /** Worker step id → the model it used instead of its own, for this run only; null: none. */
  modelOverrides: Record<string, string> | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  deadlineAt: string | null;
  /** A re-run from a node: the run it reuses results of, and the node it ran from. */
  rerunOf: { runId: string; fromNodeId: string } | null;
  /** A child run: the run and the Call mission step that started it. */
  parent: { runId: string; nodeId: string } | null;
  /** A simulation of a test case: nothing state-changing was called (docs/testing-missions.md). */
  simulated: boolean;
  /** The test case and suite run a simulated run belongs to. */
  testCaseId: string | null;
  suiteRunId: string | null;
  /** What started it beyond the channel, from its audit entry: `webhook hk_…`, `schedule, firing of …`. */
  startedVia?: string | null;
  /** In graph order. */
  nodes: RunNodeView[];
  pendingDecisions: DecisionView[];
}

interface RunRow {
  id: string;
  mission_id: string;
  mission_name: string;
  version_id: string;
  version_number: number;
  status: RunStatus;
  verdict: { outcome: string; summary: string } | null;
  error: string | null;
  input: Record<string, unknown>;
  channel: Channel;
  started_by: string | null;
  tokens_in: number;
  tokens_out: number;
  cost: string;
  token_budget: number | null;
  cost_budget: string | null;
  model_overrides: Record<string, string> | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  deadline_at: string | null;
  rerun_of: string | null;
  rerun_from: string | null;
  parent_run_id: string | null;
  parent_node_id: string | null;
  simulation: RunSimulation | null;
}

const iso = (v: string | null) => (v === null ? null : new Date(v).toISOString());

/** A usage Observation's cost in USD (alias `o`); observations without a numeric cost count 0. */
const USAGE_COST = sql`case when jsonb_typeof(o.data->'cost') = 'number' then (o.data->>'cost')::numeric else 0 end`;

// Spend is the larger of the run's own totals and its usage Observations (see RUN_VIEW_SELECT), so a
// run reads the same in the list as on its page.
const RUN_SELECT = sql`
  select r.id, r.mission_id, m.name as mission_name, r.version_id, v.number as version_number, r.status, r.verdict, r.error,
         r.input, r.channel, r.started_by,
         greatest(r.tokens_in, u.tokens_in) as tokens_in, greatest(r.tokens_out, u.tokens_out) as tokens_out,
         greatest(r.cost, u.cost)::text as cost, r.token_budget, r.cost_budget::text as cost_budget, r.model_overrides, r.created_at::text as created_at,
         r.started_at::text as started_at, r.ended_at::text as ended_at, r.deadline_at::text as deadline_at,
         r.rerun_of, r.rerun_from, r.parent_run_id, r.parent_node_id,
         case when r.simulation is null then null else jsonb_build_object('testCaseId', r.simulation->'testCaseId', 'suiteRunId', r.simulation->'suiteRunId') end as simulation
  from run r join mission m on m.id = r.mission_id join mission_version v on v.id = r.version_id
  cross join lateral (
    select coalesce(sum(o.tokens_in), 0) as tokens_in, coalesce(sum(o.tokens_out), 0) as tokens_out,
           coalesce(sum(${USAGE_COST}), 0) as cost
    from observation o where o.run_id = r.id and o.kind = 'usage') u`;

function summary(r: RunRow): Omit<RunView, "nodes" | "pendingDecisions"> {
  return {
    id: r.id,
    missionId: r.mission_id,
    missionName: r.mission_name,
    versionId: r.version_id,
    versionNumber: Number(r.version_number),
    status: r.status,
    verdict: r.verdict,
    error: r.error,
    input: r.input,
    channel: r.channel,
    startedBy: r.started_by,
    tokensIn: Number(r.tokens_in),
    tokensOut: Number(r.tokens_out),
    cost: Number(r.cost),
    tokenBudget: r.token_budget === null ? null : Number(r.token_budget),
    costBudget: r.cost_budget === null ? null : Number(r.cost_budget),
    modelOverrides: r.model_overrides ?? null,
    createdAt: iso(r.created_at) ?? "",
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    deadlineAt: iso(r.deadline_at),
    rerunOf: r.rerun_of && r.rerun_from ? { runId: r.rerun_of, fromNodeId: r.rerun_from } : null,
    parent: r.parent_run_id && r.parent_node_id ? { runId: r.parent_run_id, nodeId: r.parent_node_id } : null,
    simulated: r.simulation !== null,
    testCaseId: r.simulation?.testCaseId ?? null,
    suiteRunId: r.simulation?.suiteRunId ?? null,
  };
}

/** A run with every node's state, times and output, and its pending decisions. */
/**
 * The graph of a run's version, for its nodes' kinds, labels and order: from the engine's cache of
 * immutable versions (a poll of a run read and parsed it every time), else as stored when the
 * schema no longer reads it.
 */
async function runGraph(database: Database, versionId: string): Promise<MissionGraph | undefined> {
  try {
    return await versionGraph(database, versionId);
  } catch {
    const [row] = await database.rows<{ graph: MissionGraph }>(sql`select graph from mission_version where id = ${versionId}`);
    return row?.graph;
  }
}

interface RunViewRow extends RunRow {
  nodes: {
    node_id: string;
    status: NodeStatus;
    output: unknown;
    error: string | null;
    attempt: number;
    tokens_in: number;
    tokens_out: number;
    started_at: string | null;
    ended_at: string | null;
    reused_from: string | null;
  }[];
  ledger: { node_id: string; tokens_in: number | string; tokens_out: number | string; cost: string | null }[];
  via: string | null;
  has_pending: boolean;
}

/**
 * A run with its nodes, its usage ledger and how it was started, in one statement: a waited API
 * run and every poll read it, and four more round trips cost more than the rest of the read.
 * Pending decisions are read only when the run has some.
 *
 * The ledger is what each node's model calls cost, from its usage Observations: one per model
 * call, written as the call finishes, so failed and retried Worker attempts count too (they were
 * paid for). The engine's node and run totals count only the attempt that finished; a node's
 * figure is the larger of the two, so a runner that reports usage without Observations keeps its
 * count.
 */
const RUN_VIEW_SELECT = sql`
  select s.*,
    (select coalesce(json_agg(json_build_object(
        'node_id', n.node_id, 'status', n.status, 'output', n.output, 'error', n.error, 'attempt', n.attempt,
        'tokens_in', n.tokens_in, 'tokens_out', n.tokens_out, 'started_at', n.started_at::text,
        'ended_at', n.ended_at::text, 'reused_from', n.reused_from)), '[]'::json)
     from run_node n where n.run_id = s.id) as nodes,
    (select coalesce(json_agg(json_build_object('node_id', l.node_id, 'tokens_in', l.tokens_in, 'tokens_out', l.tokens_out, 'cost', l.cost)), '[]'::json)
     from (select o.node_id, sum(o.tokens_in) as tokens_in, sum(o.tokens_out) as tokens_out, sum(${USAGE_COST})::text as cost
           from observation o where o.run_id = s.id and o.kind = 'usage' and o.node_id is not null group by o.node_id) l) as ledger,
    (select a.data->>'via' from audit_log a where a.run_id = s.id and a.action = 'run.started' order by a.id limit 1) as via,
    exists (select 1 from decision d where d.run_id = s.id and d.status = 'pending') as has_pending`;

export async function getRun(database: Database, runId: string): Promise<RunView> {
  const [r] = await database.rows<RunViewRow>(sql`${RUN_VIEW_SELECT} from (${RUN_SELECT} where r.id = ${runId}) s`);
  if (!r) throw new RunError("not_found", `No run ${runId}`);
  const graphNodes = (await runGraph(database, r.version_id))?.nodes ?? [];
  const ledger = new Map(r.ledger.map((row) => [row.node_id, { tokensIn: Number(row.tokens_in), tokensOut: Number(row.tokens_out), cost: Number(row.cost ?? 0) }]));
  const order = new Map(graphNodes.map((n, i) => [n.id, i]));
  const byId = new Map(graphNodes.map((n) => [n.id, n]));
  const nodes = r.nodes
    .map((n): RunNodeView => {
      const g = byId.get(n.node_id);
      return {
        nodeId: n.node_id,
        kind: g?.kind ?? null,
        label: g?.data.label ?? null,
        status: n.status,
        output: n.output,
        error: n.error,
        attempt: Number(n.attempt),
        tokensIn: Math.max(Number(n.tokens_in), ledger.get(n.node_id)?.tokensIn ?? 0),
        tokensOut: Math.max(Number(n.tokens_out), ledger.get(n.node_id)?.tokensOut ?? 0),
        cost: ledger.get(n.node_id)?.cost ?? 0,
        startedAt: iso(n.started_at),
        endedAt: iso(n.ended_at),
        reusedFrom: n.reused_from,
      };
    })
    .sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0));
  const pendingDecisions = r.has_pending ? await listDecisions(database, { runId, status: "pending" }) : [];
  // The run's totals already count the ledger (RUN_SELECT).
  return { ...summary(r), startedVia: r.via, nodes, pendingDecisions };
}

export const listRunsInput = z.object({
  missionId: z.string().min(1).max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  /** Simulated runs are left out unless asked for (`include`, `only`). */
  simulated: z.enum(SIMULATED_FILTERS).default("exclude"),
});
export type ListRunsInput = z.input<typeof listRunsInput>;

export type RunSummary = Omit<RunView, "nodes" | "pendingDecisions">;

/** Newest first, `limit` at a time; pass back `nextCursor` for the next page. */
export async function listRuns(database: Database, raw: ListRunsInput = {}): Promise<{ items: RunSummary[]; nextCursor: string | null }> {
  const parsed = listRunsInput.safeParse(raw);
  if (!parsed.success) throw new RunError("invalid_input", "Invalid run filter", zodProblems(parsed.error.issues));
  const q = parsed.data;
  const where = runListWhere(q, () => new RunError("invalid_input", "Invalid cursor", [{ path: "cursor", message: "is not a cursor returned by listRuns" }]));
  const rows = await database.rows<RunRow>(
    sql`${RUN_SELECT} ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
        ${RUN_LIST_ORDER} limit ${q.limit + 1}`,
  );
  const { page, nextCursor } = runListPage(rows, q.limit);
  return { items: page.map(summary), nextCursor };
}
