import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { rateKey, takeRateLimit, type RateRule } from "./rate-limit";

const rule: RateRule = { limit: 10, windowMs: 10 * 60_000 };
/** The start of a window, so tests control how far into it they are. */
const windowStart = (n: number) => new Date(Math.floor(Date.UTC(2030, 0, 1) / rule.windowMs) * rule.windowMs + n * rule.windowMs);
const at = (n: number, fraction: number) => new Date(windowStart(n).getTime() + fraction * rule.windowMs);

describe.each(testDatabases())("portal rate limit on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  it("allows the limit, then refuses with a Retry-After, per client", async () => {
    const key = rateKey("portal", "203.0.113.1");
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await takeRateLimit(database, key, rule, at(0, 0.5)));
    expect(results.map((r) => r.allowed)).toEqual([...Array(10).fill(true), false, false]);
    expect(results[10]?.retryAfterSeconds).toBeGreaterThan(0);
    // The next window still remembers most of this one: a burst at the edge cannot double the limit.
    expect((await takeRateLimit(database, key, rule, at(1, 0.05))).allowed).toBe(false);
    // Another client is not affected.
    expect((await takeRateLimit(database, rateKey("portal", "203.0.113.2"), rule, at(0, 0.5))).allowed).toBe(true);
  });

  it("lets a client in again once Retry-After has passed, because refused requests are not counted", async () => {
    const key = rateKey("portal", "203.0.113.3");
    let refused = null;
    for (let i = 0; i < 15; i++) {
      const r = await takeRateLimit(database, key, rule, at(0, 0.9));
      if (!r.allowed) refused = r;
    }
    expect(refused).not.toBeNull();
    const retryAt = new Date(at(0, 0.9).getTime() + refused!.retryAfterSeconds * 1000);
    expect((await takeRateLimit(database, key, rule, new Date(retryAt.getTime() - 5_000))).allowed).toBe(false);
    expect((await takeRateLimit(database, key, rule, retryAt)).allowed).toBe(true);
    const [row] = await database.rows<{ hits: number }>(
      sql`select hits from portal_rate_limit where key = ${key} and window_start = ${windowStart(0).toISOString()}::timestamptz`,
    );
    expect(Number(row?.hits)).toBe(10);
  });

  it("lets exactly the limit through when one client sends many at once", async () => {
    const key = rateKey("portal", "203.0.113.4");
    const results = await Promise.all(Array.from({ length: 30 }, () => takeRateLimit(database, key, rule, at(0, 0.2))));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
  });

  it("keeps counts in the database (they survive a restart) and stores no address", async () => {
    const key = rateKey("portal", "198.51.100.99");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    await takeRateLimit(database, key, rule, at(5, 0.1));
    const rows = await database.rows<{ key: string }>(sql`select key from portal_rate_limit`);
    expect(rows.some((r) => r.key === key)).toBe(true);
    expect(rows.some((r) => r.key.includes("198.51.100.99"))).toBe(false);
  });
});
