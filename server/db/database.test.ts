import { afterAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "./database";

describe.each(testDatabases())("database on $name", (tdb) => {
  let database: Database;
  afterAll(() => database?.close());

  it("opens, migrates and answers queries", async () => {
    database = await tdb.open();
    const rows = await database.rows<{ n: number }>(sql`select 1 + 1 as n`);
    expect(rows[0]?.n).toBe(2);
    const tables = await database.rows<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["mission", "mission_version", "run", "engine_job"]));
  });

  it("delivers NOTIFY to listeners", async () => {
    const got: string[] = [];
    const stop = await database.listen("steward_test", (p) => got.push(p));
    await database.db.execute(sql`select pg_notify('steward_test', 'hello')`);
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(got).toEqual(["hello"]);
  });
});
