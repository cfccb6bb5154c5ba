import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { AppError, isAppError } from "@/lib/errors";
import type { TriggerData } from "@/lib/mission/schema";
import { describeSchedule, latestFiring, nextFirings, schedulePreview, UPCOMING_FIRINGS } from "@/lib/mission/trigger-channels";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { versionGraph } from "@/server/engine/plan";
import { startRun, type RunServiceOptions } from "@/server/runs";

/**
 * The `schedule` channel. Every minute (an Inngest cron function, server/triggers/schedule-function.ts)
 * each mission whose published version has a schedule, that is not archived and not paused, gets
 * its latest firing at or before now claimed and started:
 *
 * - **Exactly once per firing.** A firing is a row keyed by (mission, firing time), inserted with
 *   the id of the run it will start before that run is created: of any number of schedulers (replicas,
 *   a retried tick) one inserts it and starts the run. A claim whose run does not exist a minute
 *   later (the process died in between) is started again with that same id, which the run's primary
 *   key lets happen once.
 * - **Missed firings: the latest one runs, once.** After downtime (or a late tick) only the most
 *   recent firing time is claimed; earlier ones are skipped. Firings before the schedule became
 *   active (its version was published, or it was resumed) are never run: publishing a daily 08:00
 *   schedule at 10:00 waits for tomorrow, and resuming does not replay the paused days.
 */

/** A claim this old without its run was left by a scheduler that died: start it again. */
const ORPHAN_AFTER_MS = 60_000;
/** Orphans older than this are left alone (their moment has passed long ago). */
const ORPHAN_HORIZON_MS = 24 * 3_600_000;

interface ActiveSchedule {
  missionId: string;
  versionId: string;
  activeSince: Date;
  schedule: NonNullable<TriggerData["schedule"]>;
}

/** The published schedules that may fire: mission not archived, schedule not paused. */
async function activeSchedules(database: Database): Promise<ActiveSchedule[]> {
  const rows = await database.rows<{ mission_id: string; version_id: string; active_since: string }>(
    sql`select m.id as mission_id, v.id as version_id,
               greatest(coalesce(r.decided_at, v.created_at), coalesce(s.changed_at, '-infinity'::timestamptz))::text as active_since
        from mission m
        join mission_version v on v.mission_id = m.id and v.number = m.published_version
        left join version_review r on r.version_id = v.id
        left join mission_schedule s on s.mission_id = m.id
        where m.archived_at is null and not coalesce(s.paused, false)
          and exists (select 1 from jsonb_array_elements(v.graph->'nodes') n
                      where n->>'kind' = 'trigger' and (n->'data'->'channels') @> '["schedule"]'::jsonb)`,
  );
  const out: ActiveSchedule[] = [];
  for (const r of rows) {
    const schedule = triggerOf(await versionGraph(database, r.version_id))?.schedule;
    if (schedule) out.push({ missionId: r.mission_id, versionId: r.version_id, activeSince: new Date(r.active_since), schedule });
  }
  return out;
}

function triggerOf(graph: { nodes: { kind: string; data: unknown }[] }): TriggerData | null {
  const t = graph.nodes.find((n) => n.kind === "trigger");
  return t ? (t.data as TriggerData) : null;
}

export interface FiringOutcome {
  missionId: string;
  fireAt: string;
  runId: string;
  /** Set when the run could not start. */
  error?: string;
}

/** Starts a claimed firing's run with the claimed id; records why when it cannot start. */
async function startFiring(database: Database, f: { missionId: string; versionId: string; fireAt: Date; runId: string; input: Record<string, unknown> }, send?: RunServiceOptions["send"]): Promise<FiringOutcome> {
  const fireAt = f.fireAt.toISOString();
  try {
    await startRun(
      database,
      { missionId: f.missionId, versionId: f.versionId, input: f.input, channel: "schedule", userId: null },
      { runId: f.runId, actor: { id: null, label: "schedule" }, via: `schedule, firing of ${fireAt}`, ...(send ? { send } : {}) },
    );
    return { missionId: f.missionId, fireAt, runId: f.runId };
  } catch (e) {
    // Another scheduler started this very run meanwhile (a recovered orphan): it is started, once.
    if (isUniqueViolation(e)) return { missionId: f.missionId, fireAt, runId: f.runId };
    if (!isAppError(e)) throw e;
    await database.db.execute(sql`update schedule_firing set error = ${e.message.slice(0, 2_000)} where mission_id = ${f.missionId} and fire_at = ${fireAt}::timestamptz`);
    await recordAudit(database, { action: "schedule.firing_failed", targetType: "mission", targetId: f.missionId, data: { fireAt, runId: f.runId, error: e.message } });
    return { missionId: f.missionId, fireAt, runId: f.runId, error: e.message };
  }
}

function isUniqueViolation(e: unknown): boolean {
  for (let c: unknown = e; c && typeof c === "object"; c = (c as { cause?: unknown }).cause) {
    if ((c as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

/**
 * One scheduler tick: claims and starts each active schedule's latest due firing, and starts the
 * runs of claims left orphaned by a scheduler that died. Safe to call from any number of processes
 * at once; returns the firings this call started.
 */
export async function fireDueSchedules(database: Database, now: Date = new Date(), opts: { send?: RunServiceOptions["send"] } = {}): Promise<FiringOutcome[]> {
  const started: FiringOutcome[] = [];
  for (const s of await activeSchedules(database)) {
    const at = latestFiring(s.schedule.cron, s.schedule.timezone, now);
    if (!at || at < s.activeSince) continue;
    const runId = crypto.randomUUID();
    const [claimed] = await database.rows<{ run_id: string }>(
      sql`insert into schedule_firing (mission_id, fire_at, version_id, run_id) values (${s.missionId}, ${at.toISOString()}::timestamptz, ${s.versionId}, ${runId})
          on conflict (mission_id, fire_at) do nothing returning run_id`,
    );
    if (!claimed) continue;
    started.push(await startFiring(database, { missionId: s.missionId, versionId: s.versionId, fireAt: at, runId, input: s.schedule.input }, opts.send));
  }
  const orphans = await database.rows<{ mission_id: string; version_id: string; fire_at: string; run_id: string }>(
    sql`select f.mission_id, f.version_id, f.fire_at::text, f.run_id from schedule_firing f
        where f.error is null and not exists (select 1 from run r where r.id = f.run_id)
          and f.claimed_at < ${new Date(now.getTime() - ORPHAN_AFTER_MS).toISOString()}::timestamptz
          and f.claimed_at > ${new Date(now.getTime() - ORPHAN_HORIZON_MS).toISOString()}::timestamptz`,
  );
  for (const o of orphans) {
    const schedule = triggerOf(await versionGraph(database, o.version_id))?.schedule;
    started.push(await startFiring(database, { missionId: o.mission_id, versionId: o.version_id, fireAt: new Date(o.fire_at), runId: o.run_id, input: schedule?.input ?? {} }, opts.send));
  }
  return started;
}

/** Pauses or resumes a mission's schedule (no new version needed); a resumed schedule does not catch up. */
export async function setSchedulePaused(database: Database, missionId: string, paused: boolean, actor: AuditActor): Promise<{ paused: boolean }> {
  const [m] = await database.rows<{ id: string }>(sql`select id from mission where id = ${missionId}`);
  if (!m) throw new AppError("not_found", `No mission ${missionId}`);
  await database.db.transaction(async (tx) => {
    await tx.execute(
      sql`insert into mission_schedule (mission_id, paused, changed_by, changed_at) values (${missionId}, ${paused}, ${actor.id}, now())
          on conflict (mission_id) do update set paused = excluded.paused, changed_by = excluded.changed_by, changed_at = now()`,
    );
    await recordAudit(tx, { action: paused ? "schedule.paused" : "schedule.resumed", actor, targetType: "mission", targetId: missionId });
  });
  return { paused };
}

export interface ScheduleStatus {
  missionId: string;
  /** The published version's schedule; null when it has none. */
  cron: string;
  timezone: string;
  description: string;
  preview: string;
  paused: boolean;
  archived: boolean;
  /** The next firings (ISO), none while paused or archived. */
  next: string[];
  lastFiring: { fireAt: string; runId: string; error: string | null } | null;
}

/** Every mission's published schedule (or one mission's): for the missions list and the editor. */
export async function scheduleStatuses(database: Database, opts: { missionId?: string; now?: Date } = {}): Promise<ScheduleStatus[]> {
  const now = opts.now ?? new Date();
  const rows = await database.rows<{ mission_id: string; version_id: string; paused: boolean; archived: boolean; fire_at: string | null; run_id: string | null; error: string | null }>(
    sql`select m.id as mission_id, v.id as version_id, coalesce(s.paused, false) as paused, m.archived_at is not null as archived,
               f.fire_at::text, f.run_id, f.error
        from mission m
        join mission_version v on v.mission_id = m.id and v.number = m.published_version
        left join mission_schedule s on s.mission_id = m.id
        left join lateral (select fire_at, run_id, error from schedule_firing where mission_id = m.id order by fire_at desc limit 1) f on true
        where ${opts.missionId ? sql`m.id = ${opts.missionId}` : sql`true`}
          and exists (select 1 from jsonb_array_elements(v.graph->'nodes') n
                      where n->>'kind' = 'trigger' and (n->'data'->'channels') @> '["schedule"]'::jsonb)`,
  );
  const out: ScheduleStatus[] = [];
  for (const r of rows) {
    const schedule = triggerOf(await versionGraph(database, r.version_id))?.schedule;
    if (!schedule) continue;
    const live = !r.paused && !r.archived;
    out.push({
      missionId: r.mission_id,
      cron: schedule.cron,
      timezone: schedule.timezone,
      description: describeSchedule(schedule.cron, schedule.timezone),
      preview: schedulePreview(schedule.cron, schedule.timezone, now),
      paused: r.paused,
      archived: r.archived,
      next: live ? nextFirings(schedule.cron, schedule.timezone, now, UPCOMING_FIRINGS).map((d) => d.toISOString()) : [],
      lastFiring: r.fire_at && r.run_id ? { fireAt: new Date(r.fire_at).toISOString(), runId: r.run_id, error: r.error } : null,
    });
  }
  return out;
}
