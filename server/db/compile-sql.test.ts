import { describe, expect, it } from "vitest";
import { entityKind, sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { testDatabases } from "@/test/databases";
import { run } from "./schema";
import { compileSql } from "./compile-sql";

// compileSql must write what drizzle writes, or fall back to it. (Every statement the rest of the
// suite runs through Database.rows is also checked against drizzle: test/compiled-sql-setup.ts.)
const dialect = new PgDialect();
const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
const when = new Date("2026-12-07T12:00:00Z");

const STATEMENTS: Record<string, SQL> = {
  "text alone": sql`select 1`,
  "values of every kind": sql`select ${"a'b"}, ${42}, ${1.5}, ${true}, ${null}, ${10n}, ${when}, ${Buffer.from("x")}, ${{ a: 1 }}`,
  "nested templates and CTEs": sql`with upd as (update run set verdict = ${json({ outcome: "approve" })} where id = ${"r1"} returning 1)${sql`, obs as (insert into observation (run_id, text) select ${"r1"}, ${"x"} from upd returning id)`} select ${sql`(select count(*) from obs)`} as n`,
  "sql.join": sql`insert into t (a, b) values ${sql.join([sql`(${1}, ${"x"})`, sql`(${2}, ${"y"})`], sql`, `)}`,
  "sql.raw and sql.identifier": sql`select ${sql.raw("id, status")} from ${sql.identifier("run")} where ${sql.identifier('odd"name')} = ${1}`,
  "a list": sql`select 1 where status in ${["queued", "running", "waiting"]} and n in ${[1, sql`${2}`, 3]}`,
  "sql.param": sql`select ${sql.param(5)}, ${sql.param(null)}`,
  "undefined leaves nothing": sql`select 1${undefined} as one`,
  "empty template": sql``,
};

describe("compileSql", () => {
  for (const [name, statement] of Object.entries(STATEMENTS)) {
    it(`writes ${name} as drizzle does`, () => {
      const theirs = dialect.sqlToQuery(statement);
      expect(compileSql(statement)).toEqual({ text: theirs.sql, params: theirs.params });
    });
  }

  it("reads templates built with another copy of drizzle's classes (Next.js bundles one per server layer)", () => {
    class OtherStringChunk {
      static [entityKind] = "StringChunk";
      value: string[];
      constructor(v: string) {
        this.value = [v];
      }
    }
    class OtherSql {
      static [entityKind] = "SQL";
      shouldInlineParams = false;
      constructor(readonly queryChunks: unknown[]) {}
    }
    const foreign = new OtherSql([new OtherStringChunk("select "), 1, new OtherStringChunk(" as one")]) as unknown as SQL;
    const statement = sql`with x as (${foreign}) select * from x where y = ${"z"}`;
    const theirs = dialect.sqlToQuery(statement);
    // Before: null (classes compared by identity), so every statement of the app fell back to drizzle.
    expect(compileSql(statement)).toEqual({ text: theirs.sql, params: theirs.params });
  });

  it("leaves a column, a table or inlined parameters to drizzle", () => {
    expect(compileSql(sql`select ${run.id} from run`)).toBeNull();
    expect(compileSql(sql`select * from ${run}`)).toBeNull();
    expect(compileSql(sql`select ${sql`${"x"}`.inlineParams()}`)).toBeNull();
    expect(compileSql(sql`select ${sql.placeholder("id")}`)).toBeNull();
  });

  describe.each(testDatabases())("on $name, through Database.rows", (db) => {
    it("gives the rows drizzle gives: values, dates and intervals as drizzle leaves them", async () => {
      const database = await db.open();
      try {
        const statement = sql`select ${"x"}::text as s, ${7}::int as n, ${when.toISOString()}::timestamptz as at, interval '90 minutes' as span, ${json({ a: [1] })} as doc, 12.50::numeric as price where ${1} in ${[1, 2]}`;
        // Inside a transaction Database.rows goes through drizzle's own execute.
        const slow = await database.db.transaction((tx) => database.rows(statement, tx));
        const fast = await database.rows(statement);
        expect(fast).toEqual(slow);
        expect(fast[0]).toMatchObject({ s: "x", n: 7, doc: { a: [1] } });
        expect(typeof (fast[0] as { at: unknown }).at).toBe("string");
      } finally {
        await database.close();
      }
    });
  });
});
