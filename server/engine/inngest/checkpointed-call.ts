import "server-only";
import type { MemoizedStep } from "./protocol";

/** Stores steps for a run; false when the run is no longer running or a step was already memoized. */
export type StoreSteps = (steps: MemoizedStep[]) => Promise<boolean>;

export interface WriteBehind {
  /** A step that ran at least this long is stored before the SDK goes on (0: every step is); a quicker one is kept at most this long. */
  slowMs: number;
  /** Steps that wrote only the run's own state are kept, however long they ran, at most this long. */
  keepMs: number;
}

/** Kept steps are stored once their checkpoints reach this size, however little time passed. */
export const MAX_KEPT_BYTES = 1_000_000;

/** What the executor knows of the steps of one checkpoint. */
export interface CheckpointFacts {
  /** The checkpoint's size. */
  bytes?: number;
  /** How long the longest of its steps ran, by the SDK's own timing; else the time since the previous checkpoint counts. */
  tookMs?: number | undefined;
  /** Every step in it wrote only the run's own state (HeldWrites.keeps). */
  quick?: boolean;
}

/**
 * One call to serve() that the SDK checkpoints into. Steps are kept and stored together
 * (write-behind), normally with the call's end in one statement: storing each costs a statement,
 * and losing them in a crash only runs them again (steps are idempotent, calls to systems of
 * record carry idempotency keys). A step that ran long (a Worker's model call, a slow tool) is
 * stored before the SDK goes on, with whatever was kept before it, and a quicker one is kept at
 * most that long (`slowMs`), so what a run did outside is soon stored. A step that wrote only the
 * run's own state (a run's start, a stretch of conditions and a verdict) is kept however long it
 * ran, up to `keepMs`: under load every step's wall time stretches with the other calls sharing
 * the thread, and at 10 runs in flight the API bench's runs, two such steps each, stored 1.7 of
 * them in statements of their own. At most MAX_KEPT_BYTES are kept.
 */
export class CheckpointedCall {
  /** Every step the SDK ran in this call, in order, stored or not yet. */
  readonly steps: MemoizedStep[] = [];
  /** Told to stop: the run ended, another call stored a step first, or the executor died. */
  stale = false;
  private pending: MemoizedStep[] = [];
  private pendingBytes = 0;
  private lastAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  /** When the timer stores what is kept (performance.now()). */
  private dueAt = Infinity;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly jobId: string,
    private readonly store: StoreSteps,
    private readonly window: WriteBehind,
    private readonly onError: (e: unknown) => void,
    /** Whether the step named so wrote only the run's own state (HeldWrites.keeps). */
    readonly keeps: (stepName: string) => boolean = () => false,
  ) {}

  /** The SDK ran these steps and goes on. Resolves false when the call must stop. */
  async accept(steps: MemoizedStep[], { bytes = 0, tookMs, quick = false }: CheckpointFacts = {}): Promise<boolean> {
    if (this.stale) return false;
    const now = performance.now();
    const tookLong = !quick && (tookMs ?? now - this.lastAt) >= this.window.slowMs;
    this.lastAt = now;
    this.steps.push(...steps);
    this.pending.push(...steps);
    this.pendingBytes += bytes;
    if (this.window.slowMs <= 0 || tookLong || this.pendingBytes >= MAX_KEPT_BYTES) return this.flush();
    const due = now + (quick ? this.window.keepMs : this.window.slowMs);
    if (due < this.dueAt) {
      clearTimeout(this.timer);
      this.dueAt = due;
      this.timer = setTimeout(() => {
        this.flush().catch(this.onError);
      }, due - now);
    }
    return true;
  }

  /** Stores what is kept. Resolves false when the call must stop; rejects when the database failed (kept steps stay kept). */
  flush(): Promise<boolean> {
    this.stopTimer();
    const run = this.chain.then(async () => {
      if (this.stale || !this.pending.length) return;
      const batch = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      try {
        if (!(await this.store(batch))) this.stale = true;
      } catch (e) {
        this.pending = [...batch, ...this.pending];
        throw e;
      }
    });
    // The next flush waits for this one, whether it failed or not.
    this.chain = run.catch(() => {});
    return run.then(() => !this.stale);
  }

  /**
   * The call answered: `last` stores what is still kept together with what the answer does (one
   * statement for both), after any store in flight. Resolves false when the call had to stop or
   * `last` says it is stale; rejects when the database failed.
   */
  async finish(last: StoreSteps): Promise<boolean> {
    this.stopTimer();
    await this.chain;
    if (this.stale) return false;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      if (!(await last(batch))) this.stale = true;
    } catch (e) {
      this.pending = batch;
      throw e;
    }
    return !this.stale;
  }

  /** The run ended: the SDK is told to stop at its next checkpoint, and nothing kept is stored. */
  stop(): void {
    this.stale = true;
    this.discard();
  }

  /** The call answered or is abandoned: nothing is stored after this. */
  discard(): void {
    this.stopTimer();
    this.pending = [];
    this.pendingBytes = 0;
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Infinity;
  }
}
