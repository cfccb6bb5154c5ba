import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { testDatabases } from "@/test/databases";
import { ExecutorStore, TxEffects, type NewWait } from "./executor-store";

// A replayed call re-adds a wait (an invoke, a sleep) just as that wait is being resolved in
// another transaction (the invoked run ended). Under PostgreSQL's READ COMMITTED the insert waited
// on the wait's key and went in after the resolution committed, without seeing the stored step:
// the invoke ran twice (for-each-call.test.ts under load). Only PostgreSQL runs transactions side
// by side; PGlite runs one at a time.
const postgresOnly = testDatabases().filter((d) => d.name === "postgres");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(postgresOnly.length)("a wait re-added while it is being resolved (postgres)", () => {
  let database: Database;
  beforeAll(async () => {
    database = await (postgresOnly[0] as (typeof postgresOnly)[number]).open();
  });
  afterAll(() => database?.close());

  it("is not added again once the resolution commits, so the caller does not invoke twice", async () => {
    const store = new ExecutorStore(database);
    const wait: NewWait = { runId: `race-${crypto.randomUUID()}`, hashedId: "child", kind: "invoke", eventName: null, expr: null, expiresAt: null };
    expect(await store.addWait(database.db, wait, new TxEffects())).toBe(true);

    let commit = () => {};
    const held = new Promise<void>((r) => (commit = r));
    let deleted = false;
    const resolving = database.db.transaction(async (tx) => {
      expect(await store.resolveWait(tx, wait.runId, wait.hashedId, { data: { status: "succeeded" } }, new TxEffects())).toBe(true);
      deleted = true;
      await held;
    });
    while (!deleted) await sleep(10);
    // The replay's insert now waits on the key the resolving transaction holds.
    const adding = store.addWait(database.db, wait, new TxEffects());
    await sleep(300);
    commit();
    await resolving;

    expect(await adding).toBe(false);
    const [left] = await database.rows<{ n: number }>(sql`select count(*)::int as n from engine_wait where run_id = ${wait.runId}`);
    expect(left?.n).toBe(0);
    const [step] = await database.rows<{ result: unknown }>(sql`select result from engine_step where run_id = ${wait.runId} and hashed_id = ${wait.hashedId}`);
    expect(step?.result).toEqual({ data: { status: "succeeded" } });
  });
});
