import "server-only";
import crypto from "node:crypto";
import canonicalize from "canonicalize";
import type { Database, DbOrTx } from "@/server/db/database";
import { dueAt, retryAt } from "./durations";
import {
  DISCOVERY,
  ExecutorStore,
  INVOKED_EVENT,
  TxEffects,
  type ClaimedJob,
  type CreatedWait,
  type EngineRunRow,
  type EngineRunStatus,
  type JobRow,
} from "./executor-store";
import {
  SUPPORTED_OPS,
  callBody,
  checkpointSchema,
  inBandSyncSchema,
  opsSchema,
  toJsonError,
  type EngineEventPayload,
  type FunctionConfig,
  type MemoizedStep,
  type OutgoingOp,
  type StepResult,
} from "./protocol";
import { CheckpointedCall } from "./checkpointed-call";
import { CRON_EVENT, CronClock, cronEventId } from "./cron-clock";
import { signatureHeader } from "./signing";

/** The parts of `serve()`'s return value the executor calls, in-process. */
export interface ServeHandler {
  POST(req: Request, ctx?: unknown): Promise<Response>;
  PUT(req: Request, ctx?: unknown): Promise<Response>;
}

/** An event as callers send it: id, ts and data are filled in when missing. */
export interface SendableEvent {
  name: string;
  data?: Record<string, unknown>;
  id?: string;
  ts?: number;
  user?: Record<string, unknown>;
  v?: string;
}

export interface WaitCreated extends CreatedWait {
  /** The event that started the waiting run. */
  runEvent: EngineEventPayload;
}

export interface EmbeddedExecutorOptions {
  database: Database;
  handler: ServeHandler;
  signingKey: string;
  /** Where serve() believes it lives; only used to label the in-band sync. */
  serveUrl?: string;
  /** Jobs processed at once (default 4). */
  concurrency?: number;
  /** A job leased longer than this without a heartbeat is taken over (crash recovery). */
  leaseMs?: number;
  /**
   * This is the only executor on the database (PGlite: the data dir is locked to one process).
   * Leases found at start then belong to a process that died, and are released at once instead
   * of after `leaseMs`: a restart after kill -9 resumes its runs immediately.
   */
  exclusive?: boolean;
  /** How long an idle worker sleeps before polling again, unless woken by new work. */
  idleMs?: number;
  /** First retry delay; doubles per attempt (capped at 10 minutes) unless the SDK sends Retry-After. */
  retryBaseMs?: number;
  maxEventBytes?: number;
  maxStepOutputBytes?: number;
  /**
   * Steps checkpointed within a call that each took less than this are stored together, at most
   * this long after the first of them; a slower step is stored before the SDK goes on. 0 stores
   * each step before the SDK goes on.
   */
  writeBehindMs?: number;
  /**
   * Fire the functions' cron triggers on a clock (the app's engine does; tests leave it off and
   * fire ticks with fireCron(), so no tick runs in the middle of what they count).
   */
  cron?: boolean;
  /** Called after a new event wait is stored (committed): lets callers re-send events it must see. */
  onWaitCreated?: (wait: WaitCreated) => void | Promise<void>;
  /**
   * Writes the functions make during one chained call that they may hold back, registered by
   * the engine (its direct node changes): the call runs inside `run`, and `flush` writes them
   * before any of the call's step results is stored. Without it nothing is held.
   */
  holdWrites?: () => HeldWrites;
  logger?: Pick<Console, "error" | "warn">;
}

/** One call's held writes (see EmbeddedExecutorOptions.holdWrites). */
export interface HeldWrites {
  run<T>(fn: () => T): T;
  /** Writes what is held; rejects when that failed (it stays held). */
  flush(): Promise<void>;
  /** The call was abandoned: nothing it held is written (its steps run again). */
  discard(): void;
}

const NOTHING_HELD: HeldWrites = { run: (fn) => fn(), flush: async () => {}, discard() {} };

export class ExecutorError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "ExecutorError";
  }
}

const DEFAULTS = {
  concurrency: 4,
  leaseMs: 60_000,
  idleMs: 250,
  retryBaseMs: 1_000,
  maxEventBytes: 512 * 1024,
  maxStepOutputBytes: 4 * 1024 * 1024,
  writeBehindMs: 20,
  cron: false,
};

const SERVE_URL = "http://embedded.invalid/api/inngest";
const CHECKPOINT_PATH = /^\/v1\/checkpoint\/([^/]+)\/async$/;

/** Calls one worker makes for a run in a row before giving the job back to the queue (fairness). */
const MAX_CHAIN = 100;

/**
 * Runs Inngest functions without an Inngest server: events, runs, memoized steps, waits and jobs
 * live in the app database (engine_* tables); workers lease due jobs with FOR UPDATE SKIP LOCKED
 * and call the app's own serve() handler in-process, signed like the Inngest server signs.
 * Steps are at-least-once (a crashed worker's lease expires and the job runs again), as on Inngest.
 */
export class EmbeddedExecutor {
  private readonly store: ExecutorStore;
  private readonly events: ExecutorStore;
  private readonly opts: Required<Omit<EmbeddedExecutorOptions, "onWaitCreated" | "serveUrl" | "exclusive" | "holdWrites">> &
    Pick<EmbeddedExecutorOptions, "onWaitCreated" | "serveUrl" | "exclusive" | "holdWrites">;
  private fns: FunctionConfig[] = [];
  private slots: Promise<void>[] = [];
  private sleepers = new Set<Sleeper>();
  /** Wakes that found no idle worker (new work while all were busy). */
  private missedWakes = 0;
  private inFlight = new Set<Promise<void>>();
  private started = false;
  private stopping = false;
  /** After kill(): results of calls still in flight are dropped, as if the process had died. */
  private dead = false;
  /** Calls in flight that the SDK may checkpoint into, by engine run id. */
  private checkpointing = new Map<string, CheckpointedCall>();
  /** Fires the functions' cron triggers while the workers run. */
  private cronClock: CronClock | null = null;

  constructor(options: EmbeddedExecutorOptions) {
    this.opts = { ...DEFAULTS, logger: console, ...options };
    // Jobs, step results and waits are the engine's progress; events and cancellations come
    // from people and other code and are stored durably (see Database.progress).
    this.store = new ExecutorStore(options.database.progress);
    this.events = new ExecutorStore(options.database);
  }

  get functions(): readonly FunctionConfig[] {
    return this.fns;
  }

  get running(): boolean {
    return this.started && !this.stopping;
  }

  /** Learns the functions from serve() (in-band sync, no network), then starts the workers. */
  async start(opts: { workers?: boolean } = {}): Promise<void> {
    if (this.started) return;
    await this.sync();
    if (this.opts.exclusive) await this.store.releaseAllLeases();
    this.started = true;
    if (opts.workers === false) return;
    for (let i = 0; i < this.opts.concurrency; i++) this.slots.push(this.workLoop(i));
    if (this.opts.cron) {
      this.cronClock = new CronClock(this.fns, (fn, cron, at) => this.fireCron(fn.id, cron, at), this.opts.logger);
      this.cronClock.start();
    }
  }

  /** Graceful: stops claiming and waits for jobs in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cronClock?.stop();
    this.wakeAll();
    await Promise.all(this.slots);
    await Promise.all([...this.inFlight]);
    this.slots = [];
  }

  /** A crash, for tests: stops at once; calls in flight finish but their results are thrown away. */
  kill(): void {
    this.dead = true;
    this.stopping = true;
    this.cronClock?.stop();
    this.wakeAll();
  }

  private async sync(): Promise<void> {
    const res = await this.request("PUT", {}, { url: this.opts.serveUrl ?? SERVE_URL }, { "x-inngest-sync-kind": "in_band" });
    const body: unknown = await res.json().catch(() => null);
    if (res.status !== 200) throw new Error(`In-band sync with serve() failed (${res.status}): ${JSON.stringify(body)}`);
    const parsed = inBandSyncSchema.safeParse(body);
    if (!parsed.success) throw new Error(`In-band sync answered an unexpected shape: ${parsed.error.message}`);
    this.fns = parsed.data.functions;
    await this.store.saveFunctions(this.fns);
  }

  /* ───── the event API ───── */

  /** Stores events and reacts to them (start runs, resume waits, cancel runs). Returns event ids. */
  async send(input: SendableEvent | SendableEvent[]): Promise<string[]> {
    // Before the sync nothing would trigger, and a stored event id would make the re-send a no-op.
    if (!this.started) throw new ExecutorError("The embedded executor has not started yet", 503);
    const events = [input].flat().map((e) => this.normalize(e));
    if (!events.length) return [];
    const fx = new TxEffects();
    const [only] = events;
    // An idle worker gets the run this event starts straight away, leased in the statement that
    // creates it: no claim round trip. Woken without it (nothing started, or an error), it claims.
    const worker = only && events.length === 1 ? this.reserveWorker() : undefined;
    let handed: ClaimedJob | undefined;
    try {
      const alone = only && events.length === 1 ? await this.events.ingestAlone(only, this.fns, fx, worker ? this.opts.leaseMs : undefined) : false;
      if (alone) handed = alone.handed;
      else {
        await this.events.db.transaction(async (tx) => {
          await this.events.ingest(tx, events, this.fns, fx);
        });
      }
    } finally {
      worker?.wake(handed);
    }
    await this.afterCommit(fx);
    return events.map((e) => e.id);
  }

  /**
   * One tick of a function's cron trigger, as an Inngest server delivers it (`inngest/scheduled.timer`
   * with `data.cron`). The event id is the function, the trigger and the tick's time, so replicas
   * that all tick store it, and start the function, once.
   */
  async fireCron(fnId: string, cron: string, at: Date): Promise<void> {
    if (!this.started) throw new ExecutorError("The embedded executor has not started yet", 503);
    const fn = this.fns.find((f) => f.id === fnId && f.triggers.some((t) => t.cron === cron));
    if (!fn) throw new ExecutorError(`No function ${fnId} has the cron trigger ${cron}`, 404);
    const evt: EngineEventPayload = { id: cronEventId(fnId, cron, at), name: CRON_EVENT, data: { cron }, ts: at.getTime() };
    const fx = new TxEffects();
    await this.events.db.transaction(async (tx) => {
      await this.events.ingest(tx, [evt], [fn], fx);
    });
    await this.afterCommit(fx);
  }

  private normalize(e: SendableEvent): EngineEventPayload {
    if (!e || typeof e.name !== "string" || !e.name) throw new ExecutorError("Every event needs a name");
    if (e.name.startsWith("inngest/")) throw new ExecutorError(`Event names starting with "inngest/" are reserved: ${e.name}`);
    const evt: EngineEventPayload = {
      id: e.id ?? crypto.randomUUID(),
      name: e.name,
      data: e.data ?? {},
      ts: e.ts ?? Date.now(),
      ...(e.user ? { user: e.user } : {}),
      ...(e.v ? { v: e.v } : {}),
    };
    const bytes = Buffer.byteLength(JSON.stringify(evt));
    if (bytes > this.opts.maxEventBytes) {
      throw new ExecutorError(`Event ${e.name} is ${bytes} bytes; the limit is ${this.opts.maxEventBytes}`, 413);
    }
    return evt;
  }

  /**
   * The `fetch` given to the Inngest client in embedded mode: `inngest.send()` and `step.sendEvent`
   * (POST {base}/e/{key}) land here instead of on the network. Nothing else is served.
   */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method === "POST" && /^\/e\/[^/]+$/.test(url.pathname)) {
      if (!this.started) return Response.json({ error: "The embedded executor is not running" }, { status: 503 });
      try {
        const raw = init?.body ?? (input instanceof Request ? await input.text() : "[]");
        const ids = await this.send(JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw as ArrayBuffer)));
        return Response.json({ ids, status: 200 });
      } catch (e) {
        const status = e instanceof ExecutorError ? e.status : 500;
        return Response.json({ error: e instanceof Error ? e.message : String(e), status }, { status });
      }
    }
    const checkpoint = method === "POST" ? CHECKPOINT_PATH.exec(url.pathname) : null;
    if (checkpoint) {
      const raw = init?.body ?? (input instanceof Request ? await input.text() : "");
      return this.checkpoint(decodeURIComponent(checkpoint[1] ?? ""), typeof raw === "string" ? raw : new TextDecoder().decode(raw as ArrayBuffer));
    }
    return Response.json({ error: `The embedded executor does not serve ${method} ${url.pathname}` }, { status: 404 });
  };

  /**
   * The SDK ran a step inside a call and goes on with the next one in the same call: memoize it
   * (write-behind for quick steps, see CheckpointedCall). 409 tells the SDK to stop (the SDK does
   * not retry it): the call is no longer current (the run ended, another call is ahead, or this
   * executor was killed). Any other error makes the SDK retry, then answer the call with the step
   * instead, which the executor stores the usual way.
   */
  private async checkpoint(runId: string, raw: string): Promise<Response> {
    const call = this.checkpointing.get(runId);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return Response.json({ error: "The checkpoint body is not JSON" }, { status: 400 });
    }
    const parsed = checkpointSchema.safeParse(body);
    if (!parsed.success) return Response.json({ error: `The checkpoint cannot be read: ${parsed.error.message}` }, { status: 400 });
    if (!call || this.dead || parsed.data.run_id !== runId || parsed.data.qi_id !== call.jobId) {
      call?.stop();
      return Response.json({ error: "This call is no longer current" }, { status: 409 });
    }
    const steps: MemoizedStep[] = [];
    // The usual body is far below the limit: then no step in it can be over it.
    const measure = raw.length * 3 > this.opts.maxStepOutputBytes;
    for (const op of parsed.data.steps) {
      // Anything but a plain result (a too large output, another opcode) goes back with the call's answer.
      if (op.op !== "StepRun") return Response.json({ error: `Cannot checkpoint ${op.op}` }, { status: 422 });
      const data = op.data ?? null;
      if (measure && Buffer.byteLength(JSON.stringify(data)) > this.opts.maxStepOutputBytes) return Response.json({ error: "Step output too large" }, { status: 413 });
      steps.push({ hashedId: op.id, result: { data } });
    }
    if (!(await call.accept(steps))) return Response.json({ error: "The run ended or another call is ahead" }, { status: 409 });
    return Response.json({ ok: true });
  }

  /** Cancels one run (no event needed). Returns false when it had already ended. */
  async cancelRun(runId: string, reason = "Cancelled"): Promise<boolean> {
    const fx = new TxEffects();
    const ended = await this.events.db.transaction((tx) =>
      this.events.endRun(tx, runId, "cancelled", { name: "Cancelled", message: reason }, this.fns, fx),
    );
    await this.afterCommit(fx);
    return ended;
  }

  async getRun(runId: string): Promise<EngineRunRow | undefined> {
    return this.store.loadRun(runId);
  }

  /* ───── workers ───── */

  private async workLoop(slot: number): Promise<void> {
    // A job this process just created, leased and handed to this worker while it slept (send()).
    let handed: ClaimedJob | undefined;
    while (!this.stopping) {
      let processed: Processed = false;
      try {
        processed = handed ? await this.processClaimed(handed, true) : await this.claimAndProcess(true);
      } catch (e) {
        if (this.stopping) return;
        this.opts.logger.error("[engine] worker failed to claim a job:", e);
      }
      handed = undefined;
      // Claim again at once only when work may be due: more was due at the claim, or work was
      // enqueued while every worker was busy. Otherwise a claim would only find nothing; new
      // work wakes an idle worker.
      if (processed === "more" || (processed && this.missedWakes > 0)) {
        if (processed !== "more") this.missedWakes--;
        continue;
      }
      // One worker polls often; the rest mostly sleep until new work wakes them.
      handed = await this.idle(slot === 0 ? this.opts.idleMs : this.opts.idleMs * 4);
    }
    // Stopped before it could start the job it was handed: due again for whoever runs next.
    if (handed && !this.dead) await this.store.releaseJob(handed.job, new Date()).catch(() => {});
  }

  /** Claims and processes one due job, one call to serve() (no chaining). Returns false when none was due. For tests. */
  async tick(): Promise<boolean> {
    return (await this.claimAndProcess(false)) !== false;
  }

  /** false: no job was due; "more": another was due too; "done": processed one. */
  private async claimAndProcess(chain: boolean): Promise<Processed> {
    if (this.dead) return false;
    const claimed = await this.store.claimWithState(this.opts.leaseMs);
    if (!claimed) return false;
    return this.processClaimed(claimed, chain);
  }

  private async processClaimed(claimed: ClaimedJob, chain: boolean): Promise<Processed> {
    if (this.dead) return false;
    const { job } = claimed;
    // Let another worker take the next one; if none is idle, this one claims again after.
    if (claimed.more) this.wakeOne();
    const done = this.process(claimed, chain).catch(async (e: unknown) => {
      if (this.dead) return;
      this.opts.logger.error(`[engine] job ${job.kind}:${job.step_id} of run ${job.run_id} failed:`, e);
      await this.store.releaseJob(job, retryAt(job.attempt, null, this.opts.retryBaseMs)).catch(() => {});
    });
    this.inFlight.add(done);
    try {
      await done;
    } finally {
      this.inFlight.delete(done);
    }
    return claimed.more ? "more" : "done";
  }

  /** Processes due jobs until none is left or `until` says stop. For tests and benchmarks. */
  async drain(until?: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (until && (await until())) return;
      if (!(await this.tick())) {
        if (!until) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error(`drain timed out after ${timeoutMs} ms`);
  }

  /** Sleeps until `ms` passed or work came: resolves with a job when one was handed over. */
  private idle(ms: number): Promise<ClaimedJob | undefined> {
    // Stopping while this worker was busy: stop() woke the sleepers already, so do not sleep now.
    if (this.stopping) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        timer: setTimeout(() => sleeper.wake(), ms),
        wake: (handed) => {
          clearTimeout(sleeper.timer);
          this.sleepers.delete(sleeper);
          resolve(handed);
        },
      };
      this.sleepers.add(sleeper);
    });
  }

  private wakeOne(): void {
    const first = this.sleepers.values().next();
    if (!first.done) first.value.wake();
    // Every worker is busy: the next one to finish claims again instead of going idle.
    else this.missedWakes++;
  }

  private wakeAll(): void {
    for (const s of [...this.sleepers]) s.wake();
  }

  /** Takes an idle worker out of the pool, asleep until it is woken with (or without) a job. */
  private reserveWorker(): Sleeper | undefined {
    const first = this.sleepers.values().next();
    if (first.done || this.stopping || this.dead) return undefined;
    clearTimeout(first.value.timer);
    this.sleepers.delete(first.value);
    return first.value;
  }

  private async afterCommit(fx: TxEffects): Promise<void> {
    // A call still running steps for a run that just ended here stops at its next checkpoint.
    for (const runId of fx.ended) this.checkpointing.get(runId)?.stop();
    if (fx.jobs > 0) {
      // Wake as many workers as there is new work, up to all of them.
      for (let i = 0; i < Math.min(fx.jobs, this.opts.concurrency); i++) this.wakeOne();
    }
    const hook = this.opts.onWaitCreated;
    if (!hook || !fx.waits.length) return;
    for (const w of fx.waits) {
      const run = await this.store.loadRun(w.runId);
      if (!run) continue;
      try {
        await hook({ ...w, runEvent: run.event });
      } catch (e) {
        this.opts.logger.error(`[engine] onWaitCreated hook failed for run ${w.runId}:`, e);
      }
    }
  }

  private async process(claimed: ClaimedJob, chain: boolean): Promise<void> {
    const { job, run } = claimed;
    if (!run || run.status !== "running") {
      await this.store.deleteJob(job);
      return;
    }
    if (job.kind === "timeout") return this.processTimeout(job, run);
    return this.processCall(claimed, run, chain ? MAX_CHAIN : 0);
  }

  /** A sleep ended, or a wait / invoke timed out: whoever deletes the wait row first wins. */
  private async processTimeout(job: JobRow, run: EngineRunRow): Promise<void> {
    const fx = new TxEffects();
    await this.store.db.transaction(async (tx) => {
      const kind = await this.store.waitKind(run.id, job.step_id, tx);
      if (kind) {
        const result: StepResult =
          kind === "invoke"
            ? { error: { name: "InngestInvokeTimeoutError", message: "Timed out waiting for the invoked function to complete" } }
            : { data: null };
        await this.store.resolveWait(tx, run.id, job.step_id, result, fx);
      }
      await this.store.finishJob(tx, job, fx);
    });
    await this.afterCommit(fx);
  }

  /**
   * Calls serve() for a job. While each answer is one step result of the run's only job, the
   * worker keeps the lease and makes the next call itself with the state it already has, up to
   * MAX_CHAIN calls, instead of releasing the job and claiming it again (a round trip per step).
   */
  private async processCall(claimed: ClaimedJob, run: EngineRunRow, maxChain: number): Promise<void> {
    let current: ClaimedJob | undefined = claimed;
    for (let chained = 0; current; chained++) current = await this.callOnce(current, run, chained < maxChain);
  }

  private async callOnce(claimed: ClaimedJob, run: EngineRunRow, mayChain: boolean): Promise<ClaimedJob | undefined> {
    const { job } = claimed;
    const fx = new TxEffects();
    const fn = this.fns.find((f) => f.id === run.fn_id);
    if (!fn) {
      await this.store.db.transaction(async (tx) => {
        await this.fail(tx, run, { name: "NonRetriableError", message: `Function ${run.fn_id} is not served by this app any more` }, fx);
      });
      await this.afterCommit(fx);
      return;
    }
    const planned = job.step_id !== DISCOVERY;
    if (planned && claimed.memoized) {
      await this.store.db.transaction((tx) => this.store.finishJob(tx, job, fx));
      await this.afterCommit(fx);
      return;
    }

    // While parallel steps are queued the SDK must plan, not run a step inline (it could be one of them).
    const disableImmediateExecution = planned || claimed.planned;
    // A discovery call that may chain lets the SDK run the following steps in the same call,
    // checkpointing each result (no call per step).
    // Its steps' direct node changes are held and written in one statement before their results.
    const held = mayChain && !disableImmediateExecution && !this.stopping ? (this.opts.holdWrites?.() ?? NOTHING_HELD) : undefined;
    const call = held
      ? new CheckpointedCall(
          job.id,
          async (steps) => {
            await held.flush();
            return this.store.checkpointSteps(run.id, steps);
          },
          this.opts.writeBehindMs,
          (e) => this.opts.logger.error(`[engine] storing checkpointed steps of run ${run.id} failed:`, e),
        )
      : undefined;
    const body = callBody({
      runId: run.id,
      event: run.event,
      steps: claimed.steps,
      attempt: job.attempt,
      maxAttempts: run.max_attempts,
      disableImmediateExecution,
      ...(call ? { checkpoint: { fnId: run.fn_id, queueItemId: job.id } } : {}),
    });

    const heartbeat = setInterval(() => {
      if (!this.dead) this.store.heartbeat(job, this.opts.leaseMs).catch(() => {});
    }, Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    if (call) this.checkpointing.set(run.id, call);
    let res: Response;
    try {
      const request = () => this.request("POST", { fnId: run.fn_id, stepId: job.step_id }, body);
      res = await (held ? held.run(request) : request());
    } catch (e) {
      res = Response.json(toJsonError(e), { status: 500 });
    } finally {
      clearInterval(heartbeat);
      if (call && this.checkpointing.get(run.id) === call) this.checkpointing.delete(run.id);
    }
    if (this.dead) {
      call?.discard();
      held?.discard();
      return;
    }
    // Steps the SDK ran are stored before its answer, which comes after them, and what they
    // changed before them. Told to stop mid-call: whoever is ahead (or the end of the run) owns
    // what happens next.
    const payload: unknown = await res.json().catch(() => null);
    const completion = call && held && run.parent_run_id === null ? completionOf(res.status, payload) : undefined;
    if (call && held && completion) {
      // The function ran to the end: the steps still kept and the run's end in one statement.
      const completed = await call.finish(async (steps) => {
        await held.flush();
        return (await this.store.completeRun(run.id, steps, completion.output)) === "completed";
      });
      if (!completed) {
        held.discard();
        return;
      }
      fx.ended.push(run.id);
      await this.afterCommit(fx);
      return;
    }
    if (call && !(await call.flush())) {
      held?.discard();
      return;
    }
    await held?.flush();
    if (call?.steps.length) claimed = { ...claimed, steps: [...claimed.steps, ...call.steps] };

    const noRetry = res.headers.get("x-inngest-no-retry") === "true";
    const retryAfter = res.headers.get("retry-after");

    if (res.status === 206) {
      const chain = mayChain && !this.stopping && job.step_id === DISCOVERY && !claimed.planned;
      const saved = await this.saveSingleResult(job, payload, chain);
      if (saved && saved.outcome === "kept" && !this.dead) {
        return { ...claimed, job: { ...job, attempt: 0 }, steps: [...claimed.steps, { hashedId: saved.hashedId, result: saved.result }] };
      }
      if (saved) {
        // The released (or queued) discovery job is due now: an idle worker, or this one next.
        this.wakeOne();
        return;
      }
    }

    await this.store.db.transaction(async (tx) => {
      const retryOrElse = async (final: () => Promise<void>): Promise<void> => {
        if (!noRetry && job.attempt + 1 < run.max_attempts) {
          await this.store.retryJob(tx, job, retryAt(job.attempt, retryAfter, this.opts.retryBaseMs));
          return;
        }
        await final();
        await this.store.finishJob(tx, job, fx);
      };

      if (res.status === 200) {
        await this.store.endRun(tx, run.id, "completed", payload, this.fns, fx);
        return;
      }
      if (res.status !== 206) {
        const error = toJsonError(payload, `The function answered HTTP ${res.status}`);
        await retryOrElse(() => this.fail(tx, run, error, fx));
        return;
      }
      const parsed = opsSchema.safeParse(payload);
      if (!parsed.success) {
        await this.fail(tx, run, { name: "NonRetriableError", message: `The SDK answered ops the executor cannot read: ${parsed.error.message}` }, fx);
        return;
      }
      const ops = parsed.data;
      const unsupported = ops.find((o) => !SUPPORTED_OPS.has(o.op));
      if (unsupported) {
        const step = unsupported.displayName ?? unsupported.name ?? unsupported.id;
        await this.fail(
          tx,
          run,
          {
            name: "NonRetriableError",
            message: `The embedded executor does not support the ${unsupported.op} opcode (step "${step}"). Missions must not use step.ai.infer, step.fetch, waitForSignal, realtime publish or defer; run on an Inngest server to use them.`,
          },
          fx,
        );
        return;
      }
      const [only] = ops;
      if (ops.length === 1 && only?.op === "StepError") {
        await retryOrElse(() => this.store.saveStep(tx, run.id, only.id, { error: toJsonError(only.error) }, fx).then(() => {}));
        return;
      }
      for (const op of ops) await this.applyOp(tx, run, op, fx);
      // A run that just ended took its jobs with it.
      if (!fx.ended.includes(run.id)) await this.store.finishJob(tx, job, fx);
    });
    await this.afterCommit(fx);
  }

  /** The hot path: one StepRun (or final StepFailed) stored in a single statement. */
  private async saveSingleResult(
    job: JobRow,
    payload: unknown,
    chain: boolean,
  ): Promise<{ outcome: "kept" | "saved"; hashedId: string; result: StepResult } | false> {
    const parsed = opsSchema.safeParse(payload);
    if (!parsed.success || parsed.data.length !== 1) return false;
    const [op] = parsed.data as [OutgoingOp];
    let result: StepResult;
    if (op.op === "StepRun") {
      const data = op.data ?? null;
      if (Buffer.byteLength(JSON.stringify(data)) > this.opts.maxStepOutputBytes) return false;
      result = { data };
    } else if (op.op === "StepFailed") result = { error: toJsonError(op.error) };
    else return false;
    const outcome = await this.store.saveStepResult(job, op.id, result, chain ? this.opts.leaseMs : undefined);
    return outcome && { outcome, hashedId: op.id, result };
  }

  private async applyOp(tx: DbOrTx, run: EngineRunRow, op: OutgoingOp, fx: TxEffects): Promise<void> {
    const opts = op.opts ?? {};
    const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
    switch (op.op) {
      case "StepRun": {
        const data = op.data ?? null;
        const bytes = Buffer.byteLength(JSON.stringify(data));
        const result: StepResult =
          bytes > this.opts.maxStepOutputBytes
            ? { error: { name: "OutputTooLargeError", message: `Step "${op.displayName ?? op.id}" returned ${bytes} bytes; the limit is ${this.opts.maxStepOutputBytes}` } }
            : { data };
        await this.store.saveStep(tx, run.id, op.id, result, fx);
        return;
      }
      case "StepError":
      case "StepFailed":
        await this.store.saveStep(tx, run.id, op.id, { error: toJsonError(op.error) }, fx);
        return;
      case "StepPlanned":
        await this.store.planStep(tx, run.id, op.id, fx);
        return;
      case "RunComplete":
        await this.store.endRun(tx, run.id, "completed", op.data ?? null, this.fns, fx);
        return;
      case "Sleep":
      case "WaitForEvent":
      case "InvokeFunction": {
        const kind = op.op === "Sleep" ? "sleep" : op.op === "WaitForEvent" ? "event" : "invoke";
        const spec = op.op === "Sleep" ? (str(opts.duration) ?? op.name) : str(opts.timeout);
        let expiresAt: Date | null = null;
        try {
          expiresAt = spec ? dueAt(spec) : null;
        } catch (e) {
          await this.fail(tx, run, { name: "NonRetriableError", message: `Step "${op.displayName ?? op.id}": ${(e as Error).message}` }, fx);
          return;
        }
        if (kind === "sleep" && !expiresAt) {
          await this.fail(tx, run, { name: "NonRetriableError", message: `Step "${op.displayName ?? op.id}": sleep without a duration` }, fx);
          return;
        }
        const eventName = kind === "event" ? (str(opts.event) ?? op.name ?? null) : null;
        const created = await this.store.addWait(
          tx,
          { runId: run.id, hashedId: op.id, kind, eventName, expr: str(opts.if) ?? null, expiresAt },
          fx,
        );
        if (created && kind === "invoke") await this.invoke(tx, run, op, fx);
        return;
      }
      default:
        await this.fail(tx, run, { name: "NonRetriableError", message: `Unsupported opcode ${op.op}` }, fx);
    }
  }

  private async invoke(tx: DbOrTx, run: EngineRunRow, op: OutgoingOp, fx: TxEffects): Promise<void> {
    const opts = op.opts ?? {};
    const fnId = typeof opts.function_id === "string" ? opts.function_id : "";
    const target = this.fns.find((f) => f.id === fnId);
    if (!target) {
      await this.store.resolveWait(tx, run.id, op.id, { error: { name: "Error", message: `Invoked function ${fnId || "(none)"} is not served by this app` } }, fx);
      return;
    }
    const payload = (opts.payload ?? {}) as { data?: Record<string, unknown>; v?: string };
    const event: EngineEventPayload = {
      id: crypto.randomUUID(),
      name: INVOKED_EVENT,
      data: payload.data ?? {},
      ts: Date.now(),
      ...(payload.v ? { v: payload.v } : {}),
    };
    await this.store.createRun(tx, target, event, { runId: run.id, stepId: op.id }, fx);
  }

  private async fail(tx: DbOrTx, run: EngineRunRow, error: { name: string; message: string }, fx: TxEffects): Promise<void> {
    await this.store.endRun(tx, run.id, "failed", error, this.fns, fx);
  }

  /* ───── calling serve() ───── */

  private async request(method: "POST" | "PUT", query: Record<string, string>, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const text = canonicalize(body) ?? "null";
    const url = new URL(this.opts.serveUrl ?? SERVE_URL);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const req = new Request(url, {
      method,
      body: text,
      headers: { "content-type": "application/json", "x-inngest-signature": signatureHeader(this.opts.signingKey, text), ...headers },
    });
    return method === "POST" ? this.opts.handler.POST(req, undefined) : this.opts.handler.PUT(req, undefined);
  }
}

/** The function's return value when its answer only says that it completed (200, or a lone RunComplete op). */
function completionOf(status: number, payload: unknown): { output: unknown } | undefined {
  if (status === 200) return { output: payload };
  if (status !== 206) return undefined;
  const parsed = opsSchema.safeParse(payload);
  const [op] = parsed.success ? parsed.data : [];
  return parsed.success && parsed.data.length === 1 && op?.op === "RunComplete" ? { output: op.data ?? null } : undefined;
}

export type { EngineRunStatus };

type Processed = false | "more" | "done";

/** An idle worker: woken by new work, or by its poll timer; `wake(job)` hands it a job to process. */
interface Sleeper {
  timer: NodeJS.Timeout;
  wake(handed?: ClaimedJob): void;
}
