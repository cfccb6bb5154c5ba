import "server-only";
import type { MemoizedStep } from "./protocol";

/** Stores steps for a run; false when the run is no longer running or a step was already memoized. */
export type StoreSteps = (steps: MemoizedStep[]) => Promise<boolean>;

/** Kept steps are stored once their checkpoints reach this size, however little time passed. */
export const MAX_KEPT_BYTES = 1_000_000;

/** What the executor knows of the steps of one checkpoint. */
export interface CheckpointFacts {
  /** The checkpoint's size. */
  bytes?: number;
  /** Every step in it wrote only the run's own state, idempotently (HeldWrites.keeps). */
  quick?: boolean;
}

/**
 * One call to serve() that the SDK checkpoints into. A step that wrote only the run's own state,
 * idempotently (a run's start, a stretch of conditions and a verdict, a skip) is kept and stored
 * with the next ones, normally with the call's end in one statement, at most `keepMs` later and at
 * most MAX_KEPT_BYTES of them: storing each costs a statement, and one lost in a crash only runs
 * again and writes nothing twice. Any other step (a tool, a Worker, a child run, a note) is stored,
 * with whatever was kept, before the SDK goes on, so what a run did outside and said is never done
 * again after it was seen. The rule goes by what a step does, not how long it took: under load
 * every step's wall time stretches with the calls sharing the thread, and a quick step may still
 * have written something a second run would repeat.
 */
export class CheckpointedCall {
  /** Every step the SDK ran in this call, in order, stored or not yet. */
  readonly steps: MemoizedStep[] = [];
  /** Told to stop: the run ended, another call stored a step first, or the executor died. */
  stale = false;
  private pending: MemoizedStep[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly jobId: string,
    private readonly store: StoreSteps,
    /** Kept steps wait at most this long (0: every step is stored before the SDK goes on). */
    private readonly keepMs: number,
    private readonly onError: (e: unknown) => void,
    /** Whether the step named so wrote only the run's own state (HeldWrites.keeps). */
    readonly keeps: (stepName: string) => boolean = () => false,
  ) {}

  /** The SDK ran these steps and goes on. Resolves false when the call must stop. */
  async accept(steps: MemoizedStep[], { bytes = 0, quick = false }: CheckpointFacts = {}): Promise<boolean> {
    if (this.stale) return false;
    this.steps.push(...steps);
    this.pending.push(...steps);
    this.pendingBytes += bytes;
    if (!quick || this.keepMs <= 0 || this.pendingBytes >= MAX_KEPT_BYTES) return this.flush();
    this.timer ??= setTimeout(() => {
      this.flush().catch(this.onError);
    }, this.keepMs);
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
  }
}
