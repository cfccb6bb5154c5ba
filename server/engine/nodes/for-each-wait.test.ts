import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { forEachDataSchema, waitDataSchema } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { cancelRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { eventually, seedMission, testEngine, waitForRun } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";

// A Wait inside a For each (issue #13) runs under an item-scoped id with no node row of its own:
// the run's deadline must still cover the wait, or the sweeper fails the run after an hour.

describe.each(testDatabases())("a Wait inside a For each on $name", (tdb) => {
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

  it("carries the run's deadline past the wake-up time", async () => {
    const graph = mission(
      "wait per item",
      [
        node.trigger("start"),
        { id: "each", kind: "forEach", position: { x: 300, y: 0 }, data: forEachDataSchema.parse({ items: "[1]" }) },
        { id: "pause", kind: "wait", parentId: "each", position: { x: 20, y: 40 }, data: waitDataSchema.parse({ mode: "duration", duration: "3h" }) },
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("start->each", "each->done"),
    );
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, userId: seeded.starter }, { send: engine.send });
    const hoursLeft = async () => {
      const [row] = await database.rows<{ hours: number }>(sql`select extract(epoch from deadline_at - now())::float / 3600 as hours from run where id = ${runId}`);
      return row?.hours ?? 0;
    };
    // 3 h of waiting, then the progress window (before: the hour from the run's last state change).
    await eventually(async () => (await hoursLeft()) > 3.5, 10_000, "the run's deadline to cover the wait").catch(() => {});
    expect(await hoursLeft()).toBeGreaterThan(3.5);
    // The item's wake-up time, on the Wait on the canvas (its own state is one over all items).
    const lines = await database.rows<{ text: string; data: { step: string; until: string; waitStatus: string } }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'pause' and kind = 'text'`,
    );
    expect(lines.map((l) => [l.data.step, l.data.waitStatus])).toEqual([["each[0].pause", "waiting"]]);
    expect(Date.parse(lines[0]?.data.until ?? "") - Date.now()).toBeGreaterThan(2.9 * 3_600_000);
    expect(lines[0]?.text).toBe(`each[0].pause waiting until ${lines[0]?.data.until}`);
    await cancelRun(database, runId, seeded.starter, { send: engine.send });
    expect(await waitForRun(database, runId, ["cancelled"])).toBe("cancelled");
  });
});
