import "server-only";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";

/** How long /api/ready waits for the database before calling it unreachable. */
export const DATABASE_PROBE_MS = 2_000;

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: { database: ReadinessCheck; migrations: ReadinessCheck; executor: ReadinessCheck };
}

/** What this process's engine is doing, as boot reports it (server/boot/engine-start.ts). */
export interface EngineStatus {
  mode: "embedded" | "inngest" | "off";
  /** Embedded: the executor's workers are taking jobs (false before start and once stopping). */
  running: boolean;
}

interface LastMigration {
  tag: string;
  when: number;
}

let journal: LastMigration | undefined;

/** The newest migration this build ships (drizzle/meta/_journal.json), read once. */
function lastShippedMigration(): LastMigration {
  if (!journal) {
    const file = path.join(process.cwd(), "drizzle", "meta", "_journal.json");
    const entries = (JSON.parse(fs.readFileSync(file, "utf8")) as { entries: LastMigration[] }).entries;
    const last = entries.at(-1);
    if (!last) throw new Error(`${file} lists no migrations`);
    journal = { tag: last.tag, when: last.when };
  }
  return journal;
}

const probes = new WeakMap<Database, Promise<number | null>>();

/**
 * The newest migration the database has applied (drizzle's `created_at`, the journal's `when`), read
 * within DATABASE_PROBE_MS: the read doubles as the reachability probe. One probe at a time per
 * database, so a prober polling a dead database does not pile up queries behind the connect timeout.
 */
function probe(database: Database): Promise<number | null> {
  const running = probes.get(database);
  if (running) return running;
  const read = database
    .rows<{ last: string | null }>(sql`select max(created_at)::text as last from drizzle.__drizzle_migrations`)
    .then(([row]) => Number(row?.last ?? 0));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), DATABASE_PROBE_MS);
  });
  const p = Promise.race([read, timeout]).finally(() => {
    clearTimeout(timer);
    probes.delete(database);
  });
  // A read that loses the race must not surface as an unhandled rejection later.
  read.catch(() => undefined);
  probes.set(database, p);
  return p;
}

function executorCheck(engine: EngineStatus | null): ReadinessCheck {
  if (!engine) return { ok: false, detail: "not running (starting up or shutting down)" };
  if (engine.mode === "inngest") return { ok: true, detail: "runs on the Inngest server" };
  if (engine.mode === "off") return { ok: true, detail: "off (STEWARD_EXECUTOR=off): this process runs no Missions" };
  return engine.running ? { ok: true, detail: "embedded executor running" } : { ok: false, detail: "embedded executor stopped (shutting down)" };
}

/**
 * Whether this process should get traffic: the database answers within DATABASE_PROBE_MS, it has
 * every migration this build ships, and the engine is running (or runs elsewhere). The details
 * name no host or driver error: the endpoint answers without signing in.
 */
export async function checkReadiness(database: Database | null, engine: EngineStatus | null): Promise<Readiness> {
  const shipped = lastShippedMigration();
  let db: ReadinessCheck;
  let migrations: ReadinessCheck;
  if (!database) {
    db = { ok: false, detail: "not open" };
    migrations = { ok: false, detail: "unknown: the database is not open" };
  } else {
    try {
      const applied = await probe(database);
      db = { ok: true, detail: "reachable" };
      migrations =
        applied !== null && applied >= shipped.when
          ? { ok: true, detail: `applied through ${shipped.tag}` }
          : { ok: false, detail: `${shipped.tag} not applied yet` };
    } catch (e) {
      const timedOut = e instanceof Error && e.message === "timed out";
      db = { ok: false, detail: timedOut ? `no answer within ${DATABASE_PROBE_MS / 1000} s` : "unreachable" };
      migrations = { ok: false, detail: "unknown: the database did not answer" };
    }
  }
  const executor = executorCheck(engine);
  return { ready: db.ok && migrations.ok && executor.ok, checks: { database: db, migrations, executor } };
}
