import "server-only";
import type { SQL } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import type { CreatedWait } from "./executor-store";
import type { EngineEventPayload } from "./protocol";

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
   * Steps checkpointed within a call that wrote only the run's own state (HeldWrites.keeps) are kept
   * and stored with later ones, at most this long after the first; any other step is stored before
   * the SDK goes on. 0 stores each step before the SDK goes on (see CheckpointedCall).
   */
  keepStepsMs?: number;
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
  /**
   * Events whose sender sends them again until they take effect, from a record it stored durably
   * first (a run's request: the run row is stored before, and the sweeper re-sends the request of
   * a run still queued). They are stored with the engine's progress (Database.progress), whose
   * commits on PostgreSQL do not wait for the disk: a run's start then waits for one flush to disk
   * (its run row), not two. An event lost in a database crash is sent again.
   */
  resentEvents?: readonly string[];
  logger?: Pick<Console, "error" | "warn">;
}

/** The options with their defaults filled in. */
export type ResolvedOptions = Required<Omit<EmbeddedExecutorOptions, "onWaitCreated" | "serveUrl" | "exclusive" | "holdWrites">> &
  Pick<EmbeddedExecutorOptions, "onWaitCreated" | "serveUrl" | "exclusive" | "holdWrites">;

export const DEFAULTS = {
  concurrency: 4,
  leaseMs: 60_000,
  idleMs: 250,
  retryBaseMs: 1_000,
  maxEventBytes: 512 * 1024,
  maxStepOutputBytes: 4 * 1024 * 1024,
  keepStepsMs: 1_000,
  cron: false,
  resentEvents: [] as readonly string[],
};

/** One call's held writes (see EmbeddedExecutorOptions.holdWrites). */
export interface HeldWrites {
  run<T>(fn: () => T): T;
  /** Writes what is held; rejects when that failed (it stays held). */
  flush(): Promise<void>;
  /** The call was abandoned: nothing it held is written (its steps run again). */
  discard(): void;
  /** Whether the step named so wrote only the run's own state, idempotently: it may be kept a while (keepStepsMs). */
  keeps(stepName: string): boolean;
  /**
   * The writes that end the run, held by a call that ran its function to the end, for the
   * statement on `database` that ends the engine's run: they take effect only when `gate` holds.
   * Null when none is held, or for another handle (flush writes them then).
   */
  takeEnding?(database: Database, gate: SQL): Promise<HeldEnding | null>;
}

/** Writes held for the statement that ends the engine's run (HeldWrites.takeEnding). */
export interface HeldEnding {
  /** CTEs to add to that statement. */
  ctes: SQL;
  /** Columns its `select` must add. */
  columns: SQL;
  /** The statement committed, with this row. */
  committed(row: unknown): void;
  /** The statement failed: the writes are held again. */
  putBack(): void;
}

export const NOTHING_HELD: HeldWrites = { run: (fn) => fn(), flush: async () => {}, discard() {}, keeps: () => false };

export class ExecutorError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = "ExecutorError";
  }
}
