import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { useProxiedDatabase } from "@/test/proxied-database";

// PostgreSQL going away under a transaction (a restart, a failover, a cut network) must fail that
// transaction, not the process. postgres.js 3.4 answers a query error inside `begin` by sending
// ROLLBACK on the same connection; when the connection is gone its socket is null and the write,
// deferred to setImmediate, throws where nothing can catch it: the process died with
// "TypeError: Cannot read properties of null (reading 'write')" (porsager/postgres#1154, #1208;
// seen as every replica exiting in server/ops/replicas.test.ts). Through a TCP proxy, so the
// PostgreSQL other tests share is not disturbed.

const url = process.env.TEST_DATABASE_URL;

describe.runIf(url)("a transaction whose connection is lost", () => {
  const pg = useProxiedDatabase(url!);

  it("rejects the transaction, keeps the process alive, and the next one runs once the database is back", async () => {
    let crashed: unknown;
    const onCrash = (e: unknown) => {
      crashed = e;
    };
    process.on("uncaughtException", onCrash);
    try {
      for (const db of [pg.database, pg.database.progress]) {
        const tx = db.db.transaction(async (t) => {
          await t.execute(sql`select 1`);
          await t.execute(sql`select pg_sleep(2)`);
        });
        const outcome = tx.then(() => "committed", (e: Error) => e.message);
        await new Promise((r) => setTimeout(r, 300));
        await pg.proxy.down();
        expect(await outcome).toMatch(/CONNECTION_CLOSED|write|closed/i);
        // The deferred write (if any) runs at the next turns of the event loop.
        await new Promise((r) => setTimeout(r, 200));
        expect(crashed).toBeUndefined();
        await pg.proxy.up();
        const after = await db.db.transaction(async (t) => db.rows<{ n: number }>(sql`select 1 as n`, t));
        expect(after).toEqual([{ n: 1 }]);
      }
    } finally {
      process.off("uncaughtException", onCrash);
    }
  }, 30_000);
});
