import "server-only";
import crypto from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { describeProblems, zodProblems } from "@/lib/errors";
import { validateForRun } from "@/lib/mission/validate";
import { channelSchema, missionGraphSchema, type Channel, type MissionGraph } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { RUN_STATUSES, type NodeStatus, type RunStatus } from "@/server/db/schema";
import { listDecisions, type DecisionView } from "@/server/decisions/queries";
import { getEngineDeps } from "@/server/engine/deps";
import { RUN_CANCEL_REQUESTED, RUN_REQUESTED, type SendEvents } from "@/server/engine/events";
import { endRunWith, PROGRESS_WINDOW_MS } from "@/server/engine/state";
import { recordObservation } from "@/server/observations/record";
import { RunError } from "./errors";
import { parseRunInput } from "./input";

export interface RunServiceOptions {
  /** Where events go (default: the registered engine). */
  send?: SendEvents;
}

const TERMINAL: RunStatus[] = ["succeeded", "failed", "cancelled"];

export const startRunInput = z.object({
  missionId: z.string().min(1, "must not be empty").max(100),
  versionId: z.string().min(1).max(100).optional(),
  input: z.unknown().optional(),
  channel: channelSchema.default("manual"),
  userId: z.string().min(1).max(200).nullable(),
  tokenBudget: z.number().int().positive().optional(),
});
export type StartRunInput = z.input<typeof startRunInput>;

/**
 * Starts a run of a mission version (the latest when none is named): refuses a version with
 * validation problems and an input that does not fit the trigger's fields, then inserts the run
 * (queued) with one pending row per node, and asks the engine to run it. The event id is the run
 * id, so a repeated request (or the sweeper's re-send) never starts it twice.
 */
export async function startRun(database: Database, raw: StartRunInput, opts: RunServiceOptions = {}): Promise<{ runId: string }> {
  const parsed = startRunInput.safeParse(raw);
  if (!parsed.success) throw new RunError("invalid_input", "Invalid run request", zodProblems(parsed.error.issues));
  const req = parsed.data;

  const [m] = await database.rows<{ id: string; latest_version: number; archived: boolean }>(
    sql`select id, latest_version, archived_at is not null as archived from mission where id = ${req.missionId}`,
  );
  if (!m) throw new RunError("not_found", `No mission ${req.missionId}`);
  if (m.archived) throw new RunError("conflict", `Mission ${req.missionId} is archived: restore it to run it`);
  const [v] = req.versionId
    ? await database.rows<{ id: string; number: number; graph: unknown }>(
        sql`select id, number, graph from mission_version where id = ${req.versionId} and mission_id = ${m.id}`,
      )
    : await database.rows<{ id: string; number: number; graph: unknown }>(
        sql`select id, number, graph from mission_version where mission_id = ${m.id} and number = ${m.latest_version}`,
      );
  if (!v) {
    throw req.versionId
      ? new RunError("not_found", `Mission ${m.id} has no version ${req.versionId}`)
      : new RunError("invalid_version", `Mission ${m.id} has no saved version yet: save one to run it`);
  }
  const shape = missionGraphSchema.safeParse(v.graph);
  if (!shape.success) throw new RunError("invalid_version", `Version ${v.number} is not a valid mission`, zodProblems(shape.error.issues, "graph"));
  const graph: MissionGraph = shape.data;
  const problems = validateForRun(graph);
  if (problems.length) {
    throw new RunError("invalid_version", `Version ${v.number} cannot run: ${describeProblems(problems)}`, problems);
  }

  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  if (!trigger || trigger.kind !== "trigger") throw new RunError("invalid_version", `Version ${v.number} has no trigger`);
  if (!trigger.data.channels.includes(req.channel)) {
    throw new RunError("invalid_input", `This mission cannot be started from the ${req.channel} channel`, [
      { path: "channel", message: `must be one of ${trigger.data.channels.join(", ")}` },
    ]);
  }
  const input = parseRunInput(trigger.data.fields, req.input);
  if (!input.ok) throw new RunError("invalid_input", `Invalid input: ${describeProblems(input.problems)}`, input.problems);

  const runId = crypto.randomUUID();
  await database.db.transaction(async (tx) => {
    await tx.execute(
      sql`insert into run (id, mission_id, version_id, status, input, channel, started_by, token_budget, deadline_at)
          values (${runId}, ${m.id}, ${v.id}, 'queued', ${JSON.stringify(input.input)}::jsonb, ${req.channel}, ${req.userId},
                  ${req.tokenBudget ?? null}, now() + ${PROGRESS_WINDOW_MS} * interval '1 millisecond')`,
    );
    const values = graph.nodes.map((n) => sql`(${runId}, ${n.id}, 'pending')`);
    for (let i = 0; i < values.length; i += 500) {
      await tx.execute(sql`insert into run_node (run_id, node_id, status) values ${sql.join(values.slice(i, i + 500), sql`, `)}`);
    }
    await recordObservation(
      database,
      { runId, kind: "status", text: `Run queued (version ${v.number}, ${req.channel})`, data: { status: "queued", version: v.number, channel: req.channel } },
      tx,
    );
  });
  try {
    await (opts.send ?? getEngineDeps().send)({ name: RUN_REQUESTED, id: runId, data: { runId } });
  } catch (e) {
    // The run is stored: the sweeper re-sends the request, and the deadline bounds the wait.
    console.warn(`[runs] run ${runId} is queued but the engine did not take it yet:`, e instanceof Error ? e.message : e);
  }
  return { runId };
}

/** Cancels a live run: recorded at once, then the engine is told to stop it. */
export async function cancelRun(database: Database, runId: string, userId: string | null, opts: RunServiceOptions = {}): Promise<{ runId: string; status: "cancelled" }> {
  const [r] = await database.rows<{ status: RunStatus }>(sql`select status from run where id = ${runId}`);
  if (!r) throw new RunError("not_found", `No run ${runId}`);
  if (TERMINAL.includes(r.status)) throw new RunError("conflict", `Run ${runId} already ${r.status}: nothing to cancel`);
  const ended = await endRunWith(database, runId, "cancelled", userId ? `Cancelled by ${userId}` : "Cancelled");
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
  return { runId, status: "cancelled" };
}

/** Starts a new run with the same mission version, input and channel. */
export async function rerun(database: Database, runId: string, userId: string | null, opts: RunServiceOptions = {}): Promise<{ runId: string }> {
  const [r] = await database.rows<{ mission_id: string; version_id: string; input: Record<string, unknown>; channel: Channel; token_budget: number | null }>(
    sql`select mission_id, version_id, input, channel, token_budget from run where id = ${runId}`,
  );
  if (!r) throw new RunError("not_found", `No run ${runId}`);
  return startRun(
    database,
    {
      missionId: r.mission_id,
      versionId: r.version_id,
      input: r.input,
      channel: r.channel,
      userId,
      ...(r.token_budget !== null ? { tokenBudget: Number(r.token_budget) } : {}),
    },
    opts,
  );
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
  startedAt: string | null;
  endedAt: string | null;
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
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  deadlineAt: string | null;
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
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  deadline_at: string | null;
}

const iso = (v: string | null) => (v === null ? null : new Date(v).toISOString());

const RUN_SELECT = sql`
  select r.id, r.mission_id, m.name as mission_name, r.version_id, v.number as version_number, r.status, r.verdict, r.error,
         r.input, r.channel, r.started_by, r.tokens_in, r.tokens_out, r.cost::text as cost, r.created_at::text as created_at,
         r.started_at::text as started_at, r.ended_at::text as ended_at, r.deadline_at::text as deadline_at
  from run r join mission m on m.id = r.mission_id join mission_version v on v.id = r.version_id`;

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
    createdAt: iso(r.created_at) ?? "",
    startedAt: iso(r.started_at),
    endedAt: iso(r.ended_at),
    deadlineAt: iso(r.deadline_at),
  };
}

/** A run with every node's state, times and output, and its pending decisions. */
export async function getRun(database: Database, runId: string): Promise<RunView> {
  const [r] = await database.rows<RunRow>(sql`${RUN_SELECT} where r.id = ${runId}`);
  if (!r) throw new RunError("not_found", `No run ${runId}`);
  const [graphRow] = await database.rows<{ graph: MissionGraph }>(sql`select graph from mission_version where id = ${r.version_id}`);
  const graphNodes = graphRow?.graph.nodes ?? [];
  const rows = await database.rows<{
    node_id: string;
    status: NodeStatus;
    output: unknown;
    error: string | null;
    attempt: number;
    tokens_in: number;
    tokens_out: number;
    started_at: string | null;
    ended_at: string | null;
  }>(
    sql`select node_id, status, output, error, attempt, tokens_in, tokens_out, started_at::text as started_at, ended_at::text as ended_at
        from run_node where run_id = ${runId}`,
  );
  const order = new Map(graphNodes.map((n, i) => [n.id, i]));
  const byId = new Map(graphNodes.map((n) => [n.id, n]));
  const nodes = rows
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
        tokensIn: Number(n.tokens_in),
        tokensOut: Number(n.tokens_out),
        startedAt: iso(n.started_at),
        endedAt: iso(n.ended_at),
      };
    })
    .sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0));
  const pendingDecisions = await listDecisions(database, { runId, status: "pending" });
  return { ...summary(r), nodes, pendingDecisions };
}

export const listRunsInput = z.object({
  missionId: z.string().min(1).max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type ListRunsInput = z.input<typeof listRunsInput>;

export type RunSummary = Omit<RunView, "nodes" | "pendingDecisions">;

/** Newest first, `limit` at a time; pass back `nextCursor` for the next page. */
export async function listRuns(database: Database, raw: ListRunsInput = {}): Promise<{ items: RunSummary[]; nextCursor: string | null }> {
  const parsed = listRunsInput.safeParse(raw);
  if (!parsed.success) throw new RunError("invalid_input", "Invalid run filter", zodProblems(parsed.error.issues));
  const q = parsed.data;
  const where: SQL[] = [];
  if (q.missionId) where.push(sql`r.mission_id = ${q.missionId}`);
  if (q.status) where.push(sql`r.status = ${q.status}`);
  if (q.from) where.push(sql`r.created_at >= ${q.from.toISOString()}::timestamptz`);
  if (q.to) where.push(sql`r.created_at < ${q.to.toISOString()}::timestamptz`);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    where.push(sql`(r.created_at, r.id) < (${c.at}::timestamptz, ${c.id})`);
  }
  const rows = await database.rows<RunRow>(
    sql`${RUN_SELECT} ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
        order by r.created_at desc, r.id desc limit ${q.limit + 1}`,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(summary),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}

// The cursor keeps the database's own timestamp text: microseconds survive, so no row is skipped or repeated.
function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof at === "string" && typeof id === "string" && !Number.isNaN(new Date(at).getTime())) return { at, id };
  } catch {
    // reported below
  }
  throw new RunError("invalid_input", "Invalid cursor", [{ path: "cursor", message: "is not a cursor returned by listRuns" }]);
}
