import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";

export interface RateRule {
  /** Most requests per window. */
  limit: number;
  windowMs: number;
}

/** Portal submissions per client address. */
export const PORTAL_RATE_RULE: RateRule = { limit: 10, windowMs: 10 * 60_000 };

export interface RateDecision {
  allowed: boolean;
  /** When refused: seconds until a request would be allowed again. */
  retryAfterSeconds: number;
}

/** Addresses are stored hashed: the table says how busy a client is, not who it is. */
export function rateKey(scope: string, address: string): string {
  return crypto.createHash("sha256").update(`${scope}\n${address}`).digest("hex");
}

/**
 * Counts one request against `key` and says whether it is within the rule. A sliding window
 * estimated from two fixed ones (the previous window's count, weighted by how much of it still
 * overlaps, plus the current one's), so a burst at a window's edge cannot double the limit.
 * Counting is one atomic upsert, so concurrent requests from one client cannot all slip through;
 * a refused request is uncounted again, so retrying after Retry-After works. Rows live in the
 * database, so limits hold across restarts and replicas.
 */
export async function takeRateLimit(database: Database, key: string, rule: RateRule, now: Date = new Date()): Promise<RateDecision> {
  const w = rule.windowMs;
  const start = Math.floor(now.getTime() / w) * w;
  const elapsed = (now.getTime() - start) / w;
  const [cur] = await database.rows<{ hits: number }>(
    sql`insert into portal_rate_limit (key, window_start, hits) values (${key}, ${new Date(start).toISOString()}::timestamptz, 1)
        on conflict (key, window_start) do update set hits = portal_rate_limit.hits + 1 returning hits`,
  );
  const [prev] = await database.rows<{ hits: number }>(
    sql`select hits from portal_rate_limit where key = ${key} and window_start = ${new Date(start - w).toISOString()}::timestamptz`,
  );
  const current = Number(cur?.hits ?? 1);
  const previous = Number(prev?.hits ?? 0);
  // Old windows are of no further use; tidying on a small share of requests keeps that cheap.
  if (Math.random() < 0.05) {
    await database.db.execute(sql`delete from portal_rate_limit where window_start < ${new Date(start - 2 * w).toISOString()}::timestamptz`);
  }
  if (previous * (1 - elapsed) + current <= rule.limit) return { allowed: true, retryAfterSeconds: 0 };

  await database.db.execute(
    sql`update portal_rate_limit set hits = greatest(hits - 1, 0) where key = ${key} and window_start = ${new Date(start).toISOString()}::timestamptz`,
  );
  // The earliest moment one more request fits: later in this window while the previous one fades
  // out, or in the next window once this one's weight has dropped enough.
  let waitMs: number;
  const before = current - 1;
  if (before + 1 <= rule.limit && previous > 0) {
    waitMs = ((1 - (rule.limit - before - 1) / previous) - elapsed) * w;
  } else {
    waitMs = (1 - elapsed) * w + Math.max(0, 1 - (rule.limit - 1) / Math.max(before, 1)) * w;
  }
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}
