import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import type { Database } from "@/server/db/database";
import type { SQL } from "drizzle-orm";
import { markRunSucceeded, publish, runSucceededCtes, setDirectStates, setRunVerdict, type DirectChange, type RunSucceededRow, type RunVerdict } from "./state";

/**
 * Direct node changes (a condition's branch, skips) of the steps one engine call runs, held and
 * written together: one statement for a stretch of quick steps instead of one each.
 *
 * Only an engine that stores the steps' results itself may hold them, and it must flush before it
 * stores any result of the call (the embedded executor does, through the `holdWrites` hook the
 * composition root registers with `() => new HeldStates()`; it knows nothing of node states): then a change is never lost while
 * its step's result is kept, and a step whose result is lost runs again and writes it again (the
 * writes are guarded no-ops the second time). The walk flushes before any node that writes on its
 * own (a Worker, an action, an approval), so the run's Observations keep the order in which things
 * happened. A verdict is held too: most runs end right after it. The
 * run's end is held last (`markRunSucceededSoon`): the executor writes it, with what is held before
 * it, in the statement that ends the engine's run (`takeEnding`), so a run's last writes are one
 * statement; a flush writes them in one statement of their own.
 */
export class HeldStates {
  private pending: { database: Database; runId: string; change: DirectChange }[] = [];
  /** The first verdict held since the last write; its node's change is in `pending`, in order. */
  private verdict: HeldVerdict | undefined;
  /** The run's end, held: always after everything else held for it. */
  private end: HeldEnd | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Steps of this call that wrote only the run's own state (see markQuickStep). */
  private quick = new Set<string>();

  markQuick(stepId: string): void {
    this.quick.add(stepId);
  }

  /** Whether the step of this call with that id wrote only the run's own state. */
  keeps(stepId: string): boolean {
    return this.quick.has(stepId);
  }

  /** Runs `fn` (an engine call) with its direct changes held here. */
  run<T>(fn: () => T): T {
    return scope.run(this, fn);
  }

  add(database: Database, runId: string, changes: DirectChange[]): void {
    for (const change of changes) this.pending.push({ database, runId, change });
  }

  /**
   * Holds a run's verdict with its node's change. The first verdict wins, as in the database: a
   * later one held before the write is only its node's change.
   */
  addVerdict(database: Database, runId: string, value: RunVerdict, own: DirectChange): void {
    this.verdict ??= { database, runId, value };
    this.add(database, runId, [own]);
  }

  /** Holds the run's end (it succeeded), after everything held for it so far. */
  holdEnd(database: Database, runId: string, labels: Readonly<Record<string, string>>): void {
    this.end = { database, runId, labels };
  }

  /**
   * Writes what is held, after any write still in flight: a held end in one statement with the
   * changes and the verdict held before it. Rejects when the database failed (it all stays held).
   */
  flush(): Promise<void> {
    return this.serially(async () => {
      const end = this.end;
      if (!end) return this.writePending();
      await this.writeOthers(end);
      const taken = this.take();
      try {
        await markRunSucceeded(end.database, end.runId, end.labels, taken.pending.map((p) => p.change), taken.verdict?.value ?? null);
      } catch (e) {
        this.putBack(taken);
        throw e;
      }
    });
  }

  /**
   * The held end, for the statement that ends the engine's run on `database` (the executor's
   * HeldWrites.takeEnding): its CTEs write the end and what was held before it when `gate` holds.
   * Null when no end is held, or it was held for another handle: flush() writes it then.
   */
  takeEnding(database: Database, gate: SQL): Promise<{ ctes: SQL; columns: SQL; committed(row: unknown): void; putBack(): void } | null> {
    return this.serially(async () => {
      const end = this.end;
      if (!end || end.database !== database) return null;
      await this.writeOthers(end);
      const taken = this.take();
      const ending = runSucceededCtes(database, end.runId, end.labels, taken.pending.map((p) => p.change), taken.verdict?.value ?? null, gate);
      return {
        ctes: ending.ctes,
        columns: ending.columns,
        committed: (row) => void ending.committed(row as RunSucceededRow | undefined),
        putBack: () => this.putBack(taken),
      };
    });
  }

  /** Writes on its own what is held for another run or handle than the end's first (never, as one call runs one run). */
  private async writeOthers(end: HeldEnd): Promise<void> {
    const other = (p: { database: Database; runId: string }) => p.database !== end.database || p.runId !== end.runId;
    if (this.pending.some(other) || (this.verdict && other(this.verdict))) await this.writePending();
  }

  /** Everything held, the end included; nothing is held after. */
  private take(): Taken {
    const taken = { pending: this.pending, verdict: this.verdict, end: this.end };
    this.pending = [];
    this.verdict = undefined;
    this.end = undefined;
    return taken;
  }

  /** A write failed: what it took is held again, ahead of anything held since (a first verdict stays first). */
  private putBack(taken: Taken): void {
    this.pending = [...taken.pending, ...this.pending];
    this.verdict = taken.verdict ?? this.verdict;
    this.end ??= taken.end;
  }

  /** Runs `fn` once the writes before it have settled; the next waits for it. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** Writes the changes and the verdict held; a held end stays held. */
  private async writePending(): Promise<void> {
    const { end, ...taken } = this.take();
    this.end = end;
    if (!taken.pending.length) return;
    const { verdict } = taken;
    try {
      // One call runs one run's steps, all on one database handle: grouped anyway, in order. The
      // verdict goes with its run's group (its node's change is in it).
      for (const group of groupBy(taken.pending)) {
        const withVerdict = verdict && verdict.database === group.database && verdict.runId === group.runId;
        const ids = withVerdict
          ? (await setRunVerdict(group.database, group.runId, verdict.value, group.changes)).ids
          : await setDirectStates(group.database, group.runId, group.changes);
        publish(group.runId, ...ids);
      }
    } catch (e) {
      // Groups written before the failure are guarded no-ops when written again.
      this.putBack({ ...taken, end: undefined });
      throw e;
    }
  }

  /** The call was abandoned: what it held is not written (its steps run again). */
  discard(): void {
    this.take();
  }
}

interface HeldEnd {
  database: Database;
  runId: string;
  labels: Readonly<Record<string, string>>;
}

interface Taken {
  pending: { database: Database; runId: string; change: DirectChange }[];
  verdict: HeldVerdict | undefined;
  end: HeldEnd | undefined;
}

interface HeldVerdict {
  database: Database;
  runId: string;
  value: RunVerdict;
}

function groupBy(batch: { database: Database; runId: string; change: DirectChange }[]) {
  const groups: { database: Database; runId: string; changes: DirectChange[] }[] = [];
  for (const item of batch) {
    const last = groups.at(-1);
    if (last && last.database === item.database && last.runId === item.runId) last.changes.push(item.change);
    else groups.push({ database: item.database, runId: item.runId, changes: [item.change] });
  }
  return groups;
}

declare global {
  // One store for every module layer of the process (the executor and serve() may be bundled apart).
  var __stewardHeldStates: AsyncLocalStorage<HeldStates> | undefined;
}
const scope = (globalThis.__stewardHeldStates ??= new AsyncLocalStorage<HeldStates>());

/** Runs `fn` (an engine call) with its direct changes held in `held`. */
export function holdingStates<T>(held: HeldStates, fn: () => T): T {
  return held.run(fn);
}

/** Records direct changes: held when the engine call holds them, else written now. */
export async function setDirectStatesSoon(database: Database, runId: string, changes: DirectChange[]): Promise<void> {
  const held = scope.getStore();
  if (held) {
    held.add(database, runId, changes);
    return;
  }
  publish(runId, ...(await setDirectStates(database, runId, changes)));
}

/**
 * Records a run's verdict and its node's change: held when the engine call holds changes (written
 * with the next flush, or with the run's end), else written now.
 */
export async function setRunVerdictSoon(database: Database, runId: string, value: RunVerdict, own: DirectChange): Promise<void> {
  const held = scope.getStore();
  if (held) {
    held.addVerdict(database, runId, value, own);
    return;
  }
  publish(runId, ...(await setRunVerdict(database, runId, value, [own])).ids);
}

/**
 * The run succeeded: held when the engine call holds writes (the executor writes it, with what is
 * held before it, in the statement that ends its own run; or a flush does), else written now.
 */
export async function markRunSucceededSoon(database: Database, runId: string, labels: Readonly<Record<string, string>>): Promise<void> {
  const held = scope.getStore();
  if (held) held.holdEnd(database, runId, labels);
  else await markRunSucceeded(database, runId, labels);
}

/**
 * Says that the step running now (`stepId`) writes only the run's own state, and idempotently: no
 * call to a system of record, no model, no note that a second run would repeat. The engine may then
 * keep its result a while and store it with later ones, because running it again writes nothing
 * twice. Any other step is stored before the run goes on.
 */
export function markQuickStep(stepId: string): void {
  scope.getStore()?.markQuick(stepId);
}

/** Writes the changes the current engine call holds (none outside one). */
export function flushHeldStates(): Promise<void> {
  return scope.getStore()?.flush() ?? Promise.resolve();
}
