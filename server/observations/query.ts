import "server-only";
import { and, asc, eq, gt, inArray, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import { zodProblems, AppError } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import { OBSERVATION_KINDS, observation, type ObservationKind } from "@/server/db/schema";
import { capValue } from "@/lib/bounded";
import { boundObservationText, RUN_VALUE_MAX_BYTES } from "./bounds";
import { runValueLink } from "./run-values";

/** An Observation as clients see it (the `at` timestamp as ISO text, so JSON keeps it exact). */
export interface ObservationView {
  id: number;
  runId: string;
  nodeId: string | null;
  attempt: number;
  kind: ObservationKind;
  text: string;
  data: unknown;
  tokensIn: number;
  tokensOut: number;
  at: string;
}

type Row = typeof observation.$inferSelect;

/** An Observation row as shipped; rows stored before Observations were bounded are bounded here (the whole stays downloadable). */
export function toView(row: Row): ObservationView {
  const id = Number(row.id);
  return {
    id,
    runId: row.runId,
    nodeId: row.nodeId,
    attempt: row.attempt,
    kind: row.kind,
    text: boundObservationText(row.text),
    data: capValue(row.data, RUN_VALUE_MAX_BYTES, runValueLink(row.runId, `observation.${id}`)),
    tokensIn: row.tokensIn,
    tokensOut: row.tokensOut,
    at: row.at.toISOString(),
  };
}

/** Rows of one run with `id > after`, plus the rows named in `ids` (late commits), in id order. */
export async function readObservations(
  database: Database,
  q: { runId: string; after: number; ids?: number[]; limit: number },
): Promise<ObservationView[]> {
  const range = gt(observation.id, q.after);
  const ids = q.ids ?? [];
  const rows = await database.db
    .select()
    .from(observation)
    .where(and(eq(observation.runId, q.runId), ids.length ? or(range, inArray(observation.id, ids)) : range))
    .orderBy(asc(observation.id))
    .limit(q.limit + ids.length);
  return rows.map(toView);
}

export const listObservationsInput = z.object({
  runId: z.string().min(1, "must not be empty").max(100),
  /** The last id of the previous page (exclusive). */
  cursor: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(10_000).default(500),
  nodeId: z.string().min(1).max(100).optional(),
  kinds: z.array(z.enum(OBSERVATION_KINDS)).max(OBSERVATION_KINDS.length).optional(),
});
export type ListObservationsInput = z.input<typeof listObservationsInput>;

/** One page of a run's Observations in id order; `nextCursor` is null on the last page. */
export async function listObservations(
  database: Database,
  raw: ListObservationsInput,
): Promise<{ items: ObservationView[]; nextCursor: number | null }> {
  const parsed = listObservationsInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid observation filter", zodProblems(parsed.error.issues));
  const q = parsed.data;
  const where: SQL[] = [eq(observation.runId, q.runId)];
  if (q.cursor !== undefined) where.push(gt(observation.id, q.cursor));
  if (q.nodeId) where.push(eq(observation.nodeId, q.nodeId));
  if (q.kinds?.length) where.push(inArray(observation.kind, q.kinds));
  const rows = await database.db
    .select()
    .from(observation)
    .where(and(...where))
    .orderBy(asc(observation.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit).map(toView);
  const last = page[page.length - 1];
  return { items: page, nextCursor: rows.length > q.limit && last ? last.id : null };
}
