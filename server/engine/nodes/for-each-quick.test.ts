import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { forEachDataSchema, transformDataSchema, type MissionGraph } from "@/lib/mission/schema";
import { validateMission } from "@/lib/mission/validate";
import type { Database } from "@/server/db/database";
import { getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { eventually, seedMission, testEngine, waitForRun } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";

// A For each whose steps inside are all quick (Transform, Condition) runs `concurrency` items in
// one step of the engine instead of a parallel step per item (docs/engine.md, For each): fewer
// steps, and still durable — an engine killed mid-loop leaves each item recorded once.

/** trigger(csv) → For each over its comma-separated values, a Transform inside → verdict. */
function quickLoop(concurrency: number): MissionGraph {
  return mission(
    "quick loop",
    [
      node.trigger("start", { fields: [{ name: "csv", type: "text", maxLength: 100_000 }] }),
      { id: "lines", kind: "forEach", position: { x: 300, y: 0 }, data: forEachDataSchema.parse({ items: 'trigger.csv == "-" ? [] : trigger.csv.split(",")', concurrency, maxItems: 5_000, result: "fmt.line" }) },
      { id: "fmt", kind: "transform", parentId: "lines", position: { x: 20, y: 40 }, data: transformDataSchema.parse({ values: [{ name: "line", type: "string", expression: 'item + "#" + string(index)' }] }) },
      node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: 'string(size(lines)) + " lines"' }),
    ],
    edges("start->lines", "lines->done"),
  );
}

/** The input of n items (`-` for none: a text field may not be empty). */
const csv = (n: number) => (n === 0 ? "-" : Array.from({ length: n }, (_, i) => `o${i}`).join(","));
const expected = (n: number) => Array.from({ length: n }, (_, i) => `o${i}#${i}`);

describe.each(testDatabases())("a For each of quick steps on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  /** The For each's item lines of a run: how many per item index. */
  const lineCounts = (runId: string) =>
    database.rows<{ index: number; n: number }>(
      sql`select (data->'forEach'->>'index')::int as index, count(*)::int as n from observation where run_id = ${runId} and node_id = 'lines' and kind = 'text' group by 1 order by 1`,
    );
  /** The steps the engine stored for a run, once its engine run has ended (the last ones are stored with its end). */
  const engineSteps = async (runId: string) => {
    const ended = async () => (await database.rows(sql`select 1 from engine_run where event->'data'->>'runId' = ${runId} and status = 'completed'`)).length === 1;
    await eventually(ended, 20_000, "the engine run to end");
    const [row] = await database.rows<{ n: number }>(sql`select count(*)::int as n from engine_step s join engine_run r on r.id = s.run_id where r.event->'data'->>'runId' = ${runId}`);
    return row?.n ?? 0;
  };

  it("runs concurrency items in one step: 25 items ten at a time are three steps", async () => {
    const engine = testEngine(database);
    await engine.executor.start();
    try {
      const graph = quickLoop(10);
      expect(validateMission(graph).problems).toEqual([]);
      const seeded = await seedMission(database, graph);
      const run = async (n: number) => {
        const { runId } = await startRun(database, { missionId: seeded.missionId, userId: seeded.starter, input: { csv: csv(n) } }, { send: engine.send });
        expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
        return runId;
      };
      const none = await run(0);
      const some = await run(25);
      expect((await getRun(database, some)).nodes.find((n) => n.nodeId === "lines")?.output).toEqual(expected(25));
      // Beside the steps any run of the mission has: one per ten items (it was two per item).
      expect((await engineSteps(some)) - (await engineSteps(none))).toBe(3);
      expect(await lineCounts(some)).toEqual(expected(25).map((_, index) => ({ index, n: 1 })));
    } finally {
      await engine.executor.stop();
    }
  });

  it("survives the engine dying mid-loop: every item is in the output and recorded once", async () => {
    const items = 5_000;
    const seeded = await seedMission(database, quickLoop(10));
    const first = testEngine(database, { executor: { leaseMs: 600 } });
    await first.executor.start();
    const { runId } = await startRun(database, { missionId: seeded.missionId, userId: seeded.starter, input: { csv: csv(items) } }, { send: first.send });
    const recorded = async () => (await lineCounts(runId)).length;
    await eventually(async () => (await recorded()) >= 1_000, 60_000, "a thousand items recorded");
    // Dead mid-loop: what its calls did after this is dropped, as if the process had died (steps
    // whose lines were written may not have their results stored: they run again).
    first.executor.kill();
    expect(await recorded()).toBeLessThan(items);

    const second = testEngine(database, { executor: { leaseMs: 600 } });
    await second.executor.start();
    try {
      expect(await waitForRun(database, runId, ["succeeded", "failed"], 120_000)).toBe("succeeded");
      expect((await getRun(database, runId)).nodes.find((n) => n.nodeId === "lines")?.output).toEqual(expected(items));
      expect(await lineCounts(runId)).toEqual(expected(items).map((_, index) => ({ index, n: 1 })));
    } finally {
      await second.executor.stop();
      await first.executor.stop();
    }
  }, 180_000);
});
