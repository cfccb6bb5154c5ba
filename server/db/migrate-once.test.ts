import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./database";

const url = process.env.TEST_DATABASE_URL;
const shipped = (JSON.parse(fs.readFileSync(path.join(process.cwd(), "drizzle/meta/_journal.json"), "utf8")) as { entries: unknown[] }).entries.length;

describe.runIf(url)("migrations when several processes start together on one PostgreSQL", () => {
  const name = `steward_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = () => postgres(url!, { max: 1, onnotice: () => {} });
  afterAll(async () => {
    const sql = admin();
    await sql.unsafe(`drop database if exists ${name} with (force)`);
    await sql.end();
  });

  it("applies each migration once, and every process opens the migrated database", async () => {
    const sql = admin();
    await sql.unsafe(`create database ${name}`);
    await sql.end();
    const u = new URL(url!);
    u.pathname = `/${name}`;
    // Six replicas (each its own pools, so its own sessions) starting at the same moment on an empty database.
    const opened = await Promise.allSettled(Array.from({ length: 6 }, () => openDatabase({ driver: "postgres", url: u.toString(), max: 2 })));
    const databases = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    try {
      expect(opened.flatMap((o) => (o.status === "rejected" ? [String(o.reason)] : []))).toEqual([]);
      const check = postgres(u.toString(), { max: 1, onnotice: () => {} });
      const [row] = await check<{ n: number; distinct: number }[]>`select count(*)::int as n, count(distinct hash)::int as distinct from drizzle.__drizzle_migrations`;
      await check.end();
      expect(row).toEqual({ n: shipped, distinct: shipped });
    } finally {
      await Promise.all(databases.map((d: Database) => d.close()));
    }
  }, 120_000);
});
