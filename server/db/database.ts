import "server-only";
import fs from "node:fs";
import path from "node:path";
import { PGlite, types } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { preparedStatements } from "./pglite-statements";
import { preparingStatements } from "./postgres-statements";
import { openPgliteThread, type PgliteHandle } from "./pglite-thread";
import { pgliteOptions } from "./pglite-options.mjs";
import { busyClock, vacuumWhenQuiet, type VacuumTiming } from "./pglite-vacuum.mjs";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { sql, type SQL } from "drizzle-orm";
import postgres from "postgres";
import * as schema from "./schema";
import { lockDataDir } from "./data-dir-lock";
import { compileSql } from "./compile-sql";
import { backoffMs } from "@/lib/backoff";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle: the same query API as Db. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  driver: "pglite" | "postgres";
  /** Raw SQL returning rows; the two drivers shape results differently. */
  rows<T = Record<string, unknown>>(query: SQL, on?: DbOrTx): Promise<T[]>;
  /** Subscribe to Postgres NOTIFY on a channel. Returns an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * The same database for the engine's own progress: step results, jobs, run and node states,
   * Observations written by steps. On PostgreSQL its commits do not wait for the WAL to reach the
   * disk (`synchronous_commit = off`): an OS crash can lose the last fraction of a second of them,
   * never a hole (the WAL is flushed in order, and every ordinary commit flushes all before it),
   * and a lost step result only makes that step run again, which steps allow (idempotent writes,
   * idempotency keys on side effects). People's writes (decisions, missions, settings) stay on
   * the ordinary handle. On PGlite it is this handle.
   */
  readonly progress: Database;
  close(): Promise<void>;
}

export type DatabaseOptions =
  /**
   * `thread`: PGlite runs in a worker thread, off the thread that serves requests (pglite-thread.ts).
   * `sharedBuffersMb`: its buffer pool, all of it resident from the start (pglite-options.mjs).
   * `vacuum`: when it vacuums and analyzes the tables that need it, as autovacuum would (pglite-vacuum.mjs); `false`: never.
   */
  | { driver: "pglite"; dataDir?: string; lock?: boolean; thread?: boolean; sharedBuffersMb?: number; vacuum?: VacuumTiming | false }
  /** `prepare`: repeated statements are prepared on each connection (postgres-statements.ts); off for a pooler that cannot keep them. */
  | { driver: "postgres"; url: string; max?: number; prepare?: boolean };

const migrationsFolder = path.join(process.cwd(), "drizzle");

/** drizzle's options for a raw statement on PGlite: rows as objects, dates and intervals left as text. */
const PGLITE_RAW_ROWS = {
  rowMode: "object" as const,
  parsers: Object.fromEntries([types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map((t) => [t, (value: string) => value])),
};

/** PGlite on this thread, with the same surface as the threaded one. */
async function inProcess(dataDir: string | undefined, sharedBuffersMb: number | undefined, timing: VacuumTiming | false | undefined): Promise<PgliteHandle> {
  const pg = new PGlite(pgliteOptions(dataDir, sharedBuffersMb));
  await pg.waitReady;
  const client = preparedStatements(pg);
  const busy = busyClock();
  const vacuum =
    timing === false
      ? undefined
      : vacuumWhenQuiet(pg, {
          ...timing,
          busyMs: busy.busyMs,
          onError: (e) => console.warn("[pglite] vacuuming failed:", e instanceof Error ? e.message : e),
        });
  return {
    query: (text, params, options) => busy.timed(() => client.query(text, params, options)),
    transaction: (fn) => busy.timed(() => client.transaction(fn)),
    async listen(channel, onPayload) {
      const unsub = await pg.listen(channel, onPayload);
      return async () => unsub();
    },
    async close() {
      await vacuum?.stop();
      await pg.close();
    },
  };
}

/** Opens, locks (embedded), and migrates a database. Callers own the returned handle. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.driver === "pglite") {
    let release: (() => void) | undefined;
    if (opts.dataDir) {
      fs.mkdirSync(opts.dataDir, { recursive: true });
      if (opts.lock !== false) release = lockDataDir(opts.dataDir);
    }
    try {
      const client = opts.thread
        ? await openPgliteThread(opts.dataDir, { sharedBuffersMb: opts.sharedBuffersMb, vacuum: opts.vacuum })
        : await inProcess(opts.dataDir, opts.sharedBuffersMb, opts.vacuum);
      const db = drizzlePglite(client as never, { schema }) as unknown as Db;
      try {
        await migratePglite(db as never, { migrationsFolder });
      } catch (e) {
        await client.close().catch(() => undefined);
        throw e;
      }
      const database: Database = {
        get progress() {
          return database;
        },
        db,
        driver: "pglite",
        async rows<T>(query: SQL, on: DbOrTx = db) {
          const compiled = on === db ? compileSql(query) : null;
          if (compiled) return (await client.query<T>(compiled.text, compiled.params, PGLITE_RAW_ROWS)).rows;
          const res = (await on.execute(query)) as unknown as { rows: T[] };
          return res.rows;
        },
        listen: (channel, onPayload) => client.listen(channel, onPayload),
        async close() {
          await client.close();
          release?.();
        },
      };
      return database;
    } catch (e) {
      release?.();
      throw e;
    }
  }
  const max = opts.max ?? 10;
  const client = postgres(opts.url, { max, onnotice: () => {}, backoff: reconnectDelaySeconds });
  // The engine's progress gets its own pool whose sessions commit without waiting for the disk.
  const progressClient = postgres(opts.url, {
    max: Math.max(2, Math.ceil(max / 2)),
    onnotice: () => {},
    backoff: reconnectDelaySeconds,
    connection: { synchronous_commit: "off", application_name: "steward-engine" },
  });
  const wrap = (c: postgres.Sql) => survivingConnectionLoss(opts.prepare === false ? c : preparingStatements(c));
  const mainSql = wrap(client);
  const db = drizzlePostgres(mainSql, { schema }) as unknown as Db;
  await migrateOnce(opts.url, () => migratePostgres(db as never, { migrationsFolder }));
  const progressSql = wrap(progressClient);
  const progressDb = drizzlePostgres(progressSql, { schema }) as unknown as Db;
  const handle = (on: Db, onSql: postgres.Sql): Database => ({
    db: on,
    driver: "postgres",
    get progress() {
      return progress;
    },
    async rows<T>(query: SQL, tx: DbOrTx = on) {
      const compiled = tx === on ? compileSql(query) : null;
      // As drizzle runs a raw statement: unprepared by drizzle (preparingStatements decides), its parsers already set on the client.
      const res = compiled ? await onSql.unsafe(compiled.text, compiled.params as postgres.ParameterOrJSON<never>[], { prepare: false }) : ((await tx.execute(query)) as unknown as T[]);
      return [...res] as T[];
    },
    async listen(channel, onPayload) {
      const sub = await client.listen(channel, onPayload);
      return async () => sub.unlisten();
    },
    async close() {
      await Promise.all([client.end({ timeout: 5 }), progressClient.end({ timeout: 5 })]);
    },
  });
  const progress = handle(progressDb, progressSql);
  return handle(db, mainSql);
}

/**
 * How long a pool waits before it connects again after a failed attempt (seconds). postgres.js by
 * default waits up to 20 s, growing with failures counted across the whole pool, so after a
 * PostgreSQL restart of a few seconds requests kept hanging for 15 s and more
 * (server/ops/replicas.test.ts); at most 1 s here, and connection attempts are cheap to refuse.
 */
function reconnectDelaySeconds(failures: number): number {
  return backoffMs(failures + 1, { baseMs: 50, maxMs: 1_000 }) / 1_000;
}

const CONNECTION_LOST = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED"]);

/** A postgres.js connection error, as thrown or as the cause drizzle wraps it in ("Failed query: …"). */
function connectionLost(e: unknown): boolean {
  return hasCode(e, CONNECTION_LOST);
}

/**
 * Errors that mean the database cannot be reached right now rather than that a statement is wrong:
 * postgres.js's lost or refused connections, the socket's own errors, and PostgreSQL's "shutting
 * down" / "starting up" / connection-failure SQLSTATEs. Callers answer them as a passing outage.
 */
const UNAVAILABLE = new Set([
  ...CONNECTION_LOST,
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

export function databaseUnavailable(e: unknown): boolean {
  return hasCode(e, UNAVAILABLE);
}

function hasCode(e: unknown, codes: Set<string>, depth = 0): boolean {
  const err = e as { code?: unknown; cause?: unknown } | null;
  if (!err || depth > 5) return false;
  return codes.has(err.code as string) || (err.cause !== undefined && hasCode(err.cause, codes, depth + 1));
}

/**
 * The client with a `begin` that survives PostgreSQL going away mid-transaction. postgres.js 3.4
 * answers an error inside `begin` by sending ROLLBACK on the transaction's connection; when that
 * connection is gone its socket is null and the deferred write throws outside any promise, killing
 * the process (porsager/postgres#1154, #1208; server/db/connection-loss.test.ts). Here, once a
 * query of the transaction failed because its connection was lost, the callback never settles, so
 * no ROLLBACK is sent (the server rolled back when the connection died) and no further query goes
 * out on it; `begin` itself still rejects, through its own wait on the connection's close.
 */
function survivingConnectionLoss(client: postgres.Sql): postgres.Sql {
  const begin = ((...args: unknown[]) => {
    const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
    let lost = false;
    const guarded = async (tx: postgres.TransactionSql) => {
      const txGuarded = new Proxy(tx, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (prop !== "unsafe" || typeof value !== "function") return value;
          return (...a: unknown[]) => {
            if (lost) throw Object.assign(new Error("write CONNECTION_CLOSED (the transaction's connection was lost)"), { code: "CONNECTION_CLOSED" });
            return (value as (...b: unknown[]) => unknown).apply(target, a);
          };
        },
      });
      try {
        return await fn(txGuarded);
      } catch (e) {
        if (!connectionLost(e)) throw e;
        lost = true;
        return new Promise<never>(() => {});
      }
    };
    const tx = (client.begin as (...b: unknown[]) => Promise<unknown>)(...args, guarded);
    // Lost while the callback awaited something else: its next query must not go out either.
    tx.catch((e: unknown) => {
      if (connectionLost(e)) lost = true;
    });
    return tx;
  }) as postgres.Sql["begin"];
  return new Proxy(client, { get: (target, prop, receiver) => (prop === "begin" ? begin : Reflect.get(target, prop, receiver)) });
}

/** pg_advisory_lock key of Steward's migrations (any fixed bigint; "stwd-mig" in ASCII). */
const MIGRATION_LOCK = 0x7374_7764_2d6d_6967n;

/**
 * Runs the migrations while holding a session advisory lock on a connection of its own, so that
 * replicas starting together migrate one after another: the first applies what is missing, the
 * others then find nothing to do. (Without it they race to create the same tables and all but one
 * fail to start.) The lock's connection is not from the pool, which may hold a single connection.
 */
async function migrateOnce(url: string, migrate: () => Promise<unknown>): Promise<void> {
  const lock = postgres(url, { max: 1, onnotice: () => {}, connection: { application_name: "steward-migrate" } });
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK.toString()}::bigint)`;
    await migrate();
  } finally {
    // Ending the session releases the lock too, should the unlock itself fail.
    await lock`select pg_advisory_unlock(${MIGRATION_LOCK.toString()}::bigint)`.catch(() => undefined);
    await lock.end({ timeout: 5 });
  }
}

export async function notify(database: Database, channel: string, payload: string, on?: DbOrTx): Promise<void> {
  await (on ?? database.db).execute(sql`select pg_notify(${channel}, ${payload})`);
}
