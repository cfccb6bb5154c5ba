import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import { RUN_STATUSES, type RunStatus } from "@/server/db/schema";
import { RUN_LIST_ORDER, runListPage, runListWhere, SIMULATED_FILTERS } from "@/server/runs/list-page";
import { boundError, boundVerdict } from "./bounds";

// The run history list: what the run service's listRuns filters by (mission, status, dates) plus
// verdict, who started it and free-text search, and the starter's name for display. Read-only.

export const runHistoryInput = z.object({
  missionId: z.string().min(1).max(100).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  /** The verdict's outcome, e.g. approve / partial / deny. */
  verdict: z.string().trim().min(1).max(100).optional(),
  /** Part of the starter's name or email. */
  startedBy: z.string().trim().min(1).max(200).optional(),
  /** Part of the run id, mission name, input or verdict summary. */
  search: z.string().trim().min(1).max(200).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  limit: z.number().int().min(1).max(200).default(25),
  cursor: z.string().max(500).optional(),
  /** Simulated runs (test cases) are left out unless asked for. */
  simulated: z.enum(SIMULATED_FILTERS).default("exclude"),
});
export type RunHistoryInput = z.input<typeof runHistoryInput>;

export interface RunHistoryItem {
  id: string;
  missionId: string;
  missionName: string;
  versionNumber: number;
  status: RunStatus;
  /** `label` is what people read for the outcome, from the run's version (null: the outcome itself). */
  verdict: { outcome: string; summary: string; label: string | null } | null;
  error: string | null;
  channel: string;
  startedBy: string | null;
  startedByName: string | null;
  /** A child run of a Call mission step: the run, its mission and the step that started it (its channel says only "api"). */
  parent: { runId: string; nodeId: string; missionName: string } | null;
  /** A simulation of a test case (shown only when the list asks for them). */
  simulated: boolean;
  tokensIn: number;
  tokensOut: number;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

interface Row {
  id: string;
  mission_id: string;
  mission_name: string;
  version_number: number;
  status: RunStatus;
  verdict: { outcome: string; summary: string } | null;
  verdict_label: string | null;
  error: string | null;
  channel: string;
  started_by: string | null;
  started_by_name: string | null;
  parent_run_id: string | null;
  parent_node_id: string | null;
  parent_mission_name: string | null;
  simulated: boolean;
  tokens_in: number;
  tokens_out: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

/** The label a mission version's verdict gives an outcome (`outcomeLabels`, docs/mission-format.md), or null. */
const outcomeLabelIn = (graph: SQL, outcome: SQL) =>
  sql`(select n->'data'->'outcomeLabels'->>(${outcome}) from jsonb_array_elements(${graph}->'nodes') n
       where n->>'kind' = 'verdict' and n->'data'->'outcomeLabels'->>(${outcome}) is not null limit 1)`;
const LABEL_MAX_CHARS = 200;

const iso = (v: string | null) => (v === null ? null : new Date(v).toISOString());
/** `%` and `_` typed by a person are literal characters, not wildcards. */
const contains = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Newest first, `limit` at a time; pass back `nextCursor` for the next page. */
export async function listRunHistory(database: Database, raw: RunHistoryInput = {}): Promise<{ items: RunHistoryItem[]; nextCursor: string | null }> {
  const parsed = runHistoryInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid run filter", zodProblems(parsed.error.issues));
  const q = parsed.data;
  const where = runListWhere(q, () => new AppError("bad_request", "Invalid cursor", [{ path: "cursor", message: "is not a cursor returned by the runs list" }]));
  if (q.verdict) where.push(sql`lower(r.verdict->>'outcome') = lower(${q.verdict})`);
  if (q.startedBy) where.push(sql`(u.name ilike ${contains(q.startedBy)} or u.email ilike ${contains(q.startedBy)})`);
  if (q.search) {
    const s = contains(q.search);
    where.push(sql`(r.id ilike ${s} or m.name ilike ${s} or r.input::text ilike ${s} or coalesce(r.verdict->>'summary', '') ilike ${s} or coalesce(r.error, '') ilike ${s})`);
  }
  const rows = await database.rows<Row>(
    sql`select r.id, r.mission_id, m.name as mission_name, v.number as version_number, r.status, r.verdict,
               ${outcomeLabelIn(sql`v.graph`, sql`r.verdict->>'outcome'`)} as verdict_label, r.error, r.channel,
               r.started_by, u.name as started_by_name, r.parent_run_id, r.parent_node_id, pm.name as parent_mission_name,
               r.simulation is not null as simulated, r.tokens_in, r.tokens_out, r.created_at::text as created_at, r.started_at::text as started_at, r.ended_at::text as ended_at
        from run r join mission m on m.id = r.mission_id join mission_version v on v.id = r.version_id
        left join "user" u on u.id = r.started_by
        left join run pr on pr.id = r.parent_run_id left join mission pm on pm.id = pr.mission_id
        ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
        ${RUN_LIST_ORDER} limit ${q.limit + 1}`,
  );
  const { page, nextCursor } = runListPage(rows, q.limit);
  return {
    items: page.map((r) => ({
      id: r.id,
      missionId: r.mission_id,
      missionName: r.mission_name,
      versionNumber: Number(r.version_number),
      status: r.status,
      // Bounded for runs stored before verdicts and errors were.
      verdict: r.verdict ? { ...boundVerdict(r.verdict), label: r.verdict_label?.trim().slice(0, LABEL_MAX_CHARS) || null } : null,
      error: r.error === null ? null : boundError(r.error),
      channel: r.channel,
      startedBy: r.started_by,
      startedByName: r.started_by_name,
      parent: r.parent_run_id && r.parent_node_id ? { runId: r.parent_run_id, nodeId: r.parent_node_id, missionName: r.parent_mission_name ?? "a deleted mission" } : null,
      simulated: r.simulated === true,
      tokensIn: Number(r.tokens_in),
      tokensOut: Number(r.tokens_out),
      createdAt: iso(r.created_at) ?? "",
      startedAt: iso(r.started_at),
      endedAt: iso(r.ended_at),
    })),
    nextCursor,
  };
}

/**
 * Distinct verdict outcomes and missions seen in runs, for the list's filter menus; `verdictLabels`
 * holds what people read for an outcome where a version labels it (the first label found).
 */
export async function runHistoryFacets(database: Database): Promise<{ missions: { id: string; name: string }[]; verdicts: string[]; verdictLabels: Record<string, string> }> {
  const missions = await database.rows<{ id: string; name: string }>(
    sql`select m.id, m.name from mission m where exists (select 1 from run r where r.mission_id = m.id) order by m.name`,
  );
  // Labels are read once per outcome and version, not per run.
  const verdicts = await database.rows<{ outcome: string; label: string | null }>(
    sql`with o as (select distinct r.verdict->>'outcome' as outcome, r.version_id from run r where r.verdict is not null)
        select o.outcome, min(${outcomeLabelIn(sql`v.graph`, sql`o.outcome`)}) as label
        from o join mission_version v on v.id = o.version_id group by o.outcome order by 1`,
  );
  // Own properties even for outcomes named like Object's (__proto__, constructor).
  const verdictLabels: Record<string, string> = Object.fromEntries(verdicts.flatMap((v) => (v.outcome && v.label?.trim() ? [[v.outcome, v.label.trim().slice(0, LABEL_MAX_CHARS)]] : [])));
  return { missions, verdicts: verdicts.map((v) => v.outcome).filter(Boolean), verdictLabels };
}
