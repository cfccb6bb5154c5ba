import "server-only";
import type { MemoizedStep } from "./protocol";

/** Stores steps for a run; false when the run is no longer running or a step was already memoized. */
export type StoreSteps = (steps: MemoizedStep[]) => Promise<boolean>;

/**
 * One call to serve() that the SDK checkpoints into. Steps that finished quickly are kept briefly
 * and stored together (write-behind): losing them in a crash only re-runs a few milliseconds of
 * idempotent steps, while storing each costs a statement. A step that took long (a Worker's model
 * call, a slow tool) is stored before the SDK goes on, with whatever was kept before it.
 */
export class CheckpointedCall {
  /** Every step the SDK ran in this call, in order, stored or not yet. */
  readonly steps: MemoizedStep[] = [];
  /** Told to stop: the run ended, another call stored a step first, or the executor died. */
  stale = false;
  private pending: MemoizedStep[] = [];
  private lastAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly jobId: string,
    private readonly store: StoreSteps,
    /** A step that took at least this long is stored at once; kept ones wait at most this long. */
    private readonly writeBehindMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** The SDK ran these steps and goes on. Resolves false when the call must stop. */
  async accept(steps: MemoizedStep[]): Promise<boolean> {
    if (this.stale) return false;
    const now = performance.now();
    const tookLong = now - this.lastAt >= this.writeBehindMs;
    this.lastAt = now;
    this.steps.push(...steps);
    this.pending.push(...steps);
    if (this.writeBehindMs <= 0 || tookLong) return this.flush();
    this.timer ??= setTimeout(() => {
      this.flush().catch(this.onError);
    }, this.writeBehindMs);
    return true;
  }

  /** Stores what is kept. Resolves false when the call must stop; rejects when the database failed (kept steps stay kept). */
  flush(): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.chain.then(async () => {
      if (this.stale || !this.pending.length) return;
      const batch = this.pending;
      this.pending = [];
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
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
    if (this.stale) return false;
    const batch = this.pending;
    this.pending = [];
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
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
