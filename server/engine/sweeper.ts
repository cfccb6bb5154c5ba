import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { resendUnsentDecisions } from "@/server/decisions/queries";
import { RUN_CANCEL_REQUESTED, RUN_REQUESTED, type SendEvents } from "@/server/contracts/events";
import { endRunWith } from "./state";

export interface SweepResult {
  failed: string[];
  requeued: string[];
  decisionsResent: number;
  pruned: number;
}

/** How long the embedded executor keeps what it no longer needs. */
export const RETENTION = {
  /** Memoized steps of ended engine runs (large: every step's output). */
  stepsMs: 24 * 3_600_000,
  /** Received events (their ids make sends idempotent, so keep them well past any retry). */
  eventsMs: 7 * 24 * 3_600_000,
  /** Ended engine runs themselves. */
  runsMs: 30 * 24 * 3_600_000,
};

/**
 * Housekeeping that keeps runs honest, safe to run on every replica at once:
 * - fails runs whose deadline passed with no progress (the engine lost them, or nobody runs them),
 *   and tells the engine to stop them;
 * - re-sends `mission/run.requested` for runs still queued after `queuedGraceMs` (the first send was
 *   lost); the event id is the run id, so an engine that already has it ignores the repeat;
 * - re-sends `decision/made` for decisions resolved but never announced.
 */
export async function sweepOnce(
  database: Database,
  send: SendEvents,
  /** How long a run may stay queued, and a resolved decision unannounced, before the sweeper sends again. */
  opts: { queuedGraceMs?: number; decisionGraceMs?: number } = {},
): Promise<SweepResult> {
  const stalled = await database.rows<{ id: string; deadline: string }>(
    sql`select id, deadline_at::text as deadline from run
        where status in ('queued', 'running', 'waiting') and deadline_at is not null and deadline_at < now()
        order by deadline_at limit 100`,
  );
  const failed: string[] = [];
  for (const r of stalled) {
    const reason = `No progress before the run's deadline (${new Date(r.deadline).toISOString()}): stopped by the sweeper`;
    if (await endRunWith(database, r.id, "failed", reason)) {
      failed.push(r.id);
      await send({ name: RUN_CANCEL_REQUESTED, data: { runId: r.id } }).catch(() => {});
    }
  }
  const queued = await database.rows<{ id: string }>(
    sql`select id from run where status = 'queued' and parent_run_id is null and created_at < now() - ${opts.queuedGraceMs ?? 30_000} * interval '1 millisecond'
        order by created_at limit 100`,
  );
  const requeued: string[] = [];
  for (const r of queued) {
    try {
      await send({ name: RUN_REQUESTED, id: r.id, data: { runId: r.id } });
      requeued.push(r.id);
    } catch {
      // the engine is unreachable: the next sweep tries again, the deadline bounds it
    }
  }
  const decisionsResent = await resendUnsentDecisions(database, send, opts.decisionGraceMs).catch(() => 0);
  const pruned = await pruneEngineState(database);
  return { failed, requeued, decisionsResent, pruned };
}

/**
 * Deletes executor state nobody needs any more (the run, run_node and observation tables keep
 * the history the product shows). Bounded per call so a sweep stays short.
 */
export async function pruneEngineState(database: Database, retention = RETENTION): Promise<number> {
  const ms = (v: number) => sql`${v} * interval '1 millisecond'`;
  const [steps] = await database.rows<{ n: number }>(
    sql`with gone as (
          delete from engine_step where ctid in (
            select s.ctid from engine_step s join engine_run r on r.id = s.run_id
            where r.status <> 'running' and r.ended_at < now() - ${ms(retention.stepsMs)} limit 5000)
          returning 1)
        select count(*)::int as n from gone`,
  );
  const [events] = await database.rows<{ n: number }>(
    sql`with gone as (
          delete from engine_event where id in (select id from engine_event where received_at < now() - ${ms(retention.eventsMs)} limit 5000)
          returning 1)
        select count(*)::int as n from gone`,
  );
  const [runs] = await database.rows<{ n: number }>(
    sql`with gone as (
          delete from engine_run where id in (
            select id from engine_run where status <> 'running' and ended_at < now() - ${ms(retention.runsMs)} limit 1000)
          returning 1)
        select count(*)::int as n from gone`,
  );
  return Number(steps?.n ?? 0) + Number(events?.n ?? 0) + Number(runs?.n ?? 0);
}
