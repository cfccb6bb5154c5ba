import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { openDatabase, type Database, type DbOrTx } from "./database";
import { preparingStatements } from "./postgres-statements";

const url = process.env.TEST_DATABASE_URL;

/** postgres.js prepares a few statements of its own (its array types, `commit`). */
const OWN = /pg_catalog\.pg_type|^commit$/;
const LIST = `select statement from pg_prepared_statements where not from_sql order by statement`;

/** The protocol-level prepared statements of the session `on` runs on, by text, but postgres.js's own. */
async function preparedTexts(database: Database, on: DbOrTx): Promise<string[]> {
  const rows = await database.rows<{ statement: string }>(sql.raw(LIST), on);
  return rows.map((r) => r.statement).filter((s) => !OWN.test(s.trim()));
}

describe.runIf(url)("prepared statements on PostgreSQL", () => {
  const dbName = `steward_test_${crypto.randomBytes(6).toString("hex")}`;
  let dbUrl: string;
  const opened: { end(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    const u = new URL(url!);
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
  });
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.end()));
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  /** One connection, wrapped, with a table of its own. */
  async function oneConnection(max?: number) {
    const client = postgres(dbUrl, { max: 1, onnotice: () => {} });
    opened.push(client);
    const table = `t_${crypto.randomBytes(4).toString("hex")}`;
    await client.unsafe(`create table ${table} (id int primary key, name text)`);
    const db = drizzle(preparingStatements(client, max));
    const prepared = async () =>
      (await client.unsafe(LIST)).map((r) => r.statement as string).filter((s) => !OWN.test(s.trim()));
    return { client, db, table, prepared };
  }

  it("prepares a statement the app repeats, on each connection, in and out of transactions, answering as before", async () => {
    const database = await openDatabase({ driver: "postgres", url: dbUrl, max: 2 });
    try {
      await database.db.execute(sql.raw(`create table kv (k text primary key, v jsonb)`));
      for (const handle of [database, database.progress]) {
        const answers = await handle.db.transaction(async (tx) => {
          const seen: unknown[] = [];
          for (let i = 0; i < 3; i++) {
            await handle.rows(sql`insert into kv (k, v) values (${`${handle === database ? "a" : "p"}${i}`}, ${JSON.stringify({ i })}::jsonb)`, tx);
            seen.push(await handle.rows(sql`select k, v from kv where k = ${`${handle === database ? "a" : "p"}${i}`}`, tx));
          }
          return { seen, prepared: await preparedTexts(handle, tx) };
        });
        const p = handle === database ? "a" : "p";
        expect(answers.seen).toEqual([0, 1, 2].map((i) => [{ k: `${p}${i}`, v: { i } }]));
        // (The migrations' own inserts may be there too, on the connection that ran them.)
        expect(answers.prepared).toEqual(expect.arrayContaining([`insert into kv (k, v) values ($1, $2::jsonb)`, `select k, v from kv where k = $1`]));
      }
    } finally {
      await database.close();
    }
  });

  it("prepares nothing when told not to (a pooler that cannot keep prepared statements)", async () => {
    const database = await openDatabase({ driver: "postgres", url: dbUrl, max: 2, prepare: false });
    try {
      const prepared = await database.db.transaction(async (tx) => {
        for (let i = 0; i < 3; i++) await database.rows(sql`select ${i}::int as n`, tx);
        return preparedTexts(database, tx);
      });
      expect(prepared).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it("leaves one-offs and statements without parameters unnamed, and prepares at most `max` texts", async () => {
    const { db, table, prepared } = await oneConnection(2);
    await db.execute(sql.raw(`select count(*) from ${table}`));
    await db.execute(sql.raw(`select count(*) from ${table}`));
    await db.execute(sql`select ${1}::int as once`);
    expect(await prepared()).toEqual([]);
    for (const column of ["a", "b", "c"]) {
      for (let i = 0; i < 2; i++) await db.execute(sql`select ${i}::int as ${sql.raw(column)}`);
    }
    expect(await prepared()).toEqual([`select $1::int as a`, `select $1::int as b`]);
    // The two prepared keep being used; the third still answers, unnamed.
    expect([...(await db.execute(sql`select ${7}::int as c`))]).toEqual([{ c: 7 }]);
    expect([...(await db.execute(sql`select ${8}::int as a`))]).toEqual([{ a: 8 }]);
  });

  it("answers with the new columns after the table changed under a prepared statement", async () => {
    const { client, db, table, prepared } = await oneConnection();
    await db.execute(sql`insert into ${sql.raw(table)} (id, name) values (${1}, ${"one"})`);
    for (let i = 0; i < 2; i++) expect([...(await db.execute(sql`select * from ${sql.raw(table)} where id = ${1}`))]).toEqual([{ id: 1, name: "one" }]);
    expect(await prepared()).toContain(`select * from ${table} where id = $1`);
    await client.unsafe(`alter table ${table} add column note text default 'added'`);
    expect([...(await db.execute(sql`select * from ${sql.raw(table)} where id = ${1}`))]).toEqual([{ id: 1, name: "one", note: "added" }]);
  });
});
