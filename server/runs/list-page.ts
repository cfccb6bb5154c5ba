import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { RunStatus } from "@/server/db/schema";

// What every run list shares (the run service's listRuns, the runs page's listRunHistory): the
// filters by mission, status and creation time, newest first, and the cursor to the next page.

export interface RunListFilters {
  missionId?: string | undefined;
  status?: RunStatus | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  cursor?: string | undefined;
  /** Simulated runs (test cases) are not production runs: left out unless asked for. */
  simulated?: "exclude" | "include" | "only" | undefined;
}

export const SIMULATED_FILTERS = ["exclude", "include", "only"] as const;

/**
 * `where` clauses over `run r` for the shared filters. A cursor that is not one this module wrote
 * throws `invalidCursor()` (each list names itself in the problem).
 */
export function runListWhere(q: RunListFilters, invalidCursor: () => Error): SQL[] {
  const where: SQL[] = [];
  if (q.missionId) where.push(sql`r.mission_id = ${q.missionId}`);
  if (q.status) where.push(sql`r.status = ${q.status}`);
  if ((q.simulated ?? "exclude") === "exclude") where.push(sql`r.simulation is null`);
  else if (q.simulated === "only") where.push(sql`r.simulation is not null`);
  if (q.from) where.push(sql`r.created_at >= ${q.from.toISOString()}::timestamptz`);
  if (q.to) where.push(sql`r.created_at < ${q.to.toISOString()}::timestamptz`);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    if (!c) throw invalidCursor();
    where.push(sql`(r.created_at, r.id) < (${c.at}::timestamptz, ${c.id})`);
  }
  return where;
}

/** The order every run list pages in; `limit + 1` rows are read so runListPage knows if there is more. */
export const RUN_LIST_ORDER = sql`order by r.created_at desc, r.id desc`;

/** The page of `rows` (read with `limit + 1`) and the cursor to the next page, or null at the end. */
export function runListPage<T extends { created_at: string; id: string }>(rows: T[], limit: number): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(last.created_at, last.id) : null };
}

// The cursor keeps the database's own timestamp text: microseconds survive, so no row is skipped or repeated.
function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof at === "string" && typeof id === "string" && !Number.isNaN(new Date(at).getTime())) return { at, id };
  } catch {
    // not a cursor
  }
  return null;
}
