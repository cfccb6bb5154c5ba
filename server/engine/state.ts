import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { NodeStatus, RunSimulation } from "@/server/db/schema";
import { notify, type Database, type DbOrTx } from "@/server/db/database";
import { auditCtes, recordAudit, SYSTEM_ACTOR, type AuditActor, type AuditEntry } from "@/server/audit/record";
import { formatBytes, jsonBytes } from "@/lib/bounded";
import { boundError, boundObservationText, boundRecordData, boundVerdict, NODE_OUTPUT_MAX_BYTES } from "@/server/observations/bounds";
import { ANY_RUN_ENDED, OBSERVATION_CHANNEL, observationBus, recordObservation, RUN_ENDED, RUN_ENDED_CHANNEL } from "@/server/observations/record";
import { RUN_HEADER_COLUMNS, toRunHeader, type RunHeader, type RunHeaderRow } from "./plan";
import { PermanentError } from "./step-port";
import { PROGRESS_WINDOW_MS } from "@/server/contracts/run-window";

// Run and node state as the UI sees it (run, run_node, status Observations). Called from inside
// steps, so every write must be safe to repeat: a transition only happens from the states listed
// for it, an Observation is written only when the row really changed, and nothing changes once
// the run has ended (a cancelled run stays cancelled even if a step still finishes). What is stored
// is bounded (server/observations/bounds.ts): Observation text and data, audit data, errors and the
// verdict's summary are cut with a marker; a node's output over NODE_OUTPUT_MAX_BYTES fails the node.


const FROM: Record<NodeStatus, NodeStatus[]> = {
  pending: [],
  running: ["pending", "waiting"],
  waiting: ["pending", "running"],
  succeeded: ["pending", "running", "waiting"],
  failed: ["pending", "running", "waiting"],
  skipped: ["pending"],
};
const TERMINAL_NODE: NodeStatus[] = ["succeeded", "failed", "skipped"];
const LIVE_RUN = sql`('queued', 'running', 'waiting')`;

const json = (v: unknown) => sql`${JSON.stringify(v ?? null)}::jsonb`;

/**
 * The NOTIFY that tells other replicas about the Observation a statement inserts (CTE `obs`), and
 * the term that makes the statement evaluate it. On PGlite this process is the only one, and
 * publish() already tells it, so the statement is lighter there. `ended`: the CTE whose one row says
 * the run ended in this statement, for the run-ended NOTIFY.
 */
function notifyObs(database: Database, runId: string, ended?: SQL): { cte: SQL; count: SQL } {
  if (database.driver !== "postgres") return { cte: sql``, count: sql`` };
  if (ended) {
    return {
      cte: sql`, note as (select pg_notify(${OBSERVATION_CHANNEL}, ${runId} || ':' || obs.id) from obs),
        ended_note as (select pg_notify(${RUN_ENDED_CHANNEL}, ${runId}) from ${ended})`,
      count: sql` + (select count(*) from note) + (select count(*) from ended_note)`,
    };
  }
  return {
    cte: sql`, note as (select pg_notify(${OBSERVATION_CHANNEL}, ${runId} || ':' || obs.id) from obs)`,
    count: sql` + (select count(*) from note)`,
  };
}
const list = (items: string[]) => sql.join(items.map((s) => sql`${s}`), sql`, `);

export interface NodeChange {
  output?: unknown;
  error?: string;
  attempt?: number;
  tokensIn?: number;
  tokensOut?: number;
  /** Shown in the Observation stream, e.g. "waiting for a decision". */
  text?: string;
  data?: Record<string, unknown>;
  /**
   * The node goes straight from pending to its end (a condition, a verdict, a skip): no node of
   * the run started or stopped running or waiting, so the run's own row is left alone. Keeps the
   * hot path to one cheap statement.
   */
  direct?: boolean;
  /** When waiting: the decision's due time, so the run's deadline covers the wait. */
  dueAt?: Date;
  /** The result was taken from this (source) run instead of executing: a re-run from a later node. */
  reusedFrom?: string;
}

/** Moves one node to `to` (when allowed) and records it. Returns whether anything changed. */
export async function setNodeState(database: Database, runId: string, nodeId: string, to: NodeStatus, change: NodeChange = {}): Promise<boolean> {
  const id = await setNodeStateIn(database, database.db, runId, nodeId, to, change);
  publish(runId, id);
  return id !== null;
}

/**
 * The same inside a caller's transaction, in one statement: the node row, the run's status and
 * deadline (and token totals), the status Observation and its NOTIFY. Returns the Observation id
 * (null when nothing changed); the caller publishes it in-process after commit (publish()).
 */
export async function setNodeStateIn(
  database: Database,
  tx: DbOrTx,
  runId: string,
  nodeId: string,
  to: NodeStatus,
  change: NodeChange = {},
): Promise<number | null> {
  const terminal = TERMINAL_NODE.includes(to);
  if (change.output !== undefined) assertOutputFits(nodeId, change.output);
  const sets = [
    sql`status = ${to}`,
    to === "skipped" ? sql`started_at = started_at` : sql`started_at = coalesce(started_at, now())`,
    terminal ? sql`ended_at = now()` : sql`ended_at = null`,
  ];
  if (change.output !== undefined) sets.push(sql`output = ${json(change.output)}`);
  if (change.error !== undefined) sets.push(sql`error = ${boundError(change.error)}`);
  if (change.attempt !== undefined) sets.push(sql`attempt = ${change.attempt}`);
  if (change.tokensIn !== undefined) sets.push(sql`tokens_in = ${change.tokensIn}`);
  if (change.tokensOut !== undefined) sets.push(sql`tokens_out = ${change.tokensOut}`);
  if (change.reusedFrom !== undefined) sets.push(sql`reused_from = ${change.reusedFrom}`);
  // Other CTEs of the statement see the rows as they were, so the run's new status counts this
  // node's new state explicitly.
  const others = (status: string) => sql`exists (select 1 from run_node where run_id = ${runId} and node_id <> ${nodeId} and status = ${status})`;
  const window = sql`${PROGRESS_WINDOW_MS} * interval '1 millisecond'`;
  const runSets: SQL[] = [];
  if (!change.direct || to === "running" || to === "waiting") {
    if (to === "running") runSets.push(sql`status = 'running'`);
    else if (to === "waiting") runSets.push(sql`status = case when ${others("running")} then 'running' else 'waiting' end`);
    else runSets.push(sql`status = case when ${others("running")} then 'running' when ${others("waiting")} then 'waiting' else 'running' end`);
    const until = to === "waiting" && change.dueAt ? sql`${change.dueAt.toISOString()}::timestamptz + ${window}` : sql`now() + ${window}`;
    runSets.push(sql`deadline_at = greatest(deadline_at, ${until})`);
  }
  for (const [column, value] of [["tokens_in", change.tokensIn], ["tokens_out", change.tokensOut]] as const) {
    if (value === undefined) continue;
    runSets.push(sql`${sql.raw(column)} = ${value} + (select coalesce(sum(${sql.raw(column)}), 0) from run_node where run_id = ${runId} and node_id <> ${nodeId})`);
  }
  const runUpdate = runSets.length
    ? sql`, run_upd as (update run set ${sql.join(runSets, sql`, `)} where id = ${runId} and status in ${LIVE_RUN} and exists (select 1 from upd) returning 1)`
    : sql``;
  const data = boundRecordData({ status: to, ...(change.error ? { error: change.error } : {}), ...change.data });
  const note = notifyObs(database, runId);
  const [row] = await database.rows<{ id: number | string | null }>(
    sql`with upd as (
          update run_node set ${sql.join(sets, sql`, `)}
          where run_id = ${runId} and node_id = ${nodeId} and status in (${list(FROM[to])})
            and exists (select 1 from run where id = ${runId} and status in ${LIVE_RUN})
          returning node_id, attempt)${runUpdate},
        obs as (
          insert into observation (run_id, node_id, attempt, kind, text, data)
          select ${runId}, ${nodeId}, upd.attempt, 'status', ${boundObservationText(change.text ?? `${nodeId} ${to}`)}, ${json(data)} from upd
          returning id)${note.cte}
        select (select id from obs) as id, 0${note.count}${runSets.length ? sql` + (select count(*) from run_upd)` : sql``} as n`,
    tx,
  );
  return row?.id === null || row?.id === undefined ? null : Number(row.id);
}

/**
 * A node's output is what later nodes compute with, so it is never cut: one too large to store
 * fails the node (retrying would give the same output).
 */
function assertOutputFits(nodeId: string, output: unknown): void {
  const bytes = jsonBytes(output);
  if (bytes > NODE_OUTPUT_MAX_BYTES) {
    throw new PermanentError(`${nodeId}: its output is ${formatBytes(bytes)}; a node's output may be at most ${formatBytes(NODE_OUTPUT_MAX_BYTES)}`);
  }
}

/**
 * Whether the run may still act. Checked right before a call to a system of record, so a run
 * cancelled while an earlier step ran makes no further call even if its steps go on briefly.
 */
/**
 * Keeps a live run's deadline past `until` (plus the progress window), as a waiting node's
 * `dueAt` does: for a wait that has no node row of its own (a step inside a For each).
 */
export async function extendRunDeadline(database: Database, runId: string, until: Date): Promise<void> {
  await database.rows(
    sql`update run set deadline_at = greatest(deadline_at, ${until.toISOString()}::timestamptz + ${PROGRESS_WINDOW_MS} * interval '1 millisecond')
        where id = ${runId} and status in ${LIVE_RUN} returning 1`,
  );
}

export async function runIsLive(database: Database, runId: string): Promise<boolean> {
  const rows = await database.rows(sql`select 1 from run where id = ${runId} and status in ${LIVE_RUN}`);
  return rows.length > 0;
}

/** Tells in-process subscribers about Observations, once their transaction has committed. */
export function publish(runId: string, ...ids: (number | null)[]): void {
  for (const id of ids) if (id !== null) observationBus().emit(runId, id);
}

/**
 * Tells in-process subscribers that the run has ended, once that has committed (`id`: its last
 * Observation, when known): a request waiting for the run's result reads it then, not on every step.
 */
export function publishRunEnd(runId: string, id: number | null = null): void {
  observationBus().emit(runId, id, RUN_ENDED);
  observationBus().emit(ANY_RUN_ENDED, runId);
}

/**
 * A node that goes straight from pending to its end without running or waiting (a condition
 * taking a branch, a node on a pruned branch): the run's own row is not touched.
 */
export interface DirectChange {
  nodeId: string;
  to: "succeeded" | "skipped";
  output?: unknown;
  attempt?: number;
  text: string;
  data?: Record<string, unknown>;
}

/**
 * The CTEs of a statement that applies direct changes, with the same guards as setNodeStateIn
 * (the node is still pending, the run still live): `direct_v` (the changes), `direct_upd` (the
 * rows changed), and the Observation rows they give, as `select` columns (ord, node_id, attempt,
 * text, data) for the caller to insert in order. `gate`: a further condition on the statement's
 * other CTEs.
 */
function directChanges(runId: string, changes: DirectChange[], gate?: SQL): { ctes: SQL; observations: SQL } {
  const rows = changes.map(
    (c, i) =>
      sql`(${i}::int, ${c.nodeId}::text, ${c.to}::text, ${c.output !== undefined}::boolean, ${json(c.output)}, ${c.attempt ?? null}::int, ${boundObservationText(c.text)}::text, ${json(boundRecordData({ status: c.to, ...c.data }))})`,
  );
  return {
    ctes: sql`direct_v (ord, node_id, status, has_output, output, attempt, text, data) as (values ${sql.join(rows, sql`, `)}),
        direct_upd as (
          update run_node r set status = v.status,
                 started_at = case when v.status = 'skipped' then r.started_at else coalesce(r.started_at, now()) end,
                 ended_at = now(),
                 output = case when v.has_output then v.output else r.output end,
                 attempt = coalesce(v.attempt, r.attempt)
          from direct_v v
          where r.run_id = ${runId} and r.node_id = v.node_id and r.status = 'pending'
            and exists (select 1 from run where id = ${runId} and status in ${LIVE_RUN})${gate ? sql` and ${gate}` : sql``}
          returning r.node_id)`,
    observations: sql`select v.ord, v.node_id, coalesce(v.attempt, 0) as attempt, v.text, v.data from direct_v v join direct_upd u on u.node_id = v.node_id`,
  };
}

/**
 * Inserts a statement's status Observations (CTE `obs`) in `ord` order, so their ids keep it
 * (data-modifying CTEs run in no set order), with the NOTIFY for other replicas; the statement
 * selects `columns`: the ids as `ids` (jsonb array, in order) and the term that sends the NOTIFY.
 */
function statusObservations(database: Database, runId: string, rows: SQL, ended?: SQL): { ctes: SQL; columns: SQL } {
  const note = notifyObs(database, runId, ended);
  const columns = sql`(select jsonb_agg(id order by id) from obs) as ids, 0${note.count} as n`;
  return {
    ctes: sql`obs as (
          insert into observation (run_id, node_id, attempt, kind, text, data)
          select ${runId}, x.node_id, x.attempt, 'status', x.text, x.data from (${rows}) x order by x.ord
          returning id)${note.cte}`,
    columns,
  };
}

const idsOf = (row: { ids: (number | string)[] | null } | undefined): number[] => (row?.ids ?? []).map(Number);

/** Several direct changes of one run in one statement. Returns the Observation ids, in the order given, for publish() once committed. */
export async function setDirectStates(database: Database, runId: string, changes: DirectChange[], on?: DbOrTx): Promise<number[]> {
  if (!changes.length) return [];
  const direct = directChanges(runId, changes);
  const obs = statusObservations(database, runId, direct.observations);
  const [row] = await database.rows<{ ids: (number | string)[] | null }>(sql`with ${direct.ctes}, ${obs.ctes} select ${obs.columns}`, on);
  return idsOf(row);
}

/** Several nodes skipped at once (a pruned branch and everything only it leads to). */
export function skipChanges(nodeIds: string[], because: string): DirectChange[] {
  return nodeIds.map((id) => ({ nodeId: id, to: "skipped", text: `${id} skipped: ${because}`, data: { because } }));
}

export interface QueuedRun {
  runId: string;
  missionId: string;
  versionId: string;
  input: unknown;
  channel: string;
  userId: string | null;
  tokenBudget: number | null;
  costBudget: number | null;
  /** Worker step id → registered model id, for this run only. */
  modelOverrides?: Record<string, string> | null;
  rerunOf: { runId: string; fromNodeId: string } | null;
  /** A child run: the run and the Call mission step that started it. */
  parent?: { runId: string; nodeId: string };
  /** A simulation of a test case: what it answers with instead of acting. */
  simulation?: RunSimulation | null;
  /** Every node of the version: each gets a pending row. */
  nodeIds: string[];
  /** The "queued" status Observation. */
  text: string;
  data: Record<string, unknown>;
}

/**
 * A new run (queued), a pending row per node, its first Observation and its audit entry, in one
 * statement (atomic without a transaction). Returns the Observation id to publish; null when
 * `guard`, a condition checked in the same statement, does not hold, and nothing was stored.
 */
export async function insertQueuedRun(database: Database, r: QueuedRun, audit: AuditEntry, guard?: SQL): Promise<number | null> {
  const note = notifyObs(database, r.runId);
  // The run keeps its whole input; its audit entry and first Observation keep a bounded copy.
  const append = auditCtes({ ...audit, data: boundRecordData(audit.data) }, sql`exists (select 1 from ins)`);
  const [row] = await database.rows<{ id: number | string | null }>(
    sql`with ins as (
          insert into run (id, mission_id, version_id, status, input, channel, started_by, token_budget, cost_budget, model_overrides, deadline_at, rerun_of, rerun_from, parent_run_id, parent_node_id, simulation)
          select ${r.runId}, ${r.missionId}, ${r.versionId}, 'queued', ${json(r.input)}, ${r.channel}, ${r.userId}, ${r.tokenBudget}::integer, ${r.costBudget}::numeric,
                 ${r.modelOverrides ? json(r.modelOverrides) : sql`null::jsonb`},
                 now() + ${PROGRESS_WINDOW_MS} * interval '1 millisecond', ${r.rerunOf?.runId ?? null}, ${r.rerunOf?.fromNodeId ?? null},
                 ${r.parent?.runId ?? null}, ${r.parent?.nodeId ?? null}, ${r.simulation ? json(r.simulation) : sql`null::jsonb`}
          -- A start on this process's guess of the published version (server/runs/published-guess.ts) stores nothing when it is wrong.
          where ${guard ?? sql`true`}
          returning id),
        nodes as (
          insert into run_node (run_id, node_id, status)
          select ins.id, n.node_id, 'pending' from ins, jsonb_array_elements_text(${JSON.stringify(r.nodeIds)}::jsonb) as n(node_id)),
        obs as (
          insert into observation (run_id, kind, text, data) select ins.id, 'status', ${boundObservationText(r.text)}, ${json(boundRecordData(r.data))} from ins returning id)${note.cte},
        ${append.ctes}
        select (select id from obs) as id, 0${note.count} as n`,
  );
  return row?.id === null || row?.id === undefined ? null : Number(row.id);
}

/**
 * queued → running, once, in one statement that also gives the run's header. Null when the run was
 * not queued (it started before, or ended): read the header then.
 */
export async function markRunStarted(database: Database, runId: string): Promise<{ header: RunHeader; observationId: number | null } | null> {
  const note = notifyObs(database, runId);
  const [row] = await database.rows<RunHeaderRow & { obs_id: number | string | null }>(
    sql`with upd as (
          update run set status = 'running', started_at = coalesce(started_at, now()),
                         deadline_at = now() + ${PROGRESS_WINDOW_MS} * interval '1 millisecond'
          where id = ${runId} and status = 'queued' returning ${RUN_HEADER_COLUMNS}),
        obs as (
          insert into observation (run_id, kind, text, data)
          select ${runId}, 'status', 'Run started', ${json({ status: "running" })} from upd returning id)${note.cte}
        select upd.*, (select id from obs) as obs_id, 0${note.count} as n from upd`,
  );
  if (!row) return null;
  return { header: toRunHeader(row), observationId: row.obs_id === null ? null : Number(row.obs_id) };
}

export interface RunVerdict {
  outcome: string;
  summary: string;
}

/** The verdict's audit entry, appended by the statement that sets it when `when` holds. */
const verdictAudit = (runId: string, verdict: RunVerdict, when: SQL) =>
  auditCtes({ action: "run.verdict", targetType: "run", targetId: runId, runId, data: { ...verdict } }, when);

/**
 * Sets the run's verdict when it has none yet (the first verdict wins) and records it in the audit
 * log, with direct changes in the same statement (what the engine call held, the verdict node's
 * own among them, in order). Returns whether this verdict was set and the Observation ids, in the order of
 * `changes`, to publish once committed.
 */
export async function setRunVerdict(
  database: Database,
  runId: string,
  unbounded: RunVerdict,
  changes: DirectChange[] = [],
  on?: DbOrTx,
): Promise<{ set: boolean; ids: number[] }> {
  // A re-run may copy a verdict stored before summaries were bounded.
  const verdict = boundVerdict(unbounded);
  const direct = changes.length ? directChanges(runId, changes) : null;
  const obs = direct ? statusObservations(database, runId, direct.observations) : null;
  const append = verdictAudit(runId, verdict, sql`exists (select 1 from verdict_upd)`);
  const [row] = await database.rows<{ set: boolean; ids: (number | string)[] | null }>(
    sql`with verdict_upd as (
          update run set verdict = ${json(verdict)} where id = ${runId} and verdict is null and status in ${LIVE_RUN} returning 1)${
            direct && obs ? sql`, ${direct.ctes}, ${obs.ctes}` : sql``
          }, ${append.ctes}
        select exists (select 1 from verdict_upd) as set, ${obs ? obs.columns : sql`null::jsonb as ids`}`,
    on,
  );
  return { set: row?.set === true, ids: idsOf(row) };
}

/**
 * The walk finished: the run succeeded. Returns false when it had already ended (cancelled
 * meanwhile). The last line reads the outcome's label (`labels`: identifier → label) where the
 * mission gives one. `held` (direct changes) and `verdict` (when none is set yet) are what the
 * engine call held (held-states.ts): written in this statement, in order, before the run's end, so
 * that a run ending right after its verdict takes one statement instead of two.
 */
export async function markRunSucceeded(
  database: Database,
  runId: string,
  labels: Readonly<Record<string, string>> = {},
  held: DirectChange[] = [],
  unboundedVerdict: RunVerdict | null = null,
): Promise<boolean> {
  const end = runSucceededCtes(database, runId, labels, held, unboundedVerdict);
  const [row] = await database.rows<RunSucceededRow>(sql`with ${end.ctes} select ${end.columns}`);
  return end.committed(row);
}

/** The columns runSucceededCtes' statement selects. */
export interface RunSucceededRow {
  run_ended: boolean;
  ids: (number | string)[] | null;
}

/**
 * markRunSucceeded's writes as CTEs of a statement that may do more, and the columns it must select.
 * `gate`: a condition on the statement's other CTEs (the engine's own end: the run ends only when
 * the engine's run does). `committed` publishes what was written, once the statement has
 * committed, and says whether the run ended.
 */
export function runSucceededCtes(
  database: Database,
  runId: string,
  labels: Readonly<Record<string, string>>,
  held: DirectChange[],
  unboundedVerdict: RunVerdict | null,
  gate?: SQL,
): { ctes: SQL; columns: SQL; committed(row: RunSucceededRow | undefined): boolean } {
  // Bounded as setRunVerdict bounds every verdict it stores.
  const verdict = unboundedVerdict ? boundVerdict(unboundedVerdict) : null;
  const direct = held.length ? directChanges(runId, held, gate) : null;
  // The run's last Observation comes after the held changes' (statusObservations keeps `ord`).
  const end = sql`select ${held.length}::int as ord, null::text as node_id, 0 as attempt,
          case when upd.verdict is null then 'Run completed, with no verdict'
               else 'Run completed: ' || coalesce(${json(labels)} ->> (upd.verdict->>'outcome'), upd.verdict->>'outcome') end as text,
          jsonb_build_object('status', 'succeeded', 'verdict', upd.verdict) as data
        from upd`;
  const obs = statusObservations(database, runId, direct ? sql`${direct.observations} union all ${end}` : end, sql`upd`);
  // Every CTE reads the run as it was before this statement: `before_end` tells whether it had a verdict.
  const append = verdict ? verdictAudit(runId, verdict, sql`exists (select 1 from before_end b, upd where b.verdict is null)`) : null;
  return {
    ctes: sql`before_end as (select verdict from run where id = ${runId}),
        upd as (
          update run set status = 'succeeded', ended_at = now(), deadline_at = null, verdict = coalesce(verdict, ${verdict ? json(verdict) : sql`null::jsonb`})
          where id = ${runId} and status in ${LIVE_RUN}${gate ? sql` and ${gate}` : sql``} returning verdict)${direct ? sql`, ${direct.ctes}` : sql``},
        ${obs.ctes}${append ? sql`, ${append.ctes}` : sql``}`,
    columns: sql`exists (select 1 from upd) as run_ended, ${obs.columns}`,
    committed(row) {
      const ids = idsOf(row);
      if (!row?.run_ended) {
        publish(runId, ...ids);
        return false;
      }
      publish(runId, ...ids.slice(0, -1));
      publishRunEnd(runId, ids.at(-1) ?? null);
      return true;
    },
  };
}

/**
 * Ends a run as failed or cancelled, once: nodes still running or waiting are failed with the
 * reason, pending decisions are cancelled (nobody should decide for a run that is over).
 */
export async function endRunWith(
  database: Database,
  runId: string,
  status: "failed" | "cancelled",
  fullReason: string,
  on?: DbOrTx,
  /** Who ended it, for the audit log (a canceller); the engine otherwise. */
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<boolean> {
  const reason = boundError(fullReason);
  const body = async (tx: DbOrTx) => {
    const changed = await database.rows(
      sql`update run set status = ${status}, error = ${reason}, ended_at = now(), deadline_at = null
          where id = ${runId} and status in ${LIVE_RUN} returning 1`,
      tx,
    );
    if (!changed.length) return false;
    const nodeError = status === "cancelled" ? "The run was cancelled" : `The run failed: ${reason}`;
    const stopped = await database.rows<{ node_id: string }>(
      sql`update run_node set status = 'failed', error = ${nodeError}, ended_at = now()
          where run_id = ${runId} and status in ('running', 'waiting') returning node_id`,
      tx,
    );
    for (const n of stopped) {
      await recordObservation(
        database,
        { runId, nodeId: n.node_id, kind: "status", text: `${n.node_id} failed: ${nodeError}`, data: { status: "failed", error: nodeError } },
        tx,
      );
    }
    await tx.execute(
      sql`update decision set status = 'cancelled', decided_at = now(), reason = coalesce(reason, ${`Run ${status}`})
          where run_id = ${runId} and status = 'pending'`,
    );
    await recordObservation(
      database,
      { runId, kind: "status", text: status === "failed" ? `Run failed: ${reason}` : `Run cancelled: ${reason}`, data: { status, reason } },
      tx,
    );
    if (database.driver === "postgres") await notify(database, RUN_ENDED_CHANNEL, runId, tx);
    // Last: the audit writers' lock is held until this transaction ends.
    await recordAudit(tx, { action: status === "failed" ? "run.failed" : "run.cancelled", actor, targetType: "run", targetId: runId, runId, data: { reason } }, tx);
    return true;
  };
  if (on) return body(on); // the caller publishes the end once its transaction has committed
  const ended = await database.db.transaction(body);
  if (ended) publishRunEnd(runId);
  return ended;
}
