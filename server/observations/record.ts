import "server-only";
import { EventEmitter } from "node:events";
import { getTableColumns } from "drizzle-orm";
import { observation, type ObservationKind } from "@/server/db/schema";
import { notify, type Database, type DbOrTx } from "@/server/db/database";
import { boundObservationText, boundRecordData } from "./bounds";

export interface NewObservation {
  runId: string;
  nodeId?: string | null;
  attempt?: number;
  kind: ObservationKind;
  text?: string;
  data?: unknown;
  tokensIn?: number;
  tokensOut?: number;
}

export type Observation = typeof observation.$inferSelect;

declare global {
  var __stewardObservationBus: EventEmitter | undefined;
}

/** In-process fan-out of new observation ids, keyed by run id. */
export function observationBus(): EventEmitter {
  if (!globalThis.__stewardObservationBus) {
    globalThis.__stewardObservationBus = new EventEmitter();
    globalThis.__stewardObservationBus.setMaxListeners(0);
  }
  return globalThis.__stewardObservationBus;
}

export const OBSERVATION_CHANNEL = "steward_observation";

/** NOTIFY of a run that has ended (payload: its id), for requests waiting for its result on any replica. */
export const RUN_ENDED_CHANNEL = "steward_run_ended";

/**
 * The bus carries `(id)` for each new Observation of a run (`(runId, id)`), and `(id, RUN_ENDED)`
 * when the run has ended (`id` null when it came by NOTIFY): waiters for a run's result read it then.
 */
export const RUN_ENDED = "run-ended";

/**
 * `(runId)` on the bus each time this process ends a run (once its end has committed), for
 * whoever follows every run rather than one: the trace export (server/tracing/). Never from NOTIFY.
 */
export const ANY_RUN_ENDED = Symbol.for("steward.any-run-ended");

/**
 * Writes an Observation and publishes it: in-process for this replica, NOTIFY for the others
 * (PostgreSQL). Its text and data are bounded (bounds.ts): an Observation is a log line.
 * Subscribers read rows by id, so the published payload is only `<runId>:<id>`.
 */
export async function recordObservation(database: Database, obs: NewObservation, on?: DbOrTx): Promise<Observation> {
  const [row] = await (on ?? database.db)
    .insert(observation)
    .values({
      runId: obs.runId,
      nodeId: obs.nodeId ?? null,
      attempt: obs.attempt ?? 0,
      kind: obs.kind,
      text: boundObservationText(obs.text ?? ""),
      data: boundRecordData(obs.data ?? null),
      tokensIn: obs.tokensIn ?? 0,
      tokensOut: obs.tokensOut ?? 0,
    })
    .returning(getTableColumns(observation));
  if (!row) throw new Error("observation insert returned nothing");
  observationBus().emit(obs.runId, row.id);
  // Other replicas share PostgreSQL; on PGlite this process is the only one.
  if (database.driver === "postgres") await notify(database, OBSERVATION_CHANNEL, `${obs.runId}:${row.id}`, on);
  return row;
}
