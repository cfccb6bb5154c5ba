import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { triggerDataSchema } from "@/lib/mission/schema";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import type { EngineEvent } from "@/server/contracts/events";
import { eventually, seedMission, testEngine, waitForRun } from "@/server/engine/testing/harness";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { getRun } from "@/server/runs";
import { fireDueSchedules, scheduleStatuses, setSchedulePaused } from "./schedule";
import { SCHEDULE_TICK_CRON, SCHEDULE_TICK_FUNCTION } from "./schedule-function";

function digest(schedule: { cron: string; timezone?: string; input?: Record<string, string | number | boolean> }, trigger: Partial<z.input<typeof triggerDataSchema>> = {}) {
  return mission(
    "Open-ticket digest",
    [
      node.trigger("trigger", {
        channels: ["schedule", "manual"],
        fields: [{ name: "queue", label: "Queue", type: "string" }],
        schedule: { timezone: "UTC", input: { queue: "billing" }, ...schedule },
        ...trigger,
      }),
      node.verdict("verdict", { outcomes: ["done"], outcome: '"done"', summary: '"Digest of " + trigger.queue' }),
    ],
    edges("trigger->verdict"),
  );
}

const minute = (iso: string) => new Date(iso);

describe.each(testDatabases())("schedules on $name", (tdb) => {
  let database: Database;
  const sent: EngineEvent[] = [];
  const send = async (events: EngineEvent | EngineEvent[]) => {
    sent.push(...[events].flat());
  };
  const runsOf = async (missionId: string) =>
    database.rows<{ id: string; channel: string; input: Record<string, unknown> }>(sql`select id, channel, input from run where mission_id = ${missionId} order by created_at`);
  /** Seeds a mission whose schedule became active at `since`. */
  async function seeded(graph: ReturnType<typeof digest>, since: Date) {
    const m = await seedMission(database, graph);
    await database.db.execute(sql`update version_review set decided_at = ${since.toISOString()}::timestamptz where version_id = ${m.versionId}`);
    return m;
  }

  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  it("starts exactly one run per firing when schedulers race, with the trigger's input, audited as the schedule", async () => {
    const m = await seeded(digest({ cron: "*/5 * * * *" }), minute("2030-01-01T07:00:00Z"));
    const now = minute("2030-01-01T08:07:30Z");
    // Five schedulers (replicas, a retried tick) at the same moment.
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => fireDueSchedules(database, now, { send })));
    const mine = results.flat().filter((f) => f.missionId === m.missionId);
    expect(mine).toEqual([{ missionId: m.missionId, fireAt: "2030-01-01T08:05:00.000Z", runId: expect.any(String) }]);
    const runs = await runsOf(m.missionId);
    expect(runs).toEqual([{ id: mine[0]?.runId, channel: "schedule", input: { queue: "billing" } }]);
    expect(sent.filter((e) => e.id === mine[0]?.runId)).toHaveLength(1);
    const run = await getRun(database, mine[0]?.runId ?? "");
    expect(run.startedVia).toBe("schedule, firing of 2030-01-01T08:05:00.000Z");
    const [audit] = await database.rows<{ actor_label: string }>(sql`select actor_label from audit_log where run_id = ${run.id} and action = 'run.started'`);
    expect(audit?.actor_label).toBe("schedule");

    // The same tick again, and the next minute (no new firing yet): nothing more. The next firing: one more.
    await fireDueSchedules(database, now, { send });
    await fireDueSchedules(database, minute("2030-01-01T08:09:59Z"), { send });
    expect(await runsOf(m.missionId)).toHaveLength(1);
    await Promise.all([fireDueSchedules(database, minute("2030-01-01T08:10:00Z"), { send }), fireDueSchedules(database, minute("2030-01-01T08:10:01Z"), { send })]);
    expect(await runsOf(m.missionId)).toHaveLength(2);
  });

  it("after a restart, a firing claimed by a scheduler that died before its run is started once, with the claimed id", async () => {
    const m = await seeded(digest({ cron: "0 * * * *" }), minute("2030-02-01T00:00:00Z"));
    const now = minute("2030-02-01T09:00:30Z");
    // The dead scheduler's claim: the firing and the run id it was about to start.
    await database.db.execute(
      sql`insert into schedule_firing (mission_id, fire_at, version_id, run_id, claimed_at) values (${m.missionId}, '2030-02-01T09:00:00Z', ${m.versionId}, 'run-of-dead-scheduler', ${new Date(now.getTime() - 90_000).toISOString()}::timestamptz)`,
    );
    const afterRestart = await Promise.all([fireDueSchedules(database, now, { send }), fireDueSchedules(database, now, { send })]);
    expect(afterRestart.flat().filter((f) => f.missionId === m.missionId).map((f) => f.runId)).toContain("run-of-dead-scheduler");
    expect((await runsOf(m.missionId)).map((r) => r.id)).toEqual(["run-of-dead-scheduler"]);
    await fireDueSchedules(database, now, { send });
    expect(await runsOf(m.missionId)).toHaveLength(1);
  });

  it("runs only the latest missed firing after downtime, and none from before the schedule was active", async () => {
    // Hourly since 03:00; the server was down until 09:20: one run, for 09:00.
    const m = await seeded(digest({ cron: "0 * * * *" }), minute("2030-03-01T03:00:00Z"));
    const started = await fireDueSchedules(database, minute("2030-03-01T09:20:00Z"), { send });
    expect(started.filter((f) => f.missionId === m.missionId).map((f) => f.fireAt)).toEqual(["2030-03-01T09:00:00.000Z"]);
    expect(await runsOf(m.missionId)).toHaveLength(1);

    // A daily 08:00 schedule published at 10:00 waits for tomorrow.
    const late = await seeded(digest({ cron: "0 8 * * *", timezone: "Europe/Paris" }), minute("2030-03-01T09:00:00Z"));
    await fireDueSchedules(database, minute("2030-03-01T09:30:00Z"), { send });
    expect(await runsOf(late.missionId)).toHaveLength(0);
    await fireDueSchedules(database, minute("2030-03-02T07:00:00Z"), { send });
    expect(await runsOf(late.missionId)).toHaveLength(1);
  });

  it("a paused schedule and an archived mission fire nothing; resuming does not catch up the paused time", async () => {
    const m = await seeded(digest({ cron: "* * * * *" }), minute("2030-04-01T00:00:00Z"));
    await setSchedulePaused(database, m.missionId, true, { id: m.author });
    await fireDueSchedules(database, minute("2030-04-01T10:00:00Z"), { send });
    expect(await runsOf(m.missionId)).toHaveLength(0);
    const [paused] = await scheduleStatuses(database, { missionId: m.missionId, now: minute("2030-04-01T10:00:00Z") });
    expect(paused).toMatchObject({ paused: true, next: [], description: "Every minute (UTC)" });

    await setSchedulePaused(database, m.missionId, false, { id: m.author });
    // Resumed now (in real time, before 2030): the firings up to then stay skipped, the next one runs.
    const [resumed] = await database.rows<{ changed_at: string }>(sql`select changed_at::text from mission_schedule where mission_id = ${m.missionId}`);
    expect(new Date(resumed?.changed_at ?? 0).getTime()).toBeLessThanOrEqual(Date.now());
    await database.db.execute(sql`update mission_schedule set changed_at = '2030-04-01T10:00:30Z' where mission_id = ${m.missionId}`);
    await fireDueSchedules(database, minute("2030-04-01T10:00:45Z"), { send });
    expect(await runsOf(m.missionId)).toHaveLength(0);
    await fireDueSchedules(database, minute("2030-04-01T10:01:00Z"), { send });
    expect(await runsOf(m.missionId)).toHaveLength(1);

    await database.db.execute(sql`update mission set archived_at = now() where id = ${m.missionId}`);
    await fireDueSchedules(database, minute("2030-04-01T10:02:00Z"), { send });
    expect(await runsOf(m.missionId)).toHaveLength(1);
    const audit = await database.rows<{ action: string }>(sql`select action from audit_log where target_id = ${m.missionId} and action like 'schedule.%' order by id`);
    expect(audit.map((a) => a.action)).toEqual(["schedule.paused", "schedule.resumed"]);
  });

  it("records a firing whose run cannot start, audits it and does not try it again", async () => {
    // A version (seeded, as an older one could be) whose schedule lacks a required input: it cannot run.
    const m = await seeded(digest({ cron: "0 * * * *", input: {} }), minute("2030-05-01T00:00:00Z"));
    const [failed] = (await fireDueSchedules(database, minute("2030-05-01T06:00:10Z"), { send })).filter((f) => f.missionId === m.missionId);
    expect(failed?.error).toMatch(/schedule\.input\.queue: a scheduled run needs a value for the required input queue/);
    await fireDueSchedules(database, minute("2030-05-01T06:10:00Z"), { send });
    expect(await runsOf(m.missionId)).toHaveLength(0);
    const [status] = await scheduleStatuses(database, { missionId: m.missionId, now: minute("2030-05-01T06:10:00Z") });
    expect(status?.lastFiring?.error).toMatch(/needs a value/);
    expect(status?.next[0]).toBe("2030-05-01T07:00:00.000Z");
    const audit = await database.rows<{ action: string }>(sql`select action from audit_log where target_id = ${m.missionId} and action = 'schedule.firing_failed'`);
    expect(audit).toHaveLength(1);
  });

  it("on the embedded engine, two executors ticking the same minute start one scheduler run and one mission run, which completes", async () => {
    const since = new Date(Date.now() - 10 * 60_000);
    const m = await seeded(digest({ cron: "* * * * *" }), since);
    const a = testEngine(database);
    const b = testEngine(database);
    await a.executor.start({ workers: true });
    await b.executor.start({ workers: true });
    try {
      const tick = new Date(Math.floor(Date.now() / 60_000) * 60_000);
      const fnId = `steward-${SCHEDULE_TICK_FUNCTION}`;
      await Promise.all([a.executor.fireCron(fnId, SCHEDULE_TICK_CRON, tick), b.executor.fireCron(fnId, SCHEDULE_TICK_CRON, tick)]);
      await eventually(async () => (await runsOf(m.missionId)).length === 1, 20_000, "the scheduled run");
      const [run] = await runsOf(m.missionId);
      await waitForRun(database, run?.id ?? "", ["succeeded"]);
      const ticks = await database.rows<{ status: string }>(sql`select status from engine_run where fn_id = ${fnId}`);
      expect(ticks).toHaveLength(1);
      await eventually(async () => (await database.rows<{ status: string }>(sql`select status from engine_run where fn_id = ${fnId}`))[0]?.status === "completed");
      expect((await getRun(database, run?.id ?? "")).verdict).toEqual({ outcome: "done", summary: "Digest of billing" });
    } finally {
      await a.executor.stop();
      await b.executor.stop();
    }
    expect(await runsOf(m.missionId)).toHaveLength(1);
  });
});
