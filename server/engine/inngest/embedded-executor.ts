import "server-only";
import crypto from "node:crypto";
import { CallResults, completionOf, type CallAnswer } from "./call-results";
import { CheckpointedCall } from "./checkpointed-call";
import { CRON_EVENT, CronClock, cronEventId } from "./cron-clock";
import { retryAt } from "./durations";
import {
  DEFAULTS,
  ExecutorError,
  NOTHING_HELD,
  type EmbeddedExecutorOptions,
  type HeldWrites,
  type ResolvedOptions,
  type SendableEvent,
} from "./executor-options";
import { DISCOVERY, ExecutorStore, TxEffects, type ClaimedJob, type EngineRunRow, type EngineRunStatus, type JobRow } from "./executor-store";
import { callBody, toJsonError, type EngineEventPayload, type FunctionConfig } from "./protocol";
import { ServeClient, checkpointedSteps, embeddedFetch, readCheckpoint } from "./serve-calls";
import { WorkerPool, type Processed } from "./worker-pool";

export type { EmbeddedExecutorOptions, HeldWrites, SendableEvent, ServeHandler, WaitCreated } from "./executor-options";
export { ExecutorError } from "./executor-options";
export type { EngineRunStatus };

/** Calls one worker makes for a run in a row before giving the job back to the queue (fairness). */
const MAX_CHAIN = 100;

/**
 * Runs Inngest functions without an Inngest server: events, runs, memoized steps, waits and jobs
 * live in the app database (engine_* tables); workers lease due jobs with FOR UPDATE SKIP LOCKED
 * and call the app's own serve() handler in-process, signed like the Inngest server signs.
 * Steps are at-least-once (a crashed worker's lease expires and the job runs again), as on Inngest.
 *
 * This file holds the lifecycle, the event API and one call's course; serve-calls.ts the HTTP
 * side, worker-pool.ts the workers, call-results.ts what a call's answer changes.
 */
export class EmbeddedExecutor {
  private readonly store: ExecutorStore;
  private readonly events: ExecutorStore;
  private readonly opts: ResolvedOptions;
  private readonly serve: ServeClient;
  private readonly results: CallResults;
  private readonly pool: WorkerPool;
  private fns: FunctionConfig[] = [];
  private inFlight = new Set<Promise<void>>();
  /** The jobs whose leases this process holds while it processes them (see abandon()). */
  private inHand = new Set<JobRow>();
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
    this.serve = new ServeClient(options.handler, options.signingKey, options.serveUrl);
    this.results = new CallResults(this.store, () => this.fns, this.opts);
    this.pool = new WorkerPool(
      {
        stopping: () => this.stopping,
        dead: () => this.dead,
        processHanded: (claimed) => this.processClaimed(claimed, true),
        claimAndProcess: () => this.claimAndProcess(true),
        releaseJob: (job) => this.store.releaseJob(job, new Date()),
        logger: this.opts.logger,
      },
      this.opts.idleMs,
    );
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
    this.fns = await this.serve.sync();
    await this.store.saveFunctions(this.fns);
    if (this.opts.exclusive) await this.store.releaseAllLeases();
    this.started = true;
    if (opts.workers === false) return;
    this.pool.start(this.opts.concurrency);
    if (this.opts.cron) {
      this.cronClock = new CronClock(this.fns, (fn, cron, at) => this.fireCron(fn.id, cron, at), this.opts.logger);
      this.cronClock.start();
    }
  }

  /** Graceful: stops claiming and waits for jobs in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cronClock?.stop();
    this.pool.wakeAll();
    await this.pool.join();
    await Promise.all([...this.inFlight]);
  }

  /**
   * A shutdown's grace ran out with jobs still in hand: stop as kill() does (their late results are
   * dropped) and give their leases back, due now, so that another replica (or the next start) runs
   * them at once instead of after the lease expires. Steps are idempotent and calls to systems of
   * record carry idempotency keys, so a step the process was still running may run again elsewhere.
   */
  async abandon(): Promise<number> {
    this.kill();
    const jobs = [...this.inHand];
    await Promise.all(jobs.map((job) => this.store.releaseJob(job, new Date()).catch(() => {})));
    return jobs.length;
  }

  /** A crash, for tests: stops at once; calls in flight finish but their results are thrown away. */
  kill(): void {
    this.dead = true;
    this.stopping = true;
    this.cronClock?.stop();
    this.pool.wakeAll();
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
    const store = events.every((e) => this.opts.resentEvents.includes(e.name)) ? this.store : this.events;
    // An idle worker gets the run this event starts straight away, leased in the statement that
    // creates it: no claim round trip. Woken without it (nothing started, or an error), it claims.
    const worker = only && events.length === 1 ? this.pool.reserveWorker() : undefined;
    let handed: ClaimedJob | undefined;
    try {
      const alone = only && events.length === 1 ? await store.ingestAlone(only, this.fns, fx, worker ? this.opts.leaseMs : undefined) : false;
      if (alone) handed = alone.handed;
      else {
        await store.db.transaction(async (tx) => {
          await store.ingest(tx, events, this.fns, fx);
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

  /** The `fetch` given to the Inngest client in embedded mode (see embeddedFetch). */
  readonly fetch = embeddedFetch({
    started: () => this.started,
    send: (events) => this.send(events),
    checkpoint: (runId, raw) => this.checkpoint(runId, raw),
  });

  /**
   * The SDK ran a step inside a call and goes on with the next one in the same call: memoize it
   * (write-behind for quick steps, see CheckpointedCall). 409 tells the SDK to stop (the SDK does
   * not retry it): the call is no longer current (the run ended, another call is ahead, or this
   * executor was killed). Any other error makes the SDK retry, then answer the call with the step
   * instead, which the executor stores the usual way.
   */
  private async checkpoint(runId: string, raw: string): Promise<Response> {
    const call = this.checkpointing.get(runId);
    const read = readCheckpoint(raw);
    if (read instanceof Response) return read;
    if (!call || this.dead || read.runId !== runId || read.queueItemId !== call.jobId) {
      call?.stop();
      return Response.json({ error: "This call is no longer current" }, { status: 409 });
    }
    const steps = checkpointedSteps(read.ops, raw, this.opts.maxStepOutputBytes);
    if (steps instanceof Response) return steps;
    const quick = read.ops.every((op) => op.name !== undefined && call.keeps(op.name));
    if (!(await call.accept(steps, { bytes: raw.length, quick }))) return Response.json({ error: "The run ended or another call is ahead" }, { status: 409 });
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

  /* ───── jobs ───── */

  /** Claims and processes one due job, one call to serve() (no chaining). Returns false when none was due. For tests. */
  async tick(): Promise<boolean> {
    return (await this.claimAndProcess(false)) !== false;
  }

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
    if (claimed.more) this.pool.wakeOne();
    const done = this.process(claimed, chain).catch(async (e: unknown) => {
      if (this.dead) return;
      this.opts.logger.error(`[engine] job ${job.kind}:${job.step_id} of run ${job.run_id} failed:`, e);
      await this.store.releaseJob(job, retryAt(job.attempt, null, this.opts.retryBaseMs)).catch(() => {});
    });
    this.inFlight.add(done);
    this.inHand.add(job);
    try {
      await done;
    } finally {
      this.inFlight.delete(done);
      this.inHand.delete(job);
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

  private async afterCommit(fx: TxEffects): Promise<void> {
    // A call still running steps for a run that just ended here stops at its next checkpoint.
    for (const runId of fx.ended) this.checkpointing.get(runId)?.stop();
    if (fx.jobs > 0) {
      // Wake as many workers as there is new work, up to all of them.
      for (let i = 0; i < Math.min(fx.jobs, this.opts.concurrency); i++) this.pool.wakeOne();
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
        const result =
          kind === "invoke"
            ? { error: { name: "InngestInvokeTimeoutError", message: "Timed out waiting for the invoked function to complete" } }
            : { data: null };
        await this.store.resolveWait(tx, run.id, job.step_id, result, fx);
      }
      await this.store.finishJob(tx, job, fx);
    });
    await this.afterCommit(fx);
  }

  /* ───── one call's course ───── */

  /**
   * Calls serve() for a job. While each answer is one step result of the run's only job, the
   * worker keeps the lease and makes the next call itself with the state it already has, up to
   * MAX_CHAIN calls, instead of releasing the job and claiming it again (a round trip per step).
   */
  private async processCall(claimed: ClaimedJob, run: EngineRunRow, maxChain: number): Promise<void> {
    let current: ClaimedJob | undefined = claimed;
    for (let chained = 0; current; chained++) current = await this.callOnce(current, run, chained < maxChain);
  }

  /** One call to serve() and what its answer changes. Returns the job to call again for at once (chaining). */
  private async callOnce(claimed: ClaimedJob, run: EngineRunRow, mayChain: boolean): Promise<ClaimedJob | undefined> {
    const { job } = claimed;
    const fx = new TxEffects();
    if (!this.fns.some((f) => f.id === run.fn_id)) {
      await this.store.db.transaction(async (tx) => {
        await this.results.fail(tx, run, { name: "NonRetriableError", message: `Function ${run.fn_id} is not served by this app any more` }, fx);
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
    const checkpointed = held ? { call: this.checkpointedCall(job, run, held), held } : undefined;
    const res = await this.callServe(claimed, run, disableImmediateExecution, checkpointed?.call, held);
    if (this.dead) {
      checkpointed?.call.discard();
      held?.discard();
      return;
    }
    const payload: unknown = await res.json().catch(() => null);
    if (checkpointed) {
      const stored = await this.storeCheckpointed(run, res.status, payload, checkpointed, fx);
      if (stored !== "go on") return;
      const { steps } = checkpointed.call;
      if (steps.length) claimed = { ...claimed, steps: [...claimed.steps, ...steps] };
    }
    const answer: CallAnswer = {
      status: res.status,
      payload,
      noRetry: res.headers.get("x-inngest-no-retry") === "true",
      retryAfter: res.headers.get("retry-after"),
    };

    if (res.status === 206) {
      const chain = mayChain && !this.stopping && job.step_id === DISCOVERY && !claimed.planned;
      const saved = await this.results.saveSingleResult(job, payload, chain ? this.opts.leaseMs : undefined);
      if (saved && saved.outcome === "kept" && !this.dead) {
        return { ...claimed, job: { ...job, attempt: 0 }, steps: [...claimed.steps, { hashedId: saved.hashedId, result: saved.result }] };
      }
      if (saved) {
        // The released (or queued) discovery job is due now: an idle worker, or this one next.
        this.pool.wakeOne();
        return;
      }
    }

    await this.store.db.transaction((tx) => this.results.apply(tx, job, run, answer, fx));
    await this.afterCommit(fx);
  }

  /** A call the SDK may checkpoint the steps it runs into; they are stored after what they held. */
  private checkpointedCall(job: JobRow, run: EngineRunRow, held: HeldWrites): CheckpointedCall {
    return new CheckpointedCall(
      job.id,
      async (steps) => {
        await held.flush();
        return this.store.checkpointSteps(run.id, steps);
      },
      this.opts.keepStepsMs,
      (e) => this.opts.logger.error(`[engine] storing checkpointed steps of run ${run.id} failed:`, e),
      (name) => held.keeps(name),
    );
  }

  /** Calls serve(), heartbeating the lease meanwhile; a throw becomes a 500 answer. */
  private async callServe(
    claimed: ClaimedJob,
    run: EngineRunRow,
    disableImmediateExecution: boolean,
    call: CheckpointedCall | undefined,
    held: HeldWrites | undefined,
  ): Promise<Response> {
    const { job } = claimed;
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
    try {
      const request = () => this.serve.call(run.fn_id, job.step_id, body);
      return await (held ? held.run(request) : request());
    } catch (e) {
      return Response.json(toJsonError(e), { status: 500 });
    } finally {
      clearInterval(heartbeat);
      if (call && this.checkpointing.get(run.id) === call) this.checkpointing.delete(run.id);
    }
  }

  /**
   * Steps the SDK ran are stored before its answer, which comes after them, and what they
   * changed before them. Told to stop mid-call: whoever is ahead (or the end of the run) owns
   * what happens next ("stopped"). A function that ran to the end: the steps still kept, the
   * run's end and the writes that end it in the app (held: HeldWrites.takeEnding) in one
   * statement ("ended").
   */
  private async storeCheckpointed(
    run: EngineRunRow,
    status: number,
    payload: unknown,
    { call, held }: { call: CheckpointedCall; held: HeldWrites },
    fx: TxEffects,
  ): Promise<"ended" | "stopped" | "go on"> {
    const completion = run.parent_run_id === null ? completionOf(status, payload) : undefined;
    if (completion) {
      const completed = await call.finish(async (steps) => (await this.store.completeRun(run.id, steps, completion.output, held)) === "completed");
      if (!completed) {
        held.discard();
        return "stopped";
      }
      fx.ended.push(run.id);
      await this.afterCommit(fx);
      return "ended";
    }
    if (!(await call.flush())) {
      held.discard();
      return "stopped";
    }
    await held.flush();
    return "go on";
  }
}
