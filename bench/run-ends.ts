import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { observationBus } from "@/server/observations/record";

/**
 * Resolves when the run has succeeded. Listens to the run's Observations instead of polling, so
 * the measurement neither waits for a poll tick nor competes with the engine for PGlite; with
 * `quietFor`, the first that many Observations (which cannot be the last) are not checked either.
 */
export function runEnds(database: Database, runId: string, timeoutMs = 120_000, quietFor = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    const bus = observationBus();
    let seen = 0;
    const onObservation = () => {
      if (++seen > quietFor) check();
    };
    const check = () => {
      void database.rows<{ status: string }>(sql`select status from run where id = ${runId}`).then(([row]) => {
        if (row?.status === "succeeded") done();
        else if (row?.status === "failed" || row?.status === "cancelled") done(new Error(`run ${runId} ${row.status}`));
      }, done);
    };
    const timer = setTimeout(() => done(new Error(`run ${runId} did not end within ${timeoutMs} ms`)), timeoutMs);
    function done(err?: unknown) {
      clearTimeout(timer);
      bus.off(runId, onObservation);
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    }
    bus.on(runId, onObservation);
    check();
  });
}
