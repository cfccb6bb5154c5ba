import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { boundObservationText, boundRecordData } from "@/server/observations/bounds";
import { OBSERVATION_CHANNEL, observationBus } from "@/server/observations/record";

/** A finished item's line on its For each: a text Observation the Explain rail and the overlay read. */
export interface ItemLine {
  index: number;
  text: string;
  data: Record<string, unknown>;
}

/**
 * Writes the lines of finished items on For each `nodeId`, in item order, in one statement, each at
 * most once: the unique key (run, node, item_index) makes a record step that runs again after a
 * kill (its lines committed, its result not yet stored) insert nothing, so the rail and the item
 * counts stay true. Publishes the new lines (in-process, and NOTIFY for other replicas).
 */
export async function recordItemLines(database: Database, at: { runId: string; nodeId: string; attempt: number }, lines: ItemLine[]): Promise<void> {
  if (!lines.length) return;
  const { runId, nodeId, attempt } = at;
  const values = lines.map((l, ord) => sql`(${ord}::int, ${l.index}::int, ${boundObservationText(l.text)}::text, ${JSON.stringify(boundRecordData(l.data))}::jsonb)`);
  // Other replicas share PostgreSQL; on PGlite this process is the only one.
  const postgres = database.driver === "postgres";
  const [row] = await database.rows<{ ids: (number | string)[] | null }>(
    sql`with v (ord, item_index, text, data) as (values ${sql.join(values, sql`, `)}),
        obs as (
          insert into observation (run_id, node_id, attempt, kind, text, data, item_index)
          select ${runId}, ${nodeId}, ${attempt}, 'text', v.text, v.data, v.item_index from v order by v.ord
          on conflict (run_id, node_id, item_index) where item_index is not null do nothing
          returning id)${postgres ? sql`, note as (select pg_notify(${OBSERVATION_CHANNEL}, ${runId} || ':' || obs.id) from obs)` : sql``}
        select (select jsonb_agg(id order by id) from obs) as ids${postgres ? sql`, (select count(*) from note) as notified` : sql``}`,
  );
  for (const id of row?.ids ?? []) observationBus().emit(runId, Number(id));
}
