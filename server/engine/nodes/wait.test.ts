import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { waitDataSchema, type MissionNode } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { seedMission, testEngine, waitForRun } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";

const wait = (id: string, data: Record<string, unknown>): MissionNode => ({ id, kind: "wait", position: { x: 300, y: 0 }, data: waitDataSchema.parse(data) });

describe.each(testDatabases())("a Wait step on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database);
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  async function run(data: Record<string, unknown>, input: Record<string, unknown> = {}) {
    const graph = mission(
      "wait",
      [
        node.trigger("start", { fields: [{ name: "at", type: "string", required: false }] }),
        wait("pause", data),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "pause.until" }),
      ],
      edges("start->pause", "pause->done"),
    );
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input, userId: seeded.starter }, { send: engine.send });
    return runId;
  }

  function pauseStatuses(runId: string) {
    return database.rows<{ text: string; data: Record<string, unknown> }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'pause' and kind = 'status' order by id`,
    );
  }

  it("waits for a duration on the engine's durable sleep, says when it will wake, and goes on after", async () => {
    const before = Date.now();
    const runId = await run({ mode: "duration", duration: "2s" });
    await expect.poll(async () => (await getRun(database, runId)).nodes.find((n) => n.nodeId === "pause")?.status, { timeout: 10_000 }).toBe("waiting");
    const [waiting] = await pauseStatuses(runId);
    const until = Date.parse(String(waiting?.data.until));
    expect(until).toBeGreaterThanOrEqual(before + 2_000);
    expect(waiting?.text).toBe(`pause waiting until ${new Date(until).toISOString()}`);
    // The run's deadline covers the wait.
    const [row] = await database.rows<{ deadline_at: string }>(sql`select deadline_at::text as deadline_at from run where id = ${runId}`);
    expect(Date.parse(String(row?.deadline_at))).toBeGreaterThan(until);

    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    const output = view.nodes.find((n) => n.nodeId === "pause")?.output as { until: string; wokeAt: string };
    expect(output.until).toBe(new Date(until).toISOString());
    expect(Date.parse(output.wokeAt)).toBeGreaterThanOrEqual(until);
    expect(view.verdict).toEqual({ outcome: "ok", summary: output.until });
    const statuses = await pauseStatuses(runId);
    expect(statuses.map((s) => s.data.status)).toEqual(["waiting", "succeeded"]);
    expect(statuses[1]?.text).toBe(`pause woke up (it waited until ${output.until})`);
  });

  it("waits until the time an expression gives; a time already past goes on at once", async () => {
    const at = new Date(Date.now() + 2_000).toISOString();
    const runId = await run({ mode: "until", until: "timestamp(trigger.at)" }, { at });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const output = (await getRun(database, runId)).nodes.find((n) => n.nodeId === "pause")?.output as { until: string; wokeAt: string };
    expect(output.until).toBe(at);
    expect(Date.parse(output.wokeAt)).toBeGreaterThanOrEqual(Date.parse(at));

    const past = await run({ mode: "until", until: "trigger.at" }, { at: "2020-01-01T00:00:00Z" });
    expect(await waitForRun(database, past, ["succeeded", "failed"], 10_000)).toBe("succeeded");
  });

  it("fails at once, naming the field, when the expression does not give a time", async () => {
    const runId = await run({ mode: "until", until: "trigger.at" }, { at: "tomorrow" });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const pause = (await getRun(database, runId)).nodes.find((n) => n.nodeId === "pause");
    expect(pause?.error).toBe('pause.until: must give a time (a timestamp, or an ISO 8601 date such as "2026-12-07T08:00:00Z"), gave "tomorrow"');
    expect(pause?.attempt).toBe(0);
  });
});
