import "server-only";
import { and, asc, desc, eq, gte, ilike, like, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { AppError, describeProblems, zodProblems } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import { auditLog, run, type AuditRow } from "@/server/db/schema";

/** An audit entry as the API and the UI see it. */
export interface AuditEntryView {
  id: number;
  at: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  runId: string | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export function toEntryView(r: AuditRow): AuditEntryView {
  return { ...r, at: r.at.toISOString() };
}

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((s) => (s ? s : undefined));

const instant = () =>
  optionalText(40).refine((s) => s === undefined || !Number.isNaN(Date.parse(s)), "must be an ISO date or date-time, e.g. 2026-11-25 or 2026-11-25T17:00:00Z");

export const auditFiltersSchema = z.object({
  /** Exact action, or every action under a prefix when it ends in `.*` (e.g. `user.*`). */
  action: optionalText(100),
  actorId: optionalText(300),
  /** Case-insensitive substring of the actor label (an email, "system", "api key …"). */
  actor: optionalText(300),
  targetType: optionalText(100),
  targetId: optionalText(300),
  runId: optionalText(300),
  /** Inclusive lower bound on `at`. */
  from: instant(),
  /** Exclusive upper bound on `at`. */
  to: instant(),
});
export type AuditFilters = z.input<typeof auditFiltersSchema>;

export const auditListSchema = auditFiltersSchema.extend({
  limit: z.number().int().min(1).max(500).default(50),
  /** The id of the last entry of the previous page: the next page holds older entries. */
  cursor: z.number().int().positive().nullish(),
});
export type AuditListInput = z.input<typeof auditListSchema>;

function parseFilters<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error.issues);
    throw new AppError("bad_request", `Invalid audit filters: ${describeProblems(problems)}`, problems);
  }
  return parsed.data;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function whereOf(f: z.output<typeof auditFiltersSchema>): SQL[] {
  const where: SQL[] = [];
  if (f.action) {
    where.push(f.action.endsWith(".*") ? like(auditLog.action, `${escapeLike(f.action.slice(0, -1))}%`) : eq(auditLog.action, f.action));
  }
  if (f.actorId) where.push(eq(auditLog.actorId, f.actorId));
  if (f.actor) {
    const pattern = `%${escapeLike(f.actor)}%`;
    const either = or(ilike(auditLog.actorLabel, pattern), eq(auditLog.actorId, f.actor));
    if (either) where.push(either);
  }
  if (f.targetType) where.push(eq(auditLog.targetType, f.targetType));
  if (f.targetId) where.push(eq(auditLog.targetId, f.targetId));
  if (f.runId) where.push(eq(auditLog.runId, f.runId));
  if (f.from) where.push(gte(auditLog.at, new Date(f.from)));
  if (f.to) where.push(lt(auditLog.at, new Date(f.to)));
  return where;
}

/** One page of entries, newest first. `nextCursor` is null on the last page. */
export async function listAudit(database: Database, raw: AuditListInput): Promise<{ entries: AuditEntryView[]; nextCursor: number | null }> {
  const input = parseFilters(auditListSchema, raw);
  const where = whereOf(input);
  if (input.cursor) where.push(lt(auditLog.id, input.cursor));
  const rows = await database.db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { entries: page.map(toEntryView), nextCursor: rows.length > input.limit && last ? last.id : null };
}

/**
 * The filtered entries as JSON Lines, oldest first, one line (ending in "\n") per entry, read in
 * pages so the whole log is never in memory. Lines carry prev_hash and hash: an unfiltered export
 * can be re-verified offline.
 */
export async function* exportAuditJsonl(database: Database, raw: AuditFilters = {}, pageSize = 1000): AsyncGenerator<string> {
  const filters = parseFilters(auditFiltersSchema, raw);
  let after = 0;
  for (;;) {
    const rows = await database.db
      .select()
      .from(auditLog)
      .where(and(...whereOf(filters), sql`${auditLog.id} > ${after}`))
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    for (const r of rows) yield `${JSON.stringify(toEntryView(r))}\n`;
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = last.id;
  }
}

export interface RunAuditRecord {
  runId: string;
  /** null when the run row is gone (its audit entries never are). */
  run: {
    missionId: string;
    versionId: string;
    status: string;
    startedBy: string | null;
    createdAt: string;
    endedAt: string | null;
  } | null;
  verdict: { outcome: string; summary: string } | null;
  entries: AuditEntryView[];
}

/** Everything the audit log holds about one run, in order, plus the run's verdict. */
export async function runAuditRecord(database: Database, runId: string): Promise<RunAuditRecord> {
  const [r] = await database.db.select().from(run).where(eq(run.id, runId));
  const rows = await database.db.select().from(auditLog).where(eq(auditLog.runId, runId)).orderBy(asc(auditLog.id));
  if (!r && !rows.length) throw new AppError("not_found", `No run ${runId}`);
  return {
    runId,
    run: r
      ? {
          missionId: r.missionId,
          versionId: r.versionId,
          status: r.status,
          startedBy: r.startedBy,
          createdAt: r.createdAt.toISOString(),
          endedAt: r.endedAt?.toISOString() ?? null,
        }
      : null,
    verdict: r?.verdict ?? null,
    entries: rows.map(toEntryView),
  };
}

/** The distinct actions and target types recorded so far, for filter menus. */
export async function auditFacets(database: Database): Promise<{ actions: string[]; targetTypes: string[] }> {
  const actions = await database.db.selectDistinct({ v: auditLog.action }).from(auditLog).orderBy(auditLog.action);
  const types = await database.db
    .selectDistinct({ v: auditLog.targetType })
    .from(auditLog)
    .where(sql`${auditLog.targetType} is not null`)
    .orderBy(auditLog.targetType);
  return { actions: actions.map((a) => a.v), targetTypes: types.flatMap((t) => (t.v ? [t.v] : [])) };
}
