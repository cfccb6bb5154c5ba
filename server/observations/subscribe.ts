import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { OBSERVATION_CHANNEL, observationBus, RUN_ENDED, RUN_ENDED_CHANNEL } from "./record";
import { readObservations, type ObservationView } from "./query";

declare global {
  // One LISTEN per database handle per process: Next loads this module once per bundle layer, and
  // every layer must share it. A WeakMap so closed test databases are forgotten.
  var __stewardObservationListeners: WeakMap<Database, Promise<() => Promise<void>>> | undefined;
}

/**
 * Re-emits `steward_observation` NOTIFYs (from this replica or any other on the same database) on
 * the in-process bus as `(runId, id)`, and `steward_run_ended` as `(runId, null, RUN_ENDED)`. Started once per database handle; resolves when the LISTEN
 * is in place, so a subscriber that awaits it cannot miss a notification sent after that.
 */
export function ensureObservationListener(database: Database): Promise<() => Promise<void>> {
  const listeners = (globalThis.__stewardObservationListeners ??= new WeakMap());
  let started = listeners.get(database);
  if (!started) {
    started = database.listen(OBSERVATION_CHANNEL, (payload) => {
      const parsed = parsePayload(payload);
      if (parsed) observationBus().emit(parsed.runId, parsed.id);
    }).then(async (unlisten) => {
      const unlistenEnded = await database.listen(RUN_ENDED_CHANNEL, (runId) => observationBus().emit(runId, null, RUN_ENDED));
      return async () => {
        await Promise.all([unlisten(), unlistenEnded()]);
      };
    });
    // A failed LISTEN is retried by the next subscriber rather than cached.
    started.catch(() => listeners.delete(database));
    listeners.set(database, started);
  }
  return started;
}

/** `<runId>:<id>` → parts; null for anything else (the channel is public to every client). */
export function parsePayload(payload: string): { runId: string; id: number } | null {
  const at = payload.lastIndexOf(":");
  if (at <= 0) return null;
  const id = Number(payload.slice(at + 1));
  return Number.isSafeInteger(id) && id > 0 ? { runId: payload.slice(0, at), id } : null;
}

export interface ObserveRunOptions {
  runId: string;
  /**
   * Where to start: after this observation id (exclusive; 0 = the whole backlog), or "end" = only
   * what is written from now on (the caller reads the backlog itself, e.g. with listObservations,
   * once this stream is open: rows committed before are in its reads, rows committed after here).
   * Either way a row announced after the stream opened is delivered even if its id is below the
   * start (it committed late), so the caller keeps rows unique by id.
   */
  after?: number | "end";
  signal?: AbortSignal;
  /** Rows read per query: the backlog is paged. */
  pageSize?: number;
  /** Re-read this often even without a wake-up, so a lost notification costs at most this delay. */
  pollMs?: number;
  /** How long an announced id that is not yet visible is looked for (its transaction may roll back). */
  expectMs?: number;
}

export interface ObservedRow {
  observation: ObservationView;
  /** Where to resume after this row: the highest id delivered so far. */
  cursor: number;
}

/**
 * Opens the run's Observation stream: listening starts before this resolves (so anything written
 * from then on reaches the stream), and the stream yields the rows after the start point, then live
 * ones as they are written, until `signal` aborts or the iterator is returned. Each row once, in
 * id order (except late commits, below).
 *
 * Why it misses nothing: it listens on the bus (and makes sure the database LISTEN is up) before
 * the first read, so every row committed after a read causes a wake-up. A wake-up only marks the
 * stream dirty; the loop then reads `id > cursor` from the database (payloads are never trusted
 * as data), and wake-ups that arrive during a read are coalesced into one more read.
 *
 * On PostgreSQL two transactions can commit out of id order, so a row can become visible after a
 * higher id was already delivered. Every announced id that has not been delivered is therefore
 * remembered and read by id on the next pass (its NOTIFY, sent at commit, triggers that pass).
 * Such a late row is delivered after higher ids; the cursor never goes back.
 */
export async function openRunStream(database: Database, opts: ObserveRunOptions): Promise<AsyncGenerator<ObservedRow>> {
  const { runId, signal } = opts;
  const pageSize = opts.pageSize ?? 500;
  const pollMs = opts.pollMs ?? 10_000;
  const expectMs = opts.expectMs ?? 60_000;
  /** Announced ids not yet delivered → when first announced. */
  const expected = new Map<number, number>();
  /** Delivered ids → when, kept while a repeat announcement (in-process, then NOTIFY) may still come. */
  const delivered = new Map<number, number>();
  let dirty = true;
  let wake: (() => void) | null = null;
  let floor = typeof opts.after === "number" ? Math.max(0, opts.after) : 0;

  // Every id announced from now on is looked for, also one at or below the start point: a resuming
  // client holds what it was sent, not every id below its resume point, and a row that commits out
  // of id order after its relist would otherwise reach it by no path. It keeps rows unique by id.
  const onId = (id: unknown) => {
    if (typeof id === "number" && !delivered.has(id) && !expected.has(id)) expected.set(id, Date.now());
    dirty = true;
    wake?.();
  };
  const bus = observationBus();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    bus.off(runId, onId);
    signal?.removeEventListener("abort", onAbort);
    wake?.();
  };
  // Also on abort: a stream that is never iterated must not keep its listener.
  const onAbort = () => close();
  bus.on(runId, onId);
  signal?.addEventListener("abort", onAbort);
  try {
    await ensureObservationListener(database);
    if (opts.after === "end") {
      // Read after listening. Rows committed later are announced to `onId` and delivered, also
      // those below the end (late commits); the caller's own read may hold some of them too.
      const [row] = await database.rows<{ max: number | null }>(sql`select max(id) as max from observation where run_id = ${runId}`);
      floor = Number(row?.max ?? 0);
    }
  } catch (e) {
    close();
    throw e;
  }

  async function* stream(): AsyncGenerator<ObservedRow> {
    let cursor = floor;
    try {
      while (!closed && !signal?.aborted) {
        if (!dirty) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, pollMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
          if (closed || signal?.aborted) break;
        }
        dirty = false;

        const late = [...expected.keys()].filter((id) => id <= cursor);
        const from = cursor;
        const rows = await readObservations(database, { runId, after: cursor, ids: late, limit: pageSize });
        let inRange = 0;
        for (const row of rows) {
          if (row.id > from) inRange++;
          expected.delete(row.id);
          if (delivered.has(row.id)) continue;
          delivered.set(row.id, Date.now());
          if (row.id > cursor) cursor = row.id;
          yield { observation: row, cursor };
          if (closed || signal?.aborted) return;
        }
        // A full page means more backlog: read on without waiting.
        if (inRange >= pageSize) dirty = true;

        const now = Date.now();
        for (const [id, since] of expected) if (now - since > expectMs) expected.delete(id);
        for (const [id, at] of delivered) if (now - at > expectMs) delivered.delete(id);
      }
    } finally {
      close();
    }
  }
  return stream();
}

/** `openRunStream` as one generator (listening starts when iteration does). */
export async function* observeRun(database: Database, opts: ObserveRunOptions): AsyncGenerator<ObservedRow> {
  yield* await openRunStream(database, opts);
}
