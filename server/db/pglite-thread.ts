import "server-only";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { QueryOptions, Results, Transaction } from "@electric-sql/pglite";
import type { PgliteClient } from "./pglite-statements";
import type { VacuumTiming } from "./pglite-vacuum.mjs";

/**
 * Embedded PGlite in a worker thread (server/db/pglite-worker.mjs), so that its WebAssembly
 * Postgres runs on another core than the one serving HTTP. This is the main thread's side: what
 * drizzle, the migrator and `listen` call, each a message to the worker and its answer back.
 * Functions cannot cross threads, so the caller's parsers run here on the raw text the worker
 * returns for their types.
 */
export interface PgliteHandle extends PgliteClient {
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Closes PGlite (flushing its data dir), then ends the thread. */
  close(): Promise<void>;
}

/** Loaded by Node from the source tree at runtime, as `npm start` runs from the repo root (like drizzle/). */
const workerFile = path.join(process.cwd(), "server/db/pglite-worker.mjs");

interface WireError {
  message: string;
  name: string;
  stack?: string;
  fields: Record<string, unknown>;
}

type Answer = { kind: "ready" } | { kind: "failed"; error: WireError } | { kind: "done"; id: number; value?: unknown; error?: WireError } | { kind: "notify"; id: number; payload: string };

interface Pending {
  resolve(value: unknown): void;
  reject(e: Error): void;
}

type Parsers = NonNullable<QueryOptions["parsers"]>;

/** `onWorker` sees the thread (tests end it to check that nothing waits forever on a dead one). */
export async function openPgliteThread(
  dataDir: string | undefined,
  opts: { sharedBuffersMb?: number; vacuum?: VacuumTiming | false; onWorker?: (worker: Worker) => void } = {},
): Promise<PgliteHandle> {
  const { sharedBuffersMb, vacuum, onWorker } = opts;
  const worker = new Worker(workerFile, { workerData: { dataDir, sharedBuffersMb, vacuum } });
  onWorker?.(worker);
  const pending = new Map<number, Pending>();
  const listeners = new Map<number, (payload: string) => void>();
  let nextId = 0;
  /** Set once the thread is gone: every later call rejects with it. */
  let ended: Error | undefined;

  let opened!: { resolve(): void; reject(e: Error): void };
  const ready = new Promise<void>((resolve, reject) => (opened = { resolve, reject }));

  // The thread keeps the process alive only while something waits on it, as in-process PGlite would.
  worker.unref();
  const settle = (id: number) => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return p;
  };

  worker.on("message", (answer: Answer) => {
    switch (answer.kind) {
      case "ready":
        return opened.resolve();
      case "failed":
        return opened.reject(toError(answer.error));
      case "notify":
        return listeners.get(answer.id)?.(answer.payload);
      case "done": {
        const p = settle(answer.id);
        if (answer.error) p?.reject(toError(answer.error));
        else p?.resolve(answer.value);
      }
    }
  });
  const fail = (e: Error) => {
    ended ??= e;
    opened.reject(ended);
    for (const id of [...pending.keys()]) settle(id)?.reject(ended);
  };
  worker.on("error", (e) => fail(new Error(`PGlite's worker thread failed: ${e.message}; the database is closed`, { cause: e })));
  worker.on("messageerror", (e) => fail(new Error(`PGlite's worker thread sent a message that could not be read: ${e.message}; the database is closed`, { cause: e })));
  worker.on("exit", (code) => fail(new Error(`PGlite's worker thread exited (code ${code}); the database is closed`)));

  /** Sends a message and waits for its answer; `id` names what it opens (a transaction, a LISTEN). */
  function call<T>(message: Record<string, unknown>, id = ++nextId): Promise<T> {
    if (ended) return Promise.reject(ended);
    return new Promise<T>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        worker.postMessage({ ...message, id });
      } catch (e) {
        settle(id);
        reject(e as Error);
      }
    });
  }

  async function query<T>(tx: number | undefined, text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    if (options?.serializers || options?.blob || options?.onNotice) {
      throw new Error("PGlite in a worker thread takes no serializers, blob or onNotice option (functions and files cannot cross threads); open the database without `thread` to use them");
    }
    const parsers = options?.parsers;
    const raw = parsers ? Object.keys(parsers).map(Number) : undefined;
    const result = await call<Results<T>>({ op: "query", tx, text, params, rowMode: options?.rowMode, paramTypes: options?.paramTypes, raw });
    if (parsers) applyParsers(result, parsers);
    return result;
  }

  try {
    await ready;
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  return {
    query: (text, params, options) => query(undefined, text, params, options),
    async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      // Settles once the worker committed or rolled back. The callback's queries follow the begin
      // without waiting for it (the worker queues them behind it): a message each way saved.
      const id = ++nextId;
      const done = call<void>({ op: "begin" }, id);
      // Awaited below; a rejection while the callback runs (the thread died) is not unhandled meanwhile.
      done.catch(() => undefined);
      let closed = false;
      const tx = {
        query: <R>(text: string, params?: unknown[], options?: QueryOptions) => (closed ? Promise.reject(new Error("Transaction is closed")) : query<R>(id, text, params, options)),
        get closed() {
          return closed;
        },
      } as unknown as Transaction;
      let result: T;
      try {
        result = await fn(tx);
      } catch (e) {
        closed = true;
        await end(id, false, done);
        throw e;
      }
      closed = true;
      await end(id, true, done);
      return result;
    },
    async listen(channel, onPayload) {
      const id = ++nextId;
      listeners.set(id, onPayload);
      try {
        await call({ op: "listen", channel }, id);
      } catch (e) {
        listeners.delete(id);
        throw e;
      }
      return async () => {
        listeners.delete(id);
        await call({ op: "unlisten", listener: id });
      };
    },
    async close() {
      if (ended) return;
      await call({ op: "close" });
      ended = new Error("The database is closed");
      await worker.terminate();
    },
  };

  /** Ends a transaction (commit or roll back) and waits until it has; a failed begin or commit rejects here. */
  async function end(tx: number, commit: boolean, done: Promise<void>): Promise<void> {
    if (!ended) worker.postMessage({ op: "end", tx, commit });
    await done;
  }
}

/** The caller's parsers, over the values the worker left as text (a field's dataTypeID names its type). */
function applyParsers(result: Results<unknown>, parsers: Parsers): void {
  const parsed = result.fields.map((field, i) => ({ i, name: field.name, parse: parsers[field.dataTypeID], type: field.dataTypeID })).filter((f) => f.parse);
  if (parsed.length === 0) return;
  for (const row of result.rows as Record<string | number, unknown>[]) {
    const array = Array.isArray(row);
    for (const f of parsed) {
      const key = array ? f.i : f.name;
      const value = row[key];
      if (value !== null && value !== undefined) row[key] = (f.parse as (value: string, type: number) => unknown)(value as string, f.type);
    }
  }
}

/** A database error as the worker sent it, with its fields (code, detail, constraint, …) for callers that check them. */
function toError(wire: WireError): Error {
  const e = new Error(wire.message);
  e.name = wire.name;
  Object.assign(e, wire.fields);
  if (wire.stack) e.stack = `${e.stack}\n    in PGlite's worker thread: ${wire.stack}`;
  return e;
}
