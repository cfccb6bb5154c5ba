import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { transformDataSchema, type MissionNode } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { seedMission, testEngine, waitForRun } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";

const transform = (id: string, values: unknown[]): MissionNode => ({ id, kind: "transform", position: { x: 300, y: 0 }, data: transformDataSchema.parse({ values }) });

describe.each(testDatabases())("a Transform step on $name", (tdb) => {
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

  async function run(values: unknown[], input: Record<string, unknown>) {
    const graph = mission(
      "transform",
      [
        node.trigger("start", { fields: [{ name: "amount", type: "number" }, { name: "customer", type: "string" }] }),
        transform("totals", values),
        node.verdict("done", { outcomes: ["big", "small"], outcome: "totals.size", summary: "totals.line" }),
      ],
      edges("start->totals", "totals->done"),
    );
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input, userId: seeded.starter }, { send: engine.send });
    return runId;
  }

  it("computes typed values that later steps read, and tells the rail what it computed", async () => {
    const runId = await run(
      [
        { name: "doubled", type: "number", expression: "trigger.amount * 2.0" },
        { name: "size", type: "enum", values: ["big", "small"], expression: 'trigger.amount > 100.0 ? "big" : "small"' },
        { name: "line", type: "string", expression: 'trigger.customer + " owes " + string(trigger.amount * 2.0)' },
      ],
      { amount: 150, customer: "Ada" },
    );
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(view.nodes.find((n) => n.nodeId === "totals")?.output).toEqual({ doubled: 300, size: "big", line: "Ada owes 300" });
    expect(view.verdict).toEqual({ outcome: "big", summary: "Ada owes 300" });
    const [obs] = await database.rows<{ text: string; data: Record<string, unknown> }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'totals' and kind = 'status'`,
    );
    expect(obs?.text).toBe('totals computed doubled = 300, size = "big", line = "Ada owes 300"');
    expect(obs?.data).toMatchObject({ status: "succeeded", values: { doubled: 300, size: "big", line: "Ada owes 300" } });
  });

  it("fails the step at once, naming the value, when a value has the wrong type", async () => {
    const runId = await run(
      [
        { name: "size", type: "enum", values: ["big", "small"], expression: '"huge"' },
        { name: "line", type: "string", expression: '"x"' },
      ],
      { amount: 1, customer: "Bo" },
    );
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const view = await getRun(database, runId);
    const totals = view.nodes.find((n) => n.nodeId === "totals");
    expect(totals?.status).toBe("failed");
    expect(totals?.error).toBe('totals.values[0] (size): must be one of "big", "small", gave "huge"');
    // Not tried again: the same data gives the same value.
    expect(totals?.attempt).toBe(0);
    expect(view.nodes.find((n) => n.nodeId === "done")?.status).toBe("pending");
  });
});
