import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import type { EngineEvent } from "@/server/contracts/events";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { seedMission, testEngine, waitForRun, waitingDecision, eventually } from "@/server/engine/testing/harness";
import { checkRunInvariants } from "@/server/engine/testing/reliability";
import { sweepOnce } from "@/server/engine/sweeper";
import { recordObservation } from "@/server/observations/record";
import { RunError } from "./errors";
import { cancelRun, getRun, listRuns, rerun, startRun } from "./service";

const formGraph = mission(
  "form",
  [
    node.trigger("start", {
      channels: ["manual", "api"],
      fields: [
        { name: "email", type: "email" },
        { name: "amount", type: "number" },
        { name: "note", type: "text", required: false, maxLength: 10 },
        { name: "urgent", type: "boolean", required: false },
      ],
    }),
    node.approval("review"),
    node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
  ],
  edges("start->review", "review:approved->done"),
);

describe.each(testDatabases())("runs on $name", (tdb) => {
  let database: Database;
  const sent: EngineEvent[] = [];
  const send = async (events: EngineEvent | EngineEvent[]) => {
    sent.push(...[events].flat());
  };
  const good = { email: "ada@example.test", amount: 12 };

  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  it("starts a run: queued, one pending row per node, and a run.requested event keyed by the run id", async () => {
    const seeded = await seedMission(database, formGraph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: { ...good, amount: "12.5", urgent: "true" }, channel: "api", userId: seeded.starter }, { send });
    const view = await getRun(database, runId);
    expect(view).toMatchObject({ status: "queued", channel: "api", startedBy: seeded.starter, versionNumber: 1, input: { email: "ada@example.test", amount: 12.5, urgent: true } });
    expect(view.nodes.map((n) => [n.nodeId, n.kind, n.status])).toEqual([
      ["start", "trigger", "pending"],
      ["review", "approval", "pending"],
      ["done", "verdict", "pending"],
    ]);
    expect(view.deadlineAt).not.toBeNull();
    expect(sent.at(-1)).toEqual({ name: "mission/run.requested", id: runId, data: { runId } });
  });

  it("refuses input that does not fit the trigger's fields, naming each field", async () => {
    const seeded = await seedMission(database, formGraph);
    const err = await startRun(
      database,
      { missionId: seeded.missionId, input: { email: "not-an-email", amount: "lots", note: "far too long a note", colour: "red" }, userId: seeded.starter },
      { send },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunError);
    expect(err).toMatchObject({ reason: "invalid_input", code: "bad_request", status: 400 });
    const problems = (err as RunError).problems.map((p) => `${p.path}: ${p.message}`).sort();
    expect(problems).toEqual([
      "input.amount: must be a number",
      "input.colour: is not an input of this mission (its inputs: email, amount, note, urgent)",
      "input.email: must be an email address",
      "input.note: must be at most 10 characters",
    ]);
    const missing = await startRun(database, { missionId: seeded.missionId, input: {}, userId: null }, { send }).catch((e: unknown) => e);
    expect((missing as RunError).problems.map((p) => p.path).sort()).toEqual(["input.amount", "input.email"]);
    const channel = await startRun(database, { missionId: seeded.missionId, input: good, channel: "portal", userId: null }, { send }).catch((e: unknown) => e);
    expect(channel).toMatchObject({ reason: "invalid_input", problems: [{ path: "channel", message: "must be one of manual, api" }] });
  });

  it("refuses a version with validation problems, and unknown missions and versions", async () => {
    const broken = mission("broken", [node.trigger("start"), node.approval("review")], edges("start->review"));
    const seeded = await seedMission(database, broken);
    const err = await startRun(database, { missionId: seeded.missionId, userId: null }, { send }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "invalid_version", status: 400 });
    expect((err as RunError).problems.length).toBeGreaterThan(0);
    expect((err as RunError).message).toMatch(/^Version 1 cannot run: /);
    await expect(startRun(database, { missionId: "nope", userId: null }, { send })).rejects.toMatchObject({ reason: "not_found", status: 404 });
    const ok = await seedMission(database, formGraph);
    await expect(startRun(database, { missionId: ok.missionId, versionId: "v-missing", input: good, userId: null }, { send })).rejects.toMatchObject({ reason: "not_found" });
    await database.db.execute(sql`update mission set archived_at = now() where id = ${ok.missionId}`);
    await expect(startRun(database, { missionId: ok.missionId, input: good, userId: null }, { send })).rejects.toMatchObject({ reason: "conflict", status: 409 });
  });

  it("lists runs newest first with filters and a cursor that neither skips nor repeats", async () => {
    const seeded = await seedMission(database, formGraph);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await startRun(database, { missionId: seeded.missionId, input: good, userId: null }, { send })).runId);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await listRuns(database, { missionId: seeded.missionId, limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...res.items.map((r) => r.id));
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect((await listRuns(database, { missionId: seeded.missionId, status: "succeeded", limit: 10 })).items).toEqual([]);
    expect((await listRuns(database, { missionId: seeded.missionId, from: new Date(Date.now() + 60_000), limit: 10 })).items).toEqual([]);
    await expect(listRuns(database, { cursor: "garbage" })).rejects.toMatchObject({ reason: "invalid_input", problems: [{ path: "cursor" }] });
  });

  it("lists a run's spend as its page shows it: model calls of failed attempts count too", async () => {
    const seeded = await seedMission(database, formGraph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: good, userId: seeded.starter }, { send });
    // Two model calls (the first attempt failed), and the node's own total counting only the last.
    await recordObservation(database, { runId, nodeId: "review", kind: "usage", tokensIn: 100, tokensOut: 20, data: { cost: 0.0015 } });
    await recordObservation(database, { runId, nodeId: "review", kind: "usage", tokensIn: 120, tokensOut: 30, data: { cost: 0.002 } });
    await database.db.execute(sql`update run set tokens_in = 120, tokens_out = 30 where id = ${runId}`);
    const page = await getRun(database, runId);
    expect(page).toMatchObject({ tokensIn: 220, tokensOut: 50 });
    expect(page.cost).toBeCloseTo(0.0035, 6);
    const listed = (await listRuns(database, { missionId: seeded.missionId, limit: 10 })).items.find((r) => r.id === runId);
    expect(listed).toMatchObject({ tokensIn: 220, tokensOut: 50 });
    expect(listed?.cost).toBeCloseTo(0.0035, 6);
  });

  it("cancels a waiting run: the decision is cancelled, the engine stops, a second cancel is a conflict; rerun starts afresh", async () => {
    const seeded = await seedMission(database, formGraph);
    const engine = testEngine(database);
    await engine.executor.start();
    try {
      const { runId } = await startRun(database, { missionId: seeded.missionId, input: good, userId: seeded.starter }, { send: engine.send });
      const decisionId = await waitingDecision(database, runId, "review");
      const view = await getRun(database, runId);
      expect(view.status).toBe("waiting");
      expect(view.pendingDecisions.map((d) => [d.id, d.waiting])).toEqual([[decisionId, true]]);

      expect(await cancelRun(database, runId, seeded.starter, { send: engine.send })).toEqual({ runId, status: "cancelled" });
      await eventually(async () => (await database.rows(sql`select 1 from engine_run where event->'data'->>'runId' = ${runId} and status = 'cancelled'`)).length === 1);
      const after = await getRun(database, runId);
      expect(after).toMatchObject({ status: "cancelled", error: `Cancelled by ${seeded.starter}`, pendingDecisions: [] });
      expect(after.nodes.find((n) => n.nodeId === "review")).toMatchObject({ status: "failed", error: "The run was cancelled" });
      const [d] = await database.rows<{ status: string }>(sql`select status from decision where id = ${decisionId}`);
      expect(d?.status).toBe("cancelled");
      await expect(cancelRun(database, runId, seeded.starter, { send: engine.send })).rejects.toMatchObject({ reason: "conflict", status: 409 });
      expect((await checkRunInvariants(database, runId)).violations).toEqual([]);

      const again = await rerun(database, { runId }, seeded.starter, { send: engine.send });
      expect(again.runId).not.toBe(runId);
      expect(await waitForRun(database, again.runId, ["waiting"])).toBe("waiting");
      expect((await getRun(database, again.runId)).input).toEqual(good);
      await cancelRun(database, again.runId, seeded.starter, { send: engine.send });
    } finally {
      await engine.executor.stop();
    }
  });

  it("the sweeper fails runs past their deadline and re-sends requests for runs left queued", async () => {
    const seeded = await seedMission(database, formGraph);
    const stuck = (await startRun(database, { missionId: seeded.missionId, input: good, userId: null }, { send })).runId;
    const lost = (await startRun(database, { missionId: seeded.missionId, input: good, userId: null }, { send })).runId;
    await database.db.execute(sql`update run set deadline_at = now() - interval '1 minute' where id = ${stuck}`);
    await database.db.execute(sql`update run set created_at = now() - interval '5 minutes' where id = ${lost}`);
    // Executor state of a run that ended two days ago: its steps go, the run record stays a while.
    await database.db.execute(
      sql`insert into engine_run (id, fn_id, event, status, max_attempts, ended_at) values ('old-run', 'steward-mission-run', '{}'::jsonb, 'completed', 4, now() - interval '2 days')`,
    );
    await database.db.execute(sql`insert into engine_step (run_id, hashed_id, result) values ('old-run', 'h1', '{"data": 1}'::jsonb)`);
    const events: EngineEvent[] = [];
    const result = await sweepOnce(database, async (e) => {
      events.push(...[e].flat());
    });
    expect(result.failed).toEqual([stuck]);
    expect(result.pruned).toBeGreaterThanOrEqual(1);
    expect(await database.rows(sql`select 1 from engine_step where run_id = 'old-run'`)).toHaveLength(0);
    expect(await database.rows(sql`select 1 from engine_run where id = 'old-run'`)).toHaveLength(1);
    expect(result.requeued).toContain(lost);
    const view = await getRun(database, stuck);
    expect(view.status).toBe("failed");
    expect(view.error).toMatch(/^No progress before the run's deadline .*: stopped by the sweeper$/);
    expect(events).toEqual(
      expect.arrayContaining([
        { name: "mission/run.cancel.requested", data: { runId: stuck } },
        { name: "mission/run.requested", id: lost, data: { runId: lost } },
      ]),
    );
  });
});
