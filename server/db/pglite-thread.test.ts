import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { types } from "@electric-sql/pglite";
import { asc, eq, sql } from "drizzle-orm";
import { date, integer, interval, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { openDatabase, type Database } from "./database";
import { openPgliteThread, type PgliteHandle } from "./pglite-thread";
import type { Worker } from "node:worker_threads";

// openDatabase({ driver: "pglite", thread: true }): PGlite in a worker thread behind the same
// Database. Each check runs on the threaded database; where answers could differ, the same
// statements run in-process too and must answer the same.

const things = pgTable("thread_things", {
  id: integer("id").primaryKey(),
  name: text("name").notNull().unique(),
  at: timestamp("at", { withTimezone: true, mode: "date" }),
  plain: timestamp("plain", { mode: "string" }),
  day: date("day"),
  span: interval("span"),
  data: jsonb("data"),
});

const CREATE = sql.raw(`create table thread_things (id int primary key, name text not null unique, at timestamptz, plain timestamp, day date, span interval, data jsonb)`);

function clientOf(database: Database): PgliteHandle {
  return (database.db as unknown as { $client: PgliteHandle }).$client;
}

describe("PGlite in a worker thread", () => {
  let threaded: Database;
  let inProcess: Database;

  beforeAll(async () => {
    [threaded, inProcess] = await Promise.all([openDatabase({ driver: "pglite", thread: true }), openDatabase({ driver: "pglite" })]);
    await Promise.all([threaded.db.execute(CREATE), inProcess.db.execute(CREATE)]);
  });
  afterAll(async () => {
    await Promise.all([threaded?.close(), inProcess?.close()]);
  });

  async function reset(database: Database) {
    await database.db.execute(sql`truncate thread_things`);
  }

  it("answers drizzle's inserts and selects exactly as in-process PGlite does, timestamps included", async () => {
    const answers = [];
    for (const database of [threaded, inProcess]) {
      await reset(database);
      const inserted = await database.db
        .insert(things)
        .values([
          { id: 1, name: "one", at: new Date("2026-12-01T10:00:00.123Z"), plain: "2026-12-01 10:00:00.5", day: "2026-12-01", span: "1 day 02:00:00", data: { a: [1, 2] } },
          { id: 2, name: "two" },
        ])
        .returning();
      const selected = await database.db.select().from(things).orderBy(asc(things.id));
      const joined = await database.db.select({ id: things.id, at: things.at, now: sql<string>`'2026-12-02 00:00:00+00'::timestamptz` }).from(things).where(eq(things.id, 1));
      const raw = await database.rows(sql`select id, at, day, span, data, ${"p"}::text as param from thread_things order by id`);
      answers.push({ inserted, selected, joined, raw });
    }
    expect(answers[0]).toEqual(answers[1]);
    const [threadedAnswer] = answers;
    expect(threadedAnswer!.selected[0]!.at).toEqual(new Date("2026-12-01T10:00:00.123Z"));
    expect(threadedAnswer!.raw[0]).toMatchObject({ id: 1, day: "2026-12-01", data: { a: [1, 2] }, param: "p" });
  });

  it("gives rows as arrays with rowMode array, the caller's parsers applied to their types", async () => {
    const text = `select 1::int as n, '2026-12-01 10:00:00+00'::timestamptz as at, null::timestamptz as never, 'x' as s`;
    const options = { rowMode: "array" as const, parsers: { [types.TIMESTAMPTZ]: (v: string) => `parsed ${v}` } };
    const threadedResult = await clientOf(threaded).query(text, [], options);
    expect(threadedResult.rows).toEqual([[1, "parsed 2026-12-01 10:00:00+00", null, "x"]]);
    expect(threadedResult).toEqual(await clientOf(inProcess).query(text, [], options));
  });

  it("surfaces a unique violation with its code and every field, as in-process PGlite does", async () => {
    const causes = [];
    for (const database of [threaded, inProcess]) {
      await reset(database);
      await database.db.insert(things).values({ id: 1, name: "same" });
      const failure = await database.db
        .insert(things)
        .values({ id: 2, name: "same" })
        .catch((e: unknown) => e);
      // drizzle wraps the driver's error ("Failed query: …") with it as the cause.
      causes.push(((failure as { cause?: unknown }).cause ?? failure) as Error & Record<string, unknown>);
    }
    const [fromThread, fromProcess] = causes as [Error & Record<string, unknown>, Error & Record<string, unknown>];
    expect(fromThread).toBeInstanceOf(Error);
    expect(fromThread).toMatchObject({ code: "23505", constraint: "thread_things_name_key", table: "thread_things", severity: "ERROR", schema: "public" });
    expect(fromThread.message).toMatch(/duplicate key value violates unique constraint/);
    expect(fromThread.detail).toMatch(/Key \(name\)=\(same\) already exists/);
    const fields = (e: Error) => ({ ...Object.fromEntries(Object.entries(e).filter(([key]) => key !== "queryOptions")), message: e.message, name: e.name });
    expect(fields(fromThread)).toEqual(fields(fromProcess));
  });

  it("commits a transaction and rolls back one whose callback throws", async () => {
    await reset(threaded);
    await threaded.db.transaction(async (tx) => {
      await tx.insert(things).values({ id: 1, name: "kept" });
      await tx.insert(things).values({ id: 2, name: "kept too" });
    });
    await expect(
      threaded.db.transaction(async (tx) => {
        await tx.insert(things).values({ id: 3, name: "lost" });
        throw new Error("the act failed");
      }),
    ).rejects.toThrow("the act failed");
    expect(await threaded.db.select({ id: things.id }).from(things).orderBy(asc(things.id))).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("rolls back a nested transaction (a savepoint) and keeps the outer one", async () => {
    await reset(threaded);
    await threaded.db.transaction(async (tx) => {
      await tx.insert(things).values({ id: 1, name: "outer" });
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(things).values({ id: 2, name: "inner" });
          throw new Error("inner failed");
        }),
      ).rejects.toThrow("inner failed");
      await tx.insert(things).values({ id: 3, name: "after" });
    });
    expect(await threaded.db.select({ name: things.name }).from(things).orderBy(asc(things.id))).toEqual([{ name: "outer" }, { name: "after" }]);
  });

  it("closes a transaction's handle when it ends", async () => {
    const client = clientOf(threaded);
    let kept: Parameters<Parameters<PgliteHandle["transaction"]>[0]>[0] | undefined;
    await client.transaction(async (tx) => {
      kept = tx;
      expect(tx.closed).toBe(false);
      expect((await tx.query(`select 1 as one`)).rows).toEqual([{ one: 1 }]);
    });
    expect(kept?.closed).toBe(true);
    await expect(kept!.query(`select 1 as one`)).rejects.toThrow(/Transaction is closed/);
  });

  it("serialises statements sent while a transaction is open, as PGlite does in-process", async () => {
    await reset(threaded);
    const client = clientOf(threaded);
    const insert = `insert into thread_things (id, name) values ($1, $2)`;
    const order: string[] = [];
    const tx = client.transaction(async (t) => {
      await t.query(insert, [100, "tx-a"]);
      order.push("tx-a");
      await new Promise((r) => setTimeout(r, 50));
      // Nothing outside the transaction ran in between, nor saw its uncommitted row.
      await t.query(insert, [101, "tx-b"]);
      order.push("tx-b");
    });
    const alone = Array.from({ length: 20 }, () =>
      client.query<{ n: number }>(`select count(*)::int as n from thread_things where name like 'tx-%'`).then((r) => {
        order.push(`alone-${r.rows[0]!.n}`);
      }),
    );
    await Promise.all([tx, ...alone]);
    expect(order.slice(0, 2)).toEqual(["tx-a", "tx-b"]);
    expect(new Set(order.slice(2))).toEqual(new Set(["alone-2"]));
  });

  it("delivers NOTIFY to a listener until it unlistens", async () => {
    const got: string[] = [];
    const unlisten = await threaded.listen("thread_channel", (payload) => got.push(payload));
    await threaded.db.execute(sql`select pg_notify('thread_channel', 'first')`);
    await expect.poll(() => got).toEqual(["first"]);
    await unlisten();
    await threaded.db.execute(sql`select pg_notify('thread_channel', 'second')`);
    await threaded.db.execute(sql`select 1`);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(["first"]);
  });

  it("prepares a statement again after its table changed shape", async () => {
    await reset(threaded);
    const client = clientOf(threaded);
    await client.query(`insert into thread_things (id, name) values ($1, $2)`, [1, "one"]);
    expect(Object.keys((await client.query<Record<string, unknown>>(`select * from thread_things`)).rows[0] ?? {})).toContain("data");
    await client.query(`alter table thread_things add column extra text default 'e'`);
    try {
      expect((await client.query<Record<string, unknown>>(`select * from thread_things`)).rows[0]).toMatchObject({ id: 1, extra: "e" });
    } finally {
      await client.query(`alter table thread_things drop column extra`);
    }
  });

  it("refuses options whose functions cannot cross to the thread", async () => {
    await expect(clientOf(threaded).query(`select $1::int as n`, [1], { serializers: { 23: String } })).rejects.toThrow(/takes no serializers/);
  });
});

describe("a thread that dies", () => {
  it("rejects the calls waiting on it, ends its open transaction, and refuses later calls", async () => {
    let worker: Worker | undefined;
    const client = await openPgliteThread(undefined, { onWorker: (w) => (worker = w) });
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const tx = client
      .transaction(async (t) => {
        await t.query(`select 1`);
        inside();
        await t.query(`select pg_sleep(0.5)`);
      })
      .catch((e: unknown) => e);
    await entered;
    // Waits behind the transaction, under PGlite's mutex in the thread.
    const waiting = client.query(`select 1`).catch((e: unknown) => e);
    await worker!.terminate();
    expect(await tx).toMatchObject({ message: expect.stringMatching(/PGlite's worker thread exited .*the database is closed/) });
    expect(await waiting).toMatchObject({ message: expect.stringMatching(/PGlite's worker thread exited/) });
    await expect(client.query(`select 1`)).rejects.toThrow(/PGlite's worker thread exited/);
    await expect(client.transaction(async () => undefined)).rejects.toThrow(/PGlite's worker thread exited/);
  });
});

describe("a data dir opened in a thread", () => {
  it("keeps its rows across closing and reopening, in either mode", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-thread-"));
    try {
      let database = await openDatabase({ driver: "pglite", dataDir: dir, thread: true });
      await database.db.execute(CREATE);
      await database.db.insert(things).values({ id: 1, name: "threaded" });
      await database.close();

      database = await openDatabase({ driver: "pglite", dataDir: dir });
      expect(await database.db.select({ name: things.name }).from(things)).toEqual([{ name: "threaded" }]);
      await database.db.insert(things).values({ id: 2, name: "in-process" });
      await database.close();

      database = await openDatabase({ driver: "pglite", dataDir: dir, thread: true });
      expect(await database.db.select({ name: things.name }).from(things).orderBy(asc(things.id))).toEqual([{ name: "threaded" }, { name: "in-process" }]);
      await database.close();
      const late = await database.db
        .select()
        .from(things)
        .catch((e: unknown) => e);
      expect((late as { cause?: Error }).cause?.message).toBe("The database is closed");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("PGlite's shared buffer pool", () => {
  // PGlite touches the whole pool as it starts: PostgreSQL's 128 MB default cost 85 MB of resident
  // memory more than 32 MB under the API bench's load (docs/engine.md, Performance).
  it("is 32 MB unless the caller names a size, in the thread and in-process alike", async () => {
    const opened = await Promise.all([
      openDatabase({ driver: "pglite", thread: true }),
      openDatabase({ driver: "pglite" }),
      openDatabase({ driver: "pglite", thread: true, sharedBuffersMb: 48 }),
      openDatabase({ driver: "pglite", sharedBuffersMb: 48 }),
    ]);
    try {
      const sizes = await Promise.all(opened.map(async (d) => (await d.rows<{ shared_buffers: string }>(sql`show shared_buffers`))[0]?.shared_buffers));
      expect(sizes).toEqual(["32MB", "32MB", "48MB", "48MB"]);
    } finally {
      await Promise.all(opened.map((d) => d.close()));
    }
  });
});
