import "server-only";
import crypto from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import type { Database, DbOrTx } from "@/server/db/database";
import { durationMs } from "./durations";
import { NOTHING_HELD, type HeldWrites } from "./executor-options";
import { CRON_EVENT } from "./cron-clock";
import { equalityPaths, matches, valueAt } from "./matching";
import { maxAttempts, type EngineEventPayload, type FunctionConfig, type MemoizedStep, type StepResult } from "./protocol";

// SQL for the embedded executor's state (engine_* tables). Every method that changes several rows
// takes the caller's transaction; none does I/O besides the database.

export type EngineRunStatus = "running" | "completed" | "failed" | "cancelled";

export interface EngineRunRow {
  id: string;
  fn_id: string;
  event: EngineEventPayload;
  status: EngineRunStatus;
  max_attempts: number;
  parent_run_id: string | null;
  parent_step_id: string | null;
  output: unknown;
  error: unknown;
}

export interface JobRow {
  /** bigint, kept as text: the two drivers disagree on how to return int8. */
  id: string;
  run_id: string;
  kind: "call" | "timeout";
  step_id: string;
  attempt: number;
  dedupe_key: string | null;
}

export interface NewWait {
  runId: string;
  hashedId: string;
  kind: "event" | "sleep" | "invoke";
  eventName: string | null;
  expr: string | null;
  expiresAt: Date | null;
}

export interface CreatedWait {
  runId: string;
  hashedId: string;
  eventName: string | null;
  expr: string | null;
}

export interface ClaimedJob {
  job: JobRow;
  /** Null when the run is gone. `output` and `error` are not loaded. */
  run: EngineRunRow | null;
  steps: MemoizedStep[];
  /** Other parallel steps of the run are still queued or running. */
  planned: boolean;
  /** The job's step is already memoized (a planned step that ran twice). */
  memoized: boolean;
  /** Another job was due when this one was claimed: worth waking another worker. */
  more: boolean;
}

export const FAILED_EVENT = "inngest/function.failed";
export const INVOKED_EVENT = "inngest/function.invoked";
export const DISCOVERY = "step";

const discoverKey = (runId: string) => `${runId}:discover`;
const stepKey = (runId: string, hashedId: string) => `${runId}:step:${hashedId}`;
const timeoutKey = (runId: string, hashedId: string) => `${runId}:timeout:${hashedId}`;

const json = (v: unknown) => sql`${JSON.stringify(v ?? null)}::jsonb`;

/** What one transaction did that the worker loop must react to after commit. */
export class TxEffects {
  jobs = 0;
  waits: CreatedWait[] = [];
  /** Runs this transaction ended. */
  ended: string[] = [];
}

export class ExecutorStore {
  constructor(private readonly database: Database) {}

  get db() {
    return this.database.db;
  }

  rows<T>(query: ReturnType<typeof sql>, on?: DbOrTx): Promise<T[]> {
    return this.database.rows<T>(query, on);
  }

  async saveFunctions(fns: FunctionConfig[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const f of fns) {
        await tx.execute(
          sql`insert into engine_function (id, config) values (${f.id}, ${json(f)}) on conflict (id) do update set config = excluded.config`,
        );
      }
    });
  }

  /* ───── events ───── */

  /**
   * Persists events and reacts to each: starts triggered runs, resumes matching waits, cancels
   * runs whose cancelOn matches. An event id seen before is ignored (sending is idempotent).
   */
  async ingest(tx: DbOrTx, events: EngineEventPayload[], fns: FunctionConfig[], fx: TxEffects): Promise<void> {
    for (const evt of events) {
      const runs = triggeredBy(fns, evt).map((fn, i) => runInsert(`run_${i}`, crypto.randomUUID(), fn, evt, null, sql`from ins`));
      // Stored, the runs it triggers created, and the waits stored before it read, in one
      // statement (one row per wait, or one row without a wait; none when the event id was seen
      // before, and then no run is created either).
      const rows = await this.rows<{ received_at: string; run_id: string | null; hashed_id: string | null; expr: string | null; event: EngineEventPayload | null }>(
        sql`with ins as (
              insert into engine_event (id, name, payload, received_at) values (${evt.id}, ${evt.name}, ${json(evt)}, clock_timestamp())
              on conflict (id) do nothing returning received_at)${sql.join(runs.map((r) => sql`, ${r}`))}
            select ins.received_at::text as received_at, w.run_id, w.hashed_id, w.expr, w.event
            from ins left join lateral (
              select w.run_id, w.hashed_id, w.expr, r.event from engine_wait w join engine_run r on r.id = w.run_id
              where w.kind = 'event' and w.event_name = ${evt.name} and w.created_at <= ins.received_at and r.status = 'running') w on true`,
        tx,
      );
      const receivedAt = rows[0]?.received_at;
      if (!receivedAt) continue;
      fx.jobs += runs.length;

      for (const w of rows) {
        if (!w.run_id || !w.hashed_id || !w.event) continue;
        if (matches(w.expr, { event: w.event, async: evt })) await this.resolveWait(tx, w.run_id, w.hashed_id, { data: evt }, fx);
      }

      for (const fn of fns) {
        for (const rule of fn.cancel ?? []) {
          if (rule.event !== evt.name) continue;
          await this.cancelMatching(tx, fn, rule, evt, receivedAt, fx);
        }
      }
    }
  }

  /**
   * One event that no cancellation rule names, stored with the runs it triggers in one statement
   * outside any transaction, the common case (a run requested). False, with nothing stored, when
   * a running run waits for an event of that name: then ingest() must match the waits, in a
   * transaction with the event.
   */
  async ingestAlone(evt: EngineEventPayload, fns: FunctionConfig[], fx: TxEffects, leaseMs?: number): Promise<{ handed?: ClaimedJob } | false> {
    if (fns.some((fn) => fn.cancel?.some((rule) => rule.event === evt.name))) return false;
    const triggered = triggeredBy(fns, evt);
    // With `leaseMs`, a single run's first job is created leased, for the caller's worker to process.
    const lease = triggered.length === 1 ? leaseMs : undefined;
    const ids = triggered.map(() => crypto.randomUUID());
    const runs = triggered.map((fn, i) => runInsert(`run_${i}`, ids[i] as string, fn, evt, null, sql`from ins`, lease));
    const [row] = await this.rows<{ waited: boolean; stored: boolean; job_id: string | null }>(
      sql`with waited as (
            select exists (select 1 from engine_wait w join engine_run r on r.id = w.run_id
                           where w.kind = 'event' and w.event_name = ${evt.name} and r.status = 'running') as waiting),
          ins as (
            insert into engine_event (id, name, payload, received_at)
            select ${evt.id}, ${evt.name}, ${json(evt)}, clock_timestamp() where not (select waiting from waited)
            on conflict (id) do nothing returning received_at)${sql.join(runs.map((r) => sql`, ${r}`))}
          select (select waiting from waited) as waited, exists (select 1 from ins) as stored${
            lease === undefined ? sql`, null as job_id` : sql`, (select id::text from run_0_job) as job_id`
          }`,
    );
    if (row?.waited) return false;
    if (!row?.stored) return {};
    const [fn] = triggered;
    const runId = ids[0];
    if (lease === undefined || !row.job_id || !fn || !runId) {
      fx.jobs += runs.length;
      return {};
    }
    const job: JobRow = { id: row.job_id, run_id: runId, kind: "call", step_id: DISCOVERY, attempt: 0, dedupe_key: discoverKey(runId) };
    const run: EngineRunRow = { id: runId, fn_id: fn.id, event: evt, status: "running", max_attempts: maxAttempts(fn), parent_run_id: null, parent_step_id: null, output: null, error: null };
    return { handed: { job, run, steps: [], planned: false, memoized: false, more: false } };
  }

  private async cancelMatching(
    tx: DbOrTx,
    fn: FunctionConfig,
    rule: NonNullable<FunctionConfig["cancel"]>[number],
    evt: EngineEventPayload,
    receivedAt: string,
    fx: TxEffects,
  ): Promise<void> {
    const eq = rule.if ? equalityPaths(rule.if) : null;
    const wanted = eq ? valueAt(evt, eq.asyncPath) : undefined;
    if (eq && (wanted === undefined || wanted === null)) return;
    const filter = eq ? sql`and r.event #>> ${`{${eq.eventPath.join(",")}}`}::text[] = ${String(wanted)}` : sql``;
    const candidates = await this.rows<{ id: string; event: EngineEventPayload; age_ms: number }>(
      sql`select r.id, r.event, (extract(epoch from (${receivedAt}::timestamptz - r.created_at)) * 1000)::float8 as age_ms
          from engine_run r where r.fn_id = ${fn.id} and r.status = 'running' and r.created_at <= ${receivedAt}::timestamptz ${filter}`,
      tx,
    );
    const window = rule.timeout ? durationMs(rule.timeout) : Infinity;
    for (const c of candidates) {
      if (Number(c.age_ms) > window) continue;
      if (!matches(rule.if, { event: c.event, async: evt })) continue;
      await this.endRun(tx, c.id, "cancelled", { name: "Cancelled", message: `Cancelled by event ${evt.name} (${evt.id})` }, [], fx);
    }
  }

  /* ───── runs ───── */

  async createRun(
    tx: DbOrTx,
    fn: FunctionConfig,
    event: EngineEventPayload,
    parent: { runId: string; stepId: string } | null,
    fx: TxEffects,
  ): Promise<string> {
    const id = crypto.randomUUID();
    await tx.execute(sql`with ${runInsert("r", id, fn, event, parent, sql``)} select 1`);
    fx.jobs++;
    return id;
  }

  async loadRun(runId: string, on?: DbOrTx): Promise<EngineRunRow | undefined> {
    const [row] = await this.rows<EngineRunRow>(
      sql`select id, fn_id, event, status, max_attempts, parent_run_id, parent_step_id, output, error from engine_run where id = ${runId}`,
      on,
    );
    return row;
  }

  async isMemoized(runId: string, hashedId: string, on?: DbOrTx): Promise<boolean> {
    const rows = await this.rows(sql`select 1 from engine_step where run_id = ${runId} and hashed_id = ${hashedId}`, on);
    return rows.length > 0;
  }

  /**
   * Ends a run once (only a running run changes), clears its waits and jobs, resumes an invoking
   * parent, and on failure emits `inngest/function.failed` so an `onFailure` handler runs.
   */
  async endRun(
    tx: DbOrTx,
    runId: string,
    status: Exclude<EngineRunStatus, "running">,
    value: unknown,
    fns: FunctionConfig[],
    fx: TxEffects,
  ): Promise<boolean> {
    const column = status === "completed" ? sql`output` : sql`error`;
    // One statement: the run ends, and its waits and jobs go with it.
    const [run] = await this.rows<{ fn_id: string; event: EngineEventPayload; parent_run_id: string | null; parent_step_id: string | null }>(
      sql`with ended as (
            update engine_run set status = ${status}, ${column} = ${json(value)}, ended_at = clock_timestamp()
            where id = ${runId} and status = 'running' returning fn_id, event, parent_run_id, parent_step_id),
          waits as (delete from engine_wait where run_id = ${runId} and exists (select 1 from ended)),
          jobs as (delete from engine_job where run_id = ${runId} and exists (select 1 from ended))
          select * from ended`,
      tx,
    );
    if (!run) return false;
    fx.ended.push(runId);
    if (run.parent_run_id && run.parent_step_id) {
      const result: StepResult =
        status === "completed" ? { data: value } : { error: status === "cancelled" ? { name: "Cancelled", message: "The invoked run was cancelled" } : value };
      await this.resolveWait(tx, run.parent_run_id, run.parent_step_id, result, fx);
    }
    if (status === "failed") {
      await this.ingest(
        tx,
        [
          {
            id: crypto.randomUUID(),
            name: FAILED_EVENT,
            ts: Date.now(),
            data: { function_id: run.fn_id, run_id: runId, error: value, event: run.event },
          },
        ],
        fns,
        fx,
      );
    }
    return true;
  }

  /* ───── steps and waits ───── */

  /** Memoizes a step result once; each new result asks for a discovery call. */
  async saveStep(tx: DbOrTx, runId: string, hashedId: string, result: StepResult, fx: TxEffects): Promise<boolean> {
    const inserted = await this.rows(
      sql`insert into engine_step (run_id, hashed_id, result) values (${runId}, ${hashedId}, ${json(result)})
          on conflict do nothing returning 1`,
      tx,
    );
    if (!inserted.length) return false;
    await this.requestDiscovery(tx, runId, fx);
    return true;
  }

  /** Exactly once: the event, the timeout and an invoked run's end race to delete the wait row. */
  async resolveWait(tx: DbOrTx, runId: string, hashedId: string, result: StepResult, fx: TxEffects): Promise<boolean> {
    const deleted = await this.rows(sql`delete from engine_wait where run_id = ${runId} and hashed_id = ${hashedId} returning 1`, tx);
    if (!deleted.length) return false;
    await tx.execute(sql`delete from engine_job where dedupe_key = ${timeoutKey(runId, hashedId)}`);
    await this.saveStep(tx, runId, hashedId, result, fx);
    return true;
  }

  /** Stores a wait unless it exists or its step is already memoized (a re-reported op). */
  async addWait(tx: DbOrTx, w: NewWait, fx: TxEffects): Promise<boolean> {
    const inserted = await this.rows(
      sql`insert into engine_wait (run_id, hashed_id, kind, event_name, expr, expires_at, created_at)
          select ${w.runId}, ${w.hashedId}, ${w.kind}, ${w.eventName}, ${w.expr}, ${w.expiresAt?.toISOString() ?? null}::timestamptz, clock_timestamp()
          where not exists (select 1 from engine_step where run_id = ${w.runId} and hashed_id = ${w.hashedId})
          on conflict do nothing returning 1`,
      tx,
    );
    if (!inserted.length) return false;
    // Under READ COMMITTED the insert's `not exists` reads a snapshot from before it waited on the
    // wait's primary key: when the wait was being resolved at that moment (its step stored and the
    // row deleted in one transaction), the insert goes in after that commit without seeing the
    // stored step, and an invoke was started twice (for-each-call.test.ts, PostgreSQL under load).
    // A new statement sees the commit: a step already stored takes the new wait back.
    const [resolved] = await this.rows(sql`select 1 from engine_step where run_id = ${w.runId} and hashed_id = ${w.hashedId}`, tx);
    if (resolved) {
      await this.rows(sql`delete from engine_wait where run_id = ${w.runId} and hashed_id = ${w.hashedId} returning 1`, tx);
      return false;
    }
    if (w.expiresAt) await this.enqueue(tx, w.runId, "timeout", w.hashedId, w.expiresAt, timeoutKey(w.runId, w.hashedId), fx);
    if (w.kind === "event") fx.waits.push({ runId: w.runId, hashedId: w.hashedId, eventName: w.eventName, expr: w.expr });
    return true;
  }

  async waitKind(runId: string, hashedId: string, on?: DbOrTx): Promise<NewWait["kind"] | undefined> {
    const [row] = await this.rows<{ kind: NewWait["kind"] }>(
      sql`select kind from engine_wait where run_id = ${runId} and hashed_id = ${hashedId}`,
      on,
    );
    return row?.kind;
  }

  /* ───── jobs ───── */

  private async enqueue(
    tx: DbOrTx,
    runId: string,
    kind: JobRow["kind"],
    stepId: string,
    at: Date | null,
    dedupeKey: string,
    fx: TxEffects,
  ): Promise<void> {
    const runAt = at ? sql`${at.toISOString()}::timestamptz` : sql`clock_timestamp()`;
    const inserted = await this.rows(
      sql`insert into engine_job (run_id, kind, step_id, run_at, dedupe_key) values (${runId}, ${kind}, ${stepId}, ${runAt}, ${dedupeKey})
          on conflict (dedupe_key) do nothing returning 1`,
      tx,
    );
    if (inserted.length) fx.jobs++;
  }

  /** A planned parallel step, unless already queued or memoized. */
  async planStep(tx: DbOrTx, runId: string, hashedId: string, fx: TxEffects): Promise<void> {
    if (await this.isMemoized(runId, hashedId, tx)) return;
    await this.enqueue(tx, runId, "call", hashedId, null, stepKey(runId, hashedId), fx);
  }

  /**
   * Asks for a discovery call. A run has at most one discovery job, so at most one is in flight;
   * a request that arrives while it runs gives the job a new id, which tells the worker to run
   * discovery again instead of deleting the job (the call in flight may have missed the change).
   */
  async requestDiscovery(tx: DbOrTx, runId: string, fx: TxEffects): Promise<void> {
    await tx.execute(
      sql`insert into engine_job (run_id, kind, step_id, run_at, dedupe_key) values (${runId}, 'call', ${DISCOVERY}, clock_timestamp(), ${discoverKey(runId)})
          on conflict (dedupe_key) do update set id = nextval(pg_get_serial_sequence('engine_job', 'id')), run_at = least(engine_job.run_at, excluded.run_at)`,
    );
    fx.jobs++;
  }

  /**
   * Leases the next due job and, in the same statement, reads what processing it needs: the run,
   * its memoized steps in completion order (calls only), whether parallel steps are still planned,
   * and whether a planned step is already memoized. One round trip instead of five.
   */
  async claimWithState(leaseMs: number): Promise<ClaimedJob | undefined> {
    const [row] = await this.rows<JobRow & {
      run: EngineRunRow | null;
      steps: [string, StepResult][] | null;
      planned: boolean;
      memoized: boolean;
      more: boolean;
    }>(
      sql`with claimed as (
            update engine_job j set locked_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond'
            where j.id = (select id from engine_job
                          where run_at <= clock_timestamp() and (locked_until is null or locked_until < clock_timestamp())
                          order by run_at, id limit 1 for update skip locked)
            returning j.id, j.run_id, j.kind, j.step_id, j.attempt, j.dedupe_key)
          select c.id::text as id, c.run_id, c.kind, c.step_id, c.attempt, c.dedupe_key,
                 (select jsonb_build_object('id', r.id, 'fn_id', r.fn_id, 'event', r.event, 'status', r.status,
                         'max_attempts', r.max_attempts, 'parent_run_id', r.parent_run_id, 'parent_step_id', r.parent_step_id)
                  from engine_run r where r.id = c.run_id) as run,
                 case when c.kind = 'call' then
                   (select coalesce(jsonb_agg(jsonb_build_array(s.hashed_id, s.result) order by s.seq), '[]'::jsonb)
                    from engine_step s where s.run_id = c.run_id) end as steps,
                 exists (select 1 from engine_job p where p.run_id = c.run_id and p.kind = 'call' and p.step_id <> ${DISCOVERY} and p.id <> c.id) as planned,
                 exists (select 1 from engine_step m where m.run_id = c.run_id and m.hashed_id = c.step_id) as memoized,
                 exists (select 1 from engine_job o where o.id <> c.id and o.run_at <= clock_timestamp()
                         and (o.locked_until is null or o.locked_until < clock_timestamp())) as more
          from claimed c`,
    );
    if (!row) return undefined;
    const { run, steps, planned, memoized, more, ...job } = row;
    return {
      job: { ...job, attempt: Number(job.attempt) },
      run: run ? { ...run, output: null, error: null, max_attempts: Number(run.max_attempts) } : null,
      steps: (steps ?? []).map(([hashedId, result]) => ({ hashedId, result })),
      planned,
      memoized,
      more,
    };
  }

  /**
   * The common answer, one step result, stored in one statement (no explicit transaction):
   * memoize it and ask for the next discovery. For a discovery job that is the job itself, released
   * to run again; for a planned step its job is deleted and the run's discovery job upserted.
   * Returns false when the step was already memoized (the caller then finishes the job normally).
   */
  async saveStepResult(job: JobRow, hashedId: string, result: StepResult, keepLeaseMs?: number): Promise<"kept" | "saved" | false> {
    const ins = sql`insert into engine_step (run_id, hashed_id, result) values (${job.run_id}, ${hashedId}, ${json(result)}) on conflict do nothing returning 1`;
    if (job.step_id === DISCOVERY && job.dedupe_key && keepLeaseMs !== undefined) {
      // The worker goes on with the next call itself, saving a claim round trip per step, unless
      // the job was re-requested meanwhile (new id: an event changed the run's state), when it is
      // released to be claimed afresh with that state.
      const [row] = await this.rows<{ n: number; kept: boolean | null }>(
        sql`with ins as (${ins}),
            upd as (update engine_job set attempt = 0, run_at = least(run_at, clock_timestamp()),
                      locked_until = case when id = ${job.id}::bigint then clock_timestamp() + ${keepLeaseMs} * interval '1 millisecond' end
                    where dedupe_key = ${job.dedupe_key} and exists (select 1 from ins) returning locked_until is not null as kept)
            select (select count(*) from ins)::int as n, (select kept from upd) as kept`,
      );
      if (!(Number(row?.n) > 0)) return false;
      return row?.kept ? "kept" : "saved";
    }
    if (job.step_id === DISCOVERY && job.dedupe_key) {
      const [row] = await this.rows<{ n: number }>(
        sql`with ins as (${ins}),
            rel as (update engine_job set locked_until = null, attempt = 0, run_at = least(run_at, clock_timestamp())
                    where dedupe_key = ${job.dedupe_key} and exists (select 1 from ins) returning 1)
            select (select count(*) from ins)::int as n`,
      );
      return Number(row?.n) > 0 ? "saved" : false;
    }
    const [row] = await this.rows<{ n: number }>(
      sql`with ins as (${ins}),
          del as (delete from engine_job where id = ${job.id}::bigint and exists (select 1 from ins) returning 1),
          disc as (insert into engine_job (run_id, kind, step_id, run_at, dedupe_key)
                   select ${job.run_id}, 'call', ${DISCOVERY}, clock_timestamp(), ${discoverKey(job.run_id)} where exists (select 1 from ins)
                   on conflict (dedupe_key) do update set id = nextval(pg_get_serial_sequence('engine_job', 'id')), run_at = least(engine_job.run_at, excluded.run_at)
                   returning 1)
          select (select count(*) from ins)::int + 0 * (select count(*) from del) + 0 * (select count(*) from disc) as n`,
    );
    return Number(row?.n) > 0 ? "saved" : false;
  }

  /**
   * Steps the SDK checkpointed in the middle of a call (it goes on running the function in the same
   * call), memoized in one statement. False when the run is no longer running or a step was
   * already memoized: another call is ahead on this run (or it ended), so this one must stop.
   */
  async checkpointSteps(runId: string, steps: MemoizedStep[]): Promise<boolean> {
    const [row] = await this.rows<{ live: number; n: number }>(
      sql`with live as (select 1 from engine_run where id = ${runId} and status = 'running'),
          ${stepsInsert(runId, steps)}
          select (select count(*) from live)::int as live, (select count(*) from ins)::int as n`,
    );
    return Number(row?.live) > 0 && Number(row?.n) === steps.length;
  }

  /**
   * A call that ran its function to the end, in one statement: the steps it checkpointed and had
   * not stored yet are memoized, and the run completes with its waits and jobs, unless the run
   * is no longer running or a step was already memoized (another call is ahead: `stale`). The
   * writes that end the run, with what the call held before them (HeldWrites.takeEnding), go in
   * this statement and take effect only if the run completes; what a call holds without them is
   * written first. Only for a run no parent invoked (ending one resumes its parent: endRun).
   */
  async completeRun(runId: string, steps: MemoizedStep[], output: unknown, held: HeldWrites = NOTHING_HELD): Promise<"completed" | "stale"> {
    const ending = (await held.takeEnding?.(this.database, sql`exists (select 1 from ended)`)) ?? null;
    if (!ending) await held.flush();
    let row: Record<string, unknown> | undefined;
    try {
      [row] = await this.rows<Record<string, unknown>>(
        sql`with live as (select 1 from engine_run where id = ${runId} and status = 'running' and parent_run_id is null)${
          steps.length ? sql`, ${stepsInsert(runId, steps)}` : sql``
        },
            ended as (
              update engine_run set status = 'completed', output = ${json(output)}, ended_at = clock_timestamp()
              where id = ${runId} and exists (select 1 from live)${steps.length ? sql` and (select count(*) from ins) = ${steps.length}` : sql``}
              returning 1),
            waits as (delete from engine_wait where run_id = ${runId} and exists (select 1 from ended)),
            jobs as (delete from engine_job where run_id = ${runId} and exists (select 1 from ended))${ending ? sql`, ${ending.ctes}` : sql``}
            select (select count(*) from ended)::int as ended${ending ? sql`, ${ending.columns}` : sql``}`,
      );
    } catch (e) {
      ending?.putBack();
      throw e;
    }
    ending?.committed(row);
    return Number(row?.ended) > 0 ? "completed" : "stale";
  }

  /** Keeps a lease alive while a long call runs. Discovery jobs may have been given a new id. */
  async heartbeat(job: JobRow, leaseMs: number): Promise<void> {
    const where = job.dedupe_key ? sql`dedupe_key = ${job.dedupe_key}` : sql`id = ${job.id}::bigint`;
    await this.database.db.execute(
      sql`update engine_job set locked_until = clock_timestamp() + ${leaseMs} * interval '1 millisecond' where ${where} and locked_until is not null`,
    );
  }

  /** Done with a job. A discovery job re-requested meanwhile (new id) is released to run again. */
  async finishJob(tx: DbOrTx, job: JobRow, fx: TxEffects): Promise<void> {
    const deleted = await this.rows(sql`delete from engine_job where id = ${job.id}::bigint returning 1`, tx);
    if (deleted.length || job.step_id !== DISCOVERY || !job.dedupe_key) return;
    const released = await this.rows(
      sql`update engine_job set locked_until = null, attempt = 0 where dedupe_key = ${job.dedupe_key} returning 1`,
      tx,
    );
    if (released.length) fx.jobs++;
  }

  /** Keeps the job for another attempt at `at`. */
  async retryJob(tx: DbOrTx, job: JobRow, at: Date): Promise<void> {
    const where = job.dedupe_key ? sql`dedupe_key = ${job.dedupe_key}` : sql`id = ${job.id}::bigint`;
    await tx.execute(
      sql`update engine_job set attempt = ${job.attempt + 1}, run_at = ${at.toISOString()}::timestamptz, locked_until = null where ${where}`,
    );
  }

  /** Leases of a process that is known to be dead (see EmbeddedExecutorOptions.exclusive). */
  async releaseAllLeases(): Promise<void> {
    await this.database.db.execute(sql`update engine_job set locked_until = null where locked_until is not null`);
  }

  /** Gives a job back without counting an attempt (the worker could not process it). */
  async releaseJob(job: JobRow, at: Date): Promise<void> {
    const where = job.dedupe_key ? sql`dedupe_key = ${job.dedupe_key}` : sql`id = ${job.id}::bigint`;
    await this.database.db.execute(
      sql`update engine_job set run_at = ${at.toISOString()}::timestamptz, locked_until = null where ${where}`,
    );
  }

  async deleteJob(job: JobRow): Promise<void> {
    await this.database.db.execute(sql`delete from engine_job where id = ${job.id}::bigint`);
  }
}

/** The event's functions: those with a trigger on its name whose `if` matches, or the cron trigger a tick names. */
function triggeredBy(fns: FunctionConfig[], evt: EngineEventPayload): FunctionConfig[] {
  return fns.filter((fn) =>
    fn.triggers.some((t) => (t.event === evt.name && matches(t.expression, { event: evt })) || (evt.name === CRON_EVENT && t.cron !== undefined && t.cron === evt.data.cron)),
  );
}

/** CTE `ins`: memoizes `steps` (at least one) in order while CTE `live` yields a row; returns a row per step stored. */
function stepsInsert(runId: string, steps: MemoizedStep[]): SQL {
  const values = sql.join(
    steps.map((s, i) => sql`(${i}, ${s.hashedId}, ${json(s.result)})`),
    sql`, `,
  );
  return sql`ins as (insert into engine_step (run_id, hashed_id, result)
          select ${runId}, v.hashed_id, v.result from (values ${values}) as v(i, hashed_id, result)
          where exists (select 1 from live) order by v.i
          on conflict do nothing returning 1)`;
}

/**
 * CTEs that create a run and its first discovery job (`<name>` and `<name>_job`, returning the
 * job's id), when `from` yields a row (`sql\`\`` for always); with `leaseMs`, the job is leased.
 */
function runInsert(name: string, id: string, fn: FunctionConfig, event: EngineEventPayload, parent: { runId: string; stepId: string } | null, from: SQL, leaseMs?: number): SQL {
  const run = sql.identifier(name);
  const lockedUntil = leaseMs === undefined ? sql`null::timestamptz` : sql`clock_timestamp() + ${leaseMs} * interval '1 millisecond'`;
  return sql`${run} as (
        insert into engine_run (id, fn_id, event, max_attempts, parent_run_id, parent_step_id)
        select ${id}, ${fn.id}, ${json(event)}, ${maxAttempts(fn)}, ${parent?.runId ?? null}, ${parent?.stepId ?? null} ${from} returning id),
      ${sql.identifier(`${name}_job`)} as (
        insert into engine_job (run_id, kind, step_id, run_at, dedupe_key, locked_until)
        select ${run}.id, 'call', ${DISCOVERY}, clock_timestamp(), ${discoverKey(id)}, ${lockedUntil} from ${run} returning id)`;
}
