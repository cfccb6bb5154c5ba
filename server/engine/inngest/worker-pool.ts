import "server-only";
import type { ClaimedJob, JobRow } from "./executor-store";

/** false: no job was due; "more": another was due too; "done": processed one. */
export type Processed = false | "more" | "done";

/** What the pool's workers do, supplied by the executor. */
export interface PoolHost {
  stopping(): boolean;
  /** Killed (tests): what is in hand is dropped, as if the process had died. */
  dead(): boolean;
  /** Processes a job this process created and leased for a sleeping worker. */
  processHanded(claimed: ClaimedJob): Promise<Processed>;
  claimAndProcess(): Promise<Processed>;
  /** Gives a handed job back to the queue, due now. */
  releaseJob(job: JobRow): Promise<void>;
  logger: Pick<Console, "error">;
}

/** An idle worker: woken by new work, or by its poll timer; `wake(job)` hands it a job to process. */
interface Sleeper {
  /** Set on the one idle worker that polls. */
  timer: NodeJS.Timeout | undefined;
  wake(handed?: ClaimedJob): void;
}

/**
 * The executor's workers: each claims and processes due jobs, and sleeps when none is due until
 * new work wakes it. One idle worker at a time polls, every `idleMs`, for jobs that became due by
 * time (retries, sleeps) or that another process enqueued; when it wakes, another idle worker
 * takes over the polling. So an idle process claims 4 times a second, not once per idle slot.
 */
export class WorkerPool {
  private slots: Promise<void>[] = [];
  private sleepers = new Set<Sleeper>();
  private poller: Sleeper | undefined;
  /**
   * Wakes that found no idle worker (new work while all were busy), counted since start, and how
   * many of them a claim has answered. The difference is owed: a worker that finishes claims again
   * instead of sleeping while any is owed. A claim that finds nothing due answers every wake counted
   * before it began (that work was taken), so a burst leaves no debt behind it: a debt kept after a
   * burst made every later run pay a claim that found nothing.
   */
  private missedWakes = 0;
  private answeredWakes = 0;

  constructor(
    private readonly host: PoolHost,
    private readonly idleMs: number,
  ) {}

  start(concurrency: number): void {
    for (let i = 0; i < concurrency; i++) this.slots.push(this.workLoop());
  }

  /** Resolves when every worker has stopped (after the host started stopping and wakeAll()). */
  async join(): Promise<void> {
    await Promise.all(this.slots);
    this.slots = [];
  }

  private async workLoop(): Promise<void> {
    // A job this process just created, leased and handed to this worker while it slept (send()).
    let handed: ClaimedJob | undefined;
    while (!this.host.stopping()) {
      let processed: Processed = false;
      const missedBefore = this.missedWakes;
      try {
        processed = handed ? await this.host.processHanded(handed) : await this.host.claimAndProcess();
        if (!handed && processed === false) this.answeredWakes = Math.max(this.answeredWakes, missedBefore);
      } catch (e) {
        if (this.host.stopping()) return;
        this.host.logger.error("[engine] worker failed to claim a job:", e);
      }
      handed = undefined;
      // Claim again at once only when work may be due: more was due at the claim, or work was
      // enqueued while every worker was busy. Otherwise a claim would only find nothing; new
      // work wakes an idle worker.
      if (processed === "more" || (processed && this.owedWakes() > 0)) {
        if (processed !== "more") this.answeredWakes++;
        continue;
      }
      handed = await this.idle();
    }
    // Stopped before it could start the job it was handed: due again for whoever runs next.
    if (handed && !this.host.dead()) await this.host.releaseJob(handed.job).catch(() => {});
  }

  /** Sleeps until work comes (or, as the poller, `idleMs` passed): resolves with a job when one was handed over. */
  private idle(): Promise<ClaimedJob | undefined> {
    // Stopping while this worker was busy: stop() woke the sleepers already, so do not sleep now.
    if (this.host.stopping()) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        timer: undefined,
        wake: (handed) => {
          this.leave(sleeper);
          resolve(handed);
        },
      };
      this.sleepers.add(sleeper);
      if (!this.poller) this.appointPoller();
    });
  }

  /** Takes a sleeper out of the pool; when it was the poller, another idle worker polls instead. */
  private leave(sleeper: Sleeper): void {
    clearTimeout(sleeper.timer);
    sleeper.timer = undefined;
    this.sleepers.delete(sleeper);
    if (this.poller !== sleeper) return;
    this.poller = undefined;
    if (!this.host.stopping()) this.appointPoller();
  }

  private appointPoller(): void {
    const next = this.sleepers.values().next();
    if (next.done) return;
    const sleeper = next.value;
    this.poller = sleeper;
    sleeper.timer = setTimeout(() => sleeper.wake(), this.idleMs);
  }

  /** A worker that is not the poller, if one is idle (the poller keeps its rhythm); else the poller. */
  private someSleeper(): Sleeper | undefined {
    for (const s of this.sleepers) if (s !== this.poller) return s;
    return this.poller;
  }

  /** Wakes no idle worker took that no claim has answered yet. */
  owedWakes(): number {
    return this.missedWakes - this.answeredWakes;
  }

  wakeOne(): void {
    const sleeper = this.someSleeper();
    if (sleeper) sleeper.wake();
    // Every worker is busy: the next one to finish claims again instead of going idle.
    else this.missedWakes++;
  }

  wakeAll(): void {
    for (const s of [...this.sleepers]) s.wake();
  }

  /** Takes an idle worker out of the pool, asleep until it is woken with (or without) a job. */
  reserveWorker(): { wake(handed?: ClaimedJob): void } | undefined {
    const sleeper = this.someSleeper();
    if (!sleeper || this.host.stopping() || this.host.dead()) return undefined;
    this.leave(sleeper);
    return sleeper;
  }
}
