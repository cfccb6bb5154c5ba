import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import type { RunStatus } from "@/server/db/schema";
import { observationBus } from "@/server/observations/record";

export interface RunProgress {
  status: RunStatus;
  done: number;
  total: number;
}

/**
 * Calls `report` with the run's progress (steps finished of all) each time it records an
 * Observation, until the returned stop is called. Hints that arrive during a read coalesce into one
 * more read, so a busy run costs a read per burst, not per Observation.
 */
export function watchRunProgress(database: Database, runId: string, report: (p: RunProgress) => void | Promise<void>): () => void {
  const bus = observationBus();
  let stopped = false;
  let reading = false;
  let again = false;
  let last = "";
  const read = async () => {
    const [row] = await database.rows<{ status: RunStatus; done: number; total: number }>(
      sql`select r.status, count(*) filter (where n.status in ('succeeded', 'skipped', 'failed'))::int as done, count(*)::int as total
          from run r join run_node n on n.run_id = r.id where r.id = ${runId} group by r.status`,
    );
    if (!row || stopped) return;
    const key = `${row.status}:${row.done}`;
    if (key === last) return;
    last = key;
    await report({ status: row.status, done: Number(row.done), total: Number(row.total) });
  };
  const onObservation = () => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    again = false;
    read()
      .catch(() => {}) // progress is a courtesy: a failed read or send waits for the next hint
      .finally(() => {
        reading = false;
        if (again) onObservation();
      });
  };
  bus.on(runId, onObservation);
  onObservation();
  return () => {
    stopped = true;
    bus.off(runId, onObservation);
  };
}
