import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { testDatabases } from "@/test/databases";
import { useProxiedDatabase } from "@/test/proxied-database";
import { checkReadiness, type EngineStatus } from "./readiness";

const RUNNING: EngineStatus = { mode: "embedded", running: true };

describe.each(testDatabases())("readiness on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(async () => {
    await database.close();
  });

  it("is ready with the database answering, every migration applied and the executor running", async () => {
    const r = await checkReadiness(database, RUNNING);
    expect(r.ready).toBe(true);
    expect(r.checks.database).toEqual({ ok: true, detail: "reachable" });
    expect(r.checks.migrations.detail).toMatch(/^applied through 00\d\d_/);
  });

  it("is not ready while the embedded executor is stopped or not started, and ready when runs go elsewhere", async () => {
    const stopped = await checkReadiness(database, { mode: "embedded", running: false });
    expect(stopped.ready).toBe(false);
    expect(stopped.checks.executor.detail).toMatch(/stopped/);
    expect((await checkReadiness(database, null)).ready).toBe(false);
    expect((await checkReadiness(database, { mode: "inngest", running: true })).ready).toBe(true);
  });

  it("is not ready without a database, or when the newest migration is not applied", async () => {
    expect((await checkReadiness(null, RUNNING)).checks.database.ok).toBe(false);
    const [last] = await database.rows<{ created_at: string }>(sql`select max(created_at)::text as created_at from drizzle.__drizzle_migrations`);
    await database.db.execute(sql`delete from drizzle.__drizzle_migrations where created_at = ${last!.created_at}::bigint`);
    const r = await checkReadiness(database, RUNNING);
    expect(r.ready).toBe(false);
    expect(r.checks.migrations).toEqual({ ok: false, detail: expect.stringMatching(/not applied yet$/) as unknown as string });
  });
});

const url = process.env.TEST_DATABASE_URL;

/** How often a Kubernetes probe might ask, tighter than its usual 5-10 s. */
const POLL_MS = 250;

async function untilReady(database: Database, want: boolean): Promise<number> {
  const from = Date.now();
  for (;;) {
    if ((await checkReadiness(database, RUNNING)).ready === want) return Date.now() - from;
    if (Date.now() - from > 20_000) throw new Error(`readiness did not become ${want} within 20 s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

describe.runIf(url)("readiness when PostgreSQL goes away and comes back", () => {
  const pg = useProxiedDatabase(url!);

  it("flips to not ready within 5 s of the database going away, and back once it returns", async () => {
    expect(await untilReady(pg.database, true)).toBeLessThan(POLL_MS);
    await pg.proxy.down();
    const down = await untilReady(pg.database, false);
    expect(down).toBeLessThan(5_000);
    const r = await checkReadiness(pg.database, RUNNING);
    expect(r.checks.database.ok).toBe(false);
    expect(r.checks.executor.ok).toBe(true);
    await pg.proxy.up();
    const back = await untilReady(pg.database, true);
    expect(back).toBeLessThan(5_000);
    console.log(`[readiness] not ready ${down} ms after the database went away, ready ${back} ms after it returned`);
  }, 60_000);

  it("flips to not ready within 5 s when the database hangs instead of refusing", async () => {
    expect(await untilReady(pg.database, true)).toBeLessThan(POLL_MS);
    pg.proxy.stall();
    const down = await untilReady(pg.database, false);
    expect(down).toBeLessThan(5_000);
    expect((await checkReadiness(pg.database, RUNNING)).checks.database.detail).toMatch(/no answer within 2 s/);
    await pg.proxy.down();
    await pg.proxy.up();
    const back = await untilReady(pg.database, true);
    expect(back).toBeLessThan(5_000);
    console.log(`[readiness] hung database: not ready after ${down} ms, ready ${back} ms after it returned`);
  }, 60_000);
});
