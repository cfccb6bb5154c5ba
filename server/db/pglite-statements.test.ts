import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PGlite, types } from "@electric-sql/pglite";
import { preparedStatements, type PgliteClient } from "./pglite-statements";

describe("PGlite prepared statements", () => {
  let client: PGlite;
  let prepared: PgliteClient;

  beforeEach(async () => {
    client = new PGlite();
    await client.waitReady;
    prepared = preparedStatements(client, 3);
    await client.exec(`create table t (id int primary key, name text, at timestamptz, data jsonb, tags text[])`);
  });
  afterEach(() => client.close());

  /** Protocol-level prepared statements of the session, by text (sorted: prepare times can tie). */
  async function preparedTexts(): Promise<string[]> {
    const res = await client.query<{ statement: string }>(`select statement from pg_prepared_statements where not from_sql order by statement`);
    return res.rows.map((r) => r.statement);
  }

  it("prepares a repeated statement once and answers exactly as PGlite's own query does", async () => {
    const insert = `insert into t (id, name, at, data, tags) values ($1, $2, $3, $4, $5) returning id`;
    const first = await prepared.query(insert, [1, "one", new Date("2026-12-01T10:00:00.000Z"), JSON.stringify({ a: [1, 2] }), ["x", "y"]]);
    const second = await prepared.query(insert, [2, null, null, null, null]);
    expect(first.rows).toEqual([{ id: 1 }]);
    expect(second).toMatchObject({ rows: [{ id: 2 }], affectedRows: 1 });

    const select = `select id, name, at, data, tags from t where id = any($1::int[]) order by id`;
    const asPglite = await client.query(select, [[1, 2]]);
    for (let i = 0; i < 3; i++) expect(await prepared.query(select, [[1, 2]])).toEqual(asPglite);
    // drizzle's options: rows as arrays, its own parsers.
    const options = { rowMode: "array" as const, parsers: { [types.TIMESTAMPTZ]: (v: string) => v } };
    expect(await prepared.query(select, [[1]], options)).toEqual(await client.query(select, [[1]], options));
    expect((await prepared.query<{ data: unknown }>(`select data from t where id = $1`, [1])).rows).toEqual([{ data: { a: [1, 2] } }]);

    const update = await prepared.query(`update t set name = $1 where id > $2`, ["n", 0]);
    expect(update).toMatchObject({ rows: [], affectedRows: 2 });
    expect(await preparedTexts()).toEqual([select, `select data from t where id = $1`, `update t set name = $1 where id > $2`].sort());
  });

  it("leaves DDL and one-off options to PGlite", async () => {
    await prepared.query(`create index t_name on t (name)`);
    await prepared.query(`select 1 as one`, [], { paramTypes: [] });
    expect(await preparedTexts()).toEqual([]);
    expect((await client.query(`select indexname from pg_indexes where tablename = 't' and indexname = 't_name'`)).rows).toHaveLength(1);
  });

  it("names the query in an error, and the connection goes on working", async () => {
    const failure = await prepared.query(`select 1 / $1::int as x`, [0]).catch((e: unknown) => e);
    expect(failure).toMatchObject({ message: "division by zero", query: `select 1 / $1::int as x`, params: [0] });
    const syntax = await prepared.query(`select from where`).catch((e: unknown) => e);
    expect(syntax).toMatchObject({ query: `select from where` });
    expect((syntax as Error).message).toMatch(/syntax error/);
    expect((await prepared.query(`select 1 / $1::int as x`, [1])).rows).toEqual([{ x: 1 }]);
  });

  it("prepares a statement again when its table's columns changed", async () => {
    await prepared.query(`insert into t (id) values ($1)`, [1]);
    expect(Object.keys((await prepared.query<Record<string, unknown>>(`select * from t`)).rows[0] ?? {})).toEqual(["id", "name", "at", "data", "tags"]);
    await client.exec(`alter table t add column extra text default 'e'`);
    expect((await prepared.query<Record<string, unknown>>(`select * from t`)).rows[0]).toMatchObject({ id: 1, extra: "e" });
  });

  it("keeps at most `max` statements, closing the least recently used", async () => {
    const texts = [`select 1 as n`, `select 2 as n`, `select 3 as n`, `select 4 as n`];
    for (const text of texts.slice(0, 3)) await prepared.query(text);
    await prepared.query(texts[0]!);
    await prepared.query(texts[3]!);
    expect(await preparedTexts()).toEqual([texts[0], texts[2], texts[3]].sort());
    expect((await prepared.query(texts[1]!)).rows).toEqual([{ n: 2 }]);
    expect(await preparedTexts()).toEqual([texts[0], texts[3], texts[1]].sort());
  });

  it("runs in transactions, which commit or roll back what their statements did", async () => {
    const insert = `insert into t (id) values ($1)`;
    await prepared.transaction(async (tx) => {
      await tx.query(insert, [1]);
      await tx.query(insert, [2]);
    });
    await expect(
      prepared.transaction(async (tx) => {
        await tx.query(insert, [3]);
        throw new Error("the act failed");
      }),
    ).rejects.toThrow("the act failed");
    let kept: Parameters<Parameters<PgliteClient["transaction"]>[0]>[0] | undefined;
    await prepared.transaction(async (tx) => {
      kept = tx;
      expect(tx.closed).toBe(false);
    });
    expect(kept?.closed).toBe(true);
    await expect(kept!.query(insert, [4])).rejects.toThrow(/Transaction is closed/);
    expect((await prepared.query(`select id from t order by id`)).rows).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it("serialises statements sent at once with a transaction in flight", async () => {
    const insert = `insert into t (id, name) values ($1, $2)`;
    const tx = prepared.transaction(async (t) => {
      await t.query(insert, [100, "tx"]);
      await new Promise((r) => setTimeout(r, 20));
      await t.query(insert, [101, "tx"]);
    });
    await Promise.all([tx, ...Array.from({ length: 20 }, (_, i) => prepared.query(insert, [i, "alone"]))]);
    const counts = await prepared.query<{ name: string; n: number }>(`select name, count(*)::int as n from t group by name order by name`);
    expect(counts.rows).toEqual([
      { name: "alone", n: 20 },
      { name: "tx", n: 2 },
    ]);
  });
});
