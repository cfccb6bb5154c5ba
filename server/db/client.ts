import "server-only";
import { dataDir, env } from "@/server/env";
import { openDatabase, type Database } from "./database";

declare global {
  var __stewardDatabase: Promise<Database> | undefined;
}

/**
 * The process-wide database. Lazy and keyed on globalThis because Next.js loads a module once per
 * bundle layer: a module-level singleton would open the PGlite data dir several times.
 */
export function getDatabase(): Promise<Database> {
  if (process.env.NEXT_PHASE === "phase-production-build") {
    throw new Error("The database must not be opened during `next build`.");
  }
  globalThis.__stewardDatabase ??= open();
  return globalThis.__stewardDatabase;
}

export async function getDb() {
  return (await getDatabase()).db;
}

function open(): Promise<Database> {
  const e = env();
  const p = e.DATABASE_URL
    ? openDatabase({ driver: "postgres", url: e.DATABASE_URL, max: e.STEWARD_DB_POOL_MAX, prepare: e.STEWARD_DB_PREPARE === "1" })
    : openDatabase({ driver: "pglite", dataDir: dataDir(), thread: e.STEWARD_PGLITE_THREAD === "1", sharedBuffersMb: e.STEWARD_PGLITE_SHARED_BUFFERS_MB, vacuum: e.STEWARD_PGLITE_VACUUM === "1" ? {} : false });
  // A failed open must not be cached, or every later request would see the same rejection.
  p.catch(() => {
    globalThis.__stewardDatabase = undefined;
  });
  return p;
}
