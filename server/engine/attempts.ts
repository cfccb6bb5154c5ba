import "server-only";
import { sql } from "drizzle-orm";
import { getNodeKind, STEP_ATTEMPTS } from "@/lib/mission/node-kinds";
import type { NodeKind } from "@/lib/mission/schema";
import { recordAudit, SYSTEM_ACTOR } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { recordObservation } from "@/server/observations/record";
import { isWorkerError } from "@/server/workers/errors";
import { errorMessage, PermanentError } from "./step-port";

/** Kinds whose steps call systems of record (their registry's `tools`): their retries are in the audit log too. */
const callsTools = (kind: NodeKind) => getNodeKind(kind).tools !== undefined;

export interface FailedAttempt {
  runId: string;
  nodeId: string;
  kind: NodeKind;
  /** The step id, e.g. `node:send:call`. */
  stepId: string;
  /** 0-based, as the engine counts. */
  attempt: number;
  error: unknown;
}

/** Whether the engine runs the step again after this failure (PermanentError fails it at once). */
export function willRetry(error: unknown, attempt: number): boolean {
  return !(error instanceof PermanentError) && attempt + 1 < STEP_ATTEMPTS;
}

function codeOf(error: unknown): string | undefined {
  for (const e of [error, error instanceof Error ? error.cause : undefined]) {
    const code = e !== null && typeof e === "object" && "code" in e ? (e as { code: unknown }).code : undefined;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/**
 * Records one failed attempt of a node's step, inside that step, while the run is live: the node's
 * `attempt`, an `error` Observation with the attempt number and whether it will be retried (a
 * Worker records its own failures, so not for those), and for steps that call systems of record a
 * `step.retried` audit entry when it will run again. The last attempt's failure is the node's and
 * the run's failure, recorded as such.
 */
export async function recordFailedAttempt(database: Database, f: FailedAttempt): Promise<void> {
  const retry = willRetry(f.error, f.attempt);
  const message = errorMessage(f.error);
  const live = await database.rows(
    sql`update run_node set attempt = ${f.attempt}
        where run_id = ${f.runId} and node_id = ${f.nodeId} and status in ('pending', 'running', 'waiting')
          and exists (select 1 from run where id = ${f.runId} and status in ('queued', 'running', 'waiting'))
        returning 1`,
  );
  if (!live.length) return;
  const code = codeOf(f.error);
  const data = { step: f.stepId, attempt: f.attempt + 1, attempts: STEP_ATTEMPTS, retriable: retry, ...(code ? { code } : {}) };
  if (!isWorkerError(f.error)) {
    const text = retry ? `Attempt ${f.attempt + 1} of ${STEP_ATTEMPTS} failed, trying again: ${message}` : `Attempt ${f.attempt + 1} of ${STEP_ATTEMPTS} failed: ${message}`;
    await recordObservation(database, { runId: f.runId, nodeId: f.nodeId, attempt: f.attempt, kind: "error", text, data: { ...data, error: message } });
  }
  if (retry && callsTools(f.kind)) {
    await recordAudit(database, {
      action: "step.retried",
      actor: SYSTEM_ACTOR,
      targetType: "run_node",
      targetId: `${f.runId}:${f.nodeId}`,
      runId: f.runId,
      data: { node: f.nodeId, step: f.stepId, attempt: f.attempt + 1, attempts: STEP_ATTEMPTS, error: message, ...(code ? { code } : {}) },
    });
  }
}
