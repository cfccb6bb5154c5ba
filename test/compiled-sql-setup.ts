import { vi } from "vitest";
import type * as Compile from "@/server/db/compile-sql";

// Every statement the suite runs through Database.rows is compiled by compileSql and, here, by
// drizzle's own PostgreSQL dialect as well: a statement whose text or parameters differ fails the
// test that ran it, naming both.
vi.mock("@/server/db/compile-sql", async (importOriginal) => {
  const real = await importOriginal<typeof Compile>();
  const { PgDialect } = await import("drizzle-orm/pg-core");
  const dialect = new PgDialect();
  const compileSql: typeof real.compileSql = (query) => {
    const mine = real.compileSql(query);
    if (!mine) return mine;
    const theirs = dialect.sqlToQuery(query);
    const same = mine.text === theirs.sql && mine.params.length === theirs.params.length && mine.params.every((p, i) => Object.is(p, theirs.params[i]));
    if (!same) {
      throw new Error(`compileSql differs from drizzle:\n  ours:    ${mine.text} ${JSON.stringify(mine.params)}\n  drizzle: ${theirs.sql} ${JSON.stringify(theirs.params)}`);
    }
    return mine;
  };
  return { ...real, compileSql };
});
