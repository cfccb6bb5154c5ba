import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { forEachDataSchema, transformDataSchema, type MissionNode } from "@/lib/mission/schema";
import { validateMission } from "@/lib/mission/validate";
import { welcomeMission } from "@/lib/mission/templates/welcome";
import type { Database } from "@/server/db/database";
import { getRun, rerun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { FakeTools, nodeStates, seedMission, testEngine, waitForRun } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";

const loop = (data: Record<string, unknown>): MissionNode => ({ id: "lines", kind: "forEach", position: { x: 300, y: 0 }, data: forEachDataSchema.parse(data) });
const inside = (n: MissionNode): MissionNode => ({ ...n, parentId: "lines", position: { x: 20, y: 40 } });
const transform = (id: string, values: unknown[]): MissionNode => inside({ id, kind: "transform", position: { x: 0, y: 0 }, data: transformDataSchema.parse({ values }) });

/** trigger(n) → For each over [0 … n-1] with `body` inside → verdict reading the results. */
function loopMission(data: Record<string, unknown>, body: MissionNode[], bodyEdges: string[] = []) {
  return mission(
    "for each",
    [
      node.trigger("start", { fields: [{ name: "n", type: "number" }] }),
      loop({ items: "trigger.n > 0 ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter(x, x < int(trigger.n)) : []", ...data }),
      ...body,
      node.verdict("done", { outcomes: ["ok"], outcome: '"ok"', summary: "string(size(lines)) + \" results\"" }),
    ],
    edges("start->lines", "lines->done", ...bodyEdges),
  );
}

describe.each(testDatabases())("a For each step on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  const tools = new FakeTools();
  let inFlight = 0;
  let mostAtOnce = 0;
  tools.add("crm.slow_note", {
    handle: async (args) => {
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await new Promise((r) => setTimeout(r, 40));
      inFlight--;
      return { noted: args.n };
    },
  });

  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database, { tools });
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  async function start(graph: ReturnType<typeof loopMission>, n: number, input: Record<string, unknown> = { n }) {
    expect(validateMission(graph).problems).toEqual([]);
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input, userId: seeded.starter }, { send: engine.send });
    return runId;
  }

  it("runs the steps inside once per item with item and index in scope, and gives the results in item order", async () => {
    const graph = loopMission({ concurrency: 3 }, [
      transform("fmt", [{ name: "line", type: "string", expression: '"#" + string(index) + " is " + string(item * 10)' }]),
      inside(node.condition("big", { branches: [{ id: "yes", expression: "item >= 3" }] })),
      transform("tag", [{ name: "line", type: "string", expression: 'fmt.line + " (big)"' }]),
      transform("plain", [{ name: "line", type: "string", expression: "fmt.line" }]),
    ], ["fmt->big", "big:yes->tag", "big:else->plain"]);
    const runId = await start(graph, 5);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(view.nodes.find((n) => n.nodeId === "lines")?.output).toEqual([
      { line: "#0 is 0" },
      { line: "#1 is 10" },
      { line: "#2 is 20" },
      { line: "#3 is 30 (big)" },
      { line: "#4 is 40 (big)" },
    ]);
    expect(view.verdict).toEqual({ outcome: "ok", summary: "5 results" });
    // The steps inside show how they fared over all items.
    expect(await nodeStates(database, runId)).toMatchObject({ lines: "succeeded", fmt: "succeeded", tag: "succeeded", plain: "succeeded" });
    const [tag] = await database.rows<{ text: string; data: Record<string, unknown> }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'tag' and kind = 'status'`,
    );
    expect(tag?.data).toMatchObject({ iterations: { succeeded: 2, failed: 0, skipped: 3 } });
    // One Observation per item on the For each, in the Explain rail and the overlay.
    const items = await database.rows<{ text: string; data: { forEach: { index: number; status: string } } }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'lines' and kind = 'text' order by (data->'forEach'->>'index')::int`,
    );
    expect(items.map((i) => i.text)).toEqual(["lines[0] succeeded", "lines[1] succeeded", "lines[2] succeeded", "lines[3] succeeded", "lines[4] succeeded"]);
    const [end] = await database.rows<{ text: string; data: Record<string, unknown> }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'lines' and kind = 'status' and data->>'status' = 'succeeded'`,
    );
    expect(end?.data).toMatchObject({ iterations: { total: 5, succeeded: 5, failed: 0 } });
  });

  it("keeps to its concurrency limit, and each item's tool call has its own idempotency key", async () => {
    mostAtOnce = 0;
    const graph = loopMission({ concurrency: 2, result: "note.noted" }, [inside(node.action("note", { tool: "crm.slow_note", args: { n: "item" } }))]);
    const before = tools.callsTo("crm.slow_note").length;
    const runId = await start(graph, 6);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect((await getRun(database, runId)).nodes.find((n) => n.nodeId === "lines")?.output).toEqual([0, 1, 2, 3, 4, 5]);
    const calls = tools.callsTo("crm.slow_note").slice(before);
    expect(calls.map((c) => c.key).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${runId}:lines[${i}].note`));
    expect(mostAtOnce).toBe(2);
  });

  // Item 2's value divides by zero: a failure another try cannot cure.
  const failing = () => [transform("calc", [{ name: "v", type: "number", expression: "60 / (item - 2)" }])];

  it("stops and fails the step when an item fails and the policy is stop", async () => {
    const runId = await start(loopMission({ concurrency: 1, onFailure: "stop" }, failing()), 5);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const loopNode = (await getRun(database, runId)).nodes.find((n) => n.nodeId === "lines");
    expect(loopNode?.status).toBe("failed");
    expect(loopNode?.error).toMatch(/^item 2 failed: lines\[2\]\.calc\.values\[0\] \(v\): /);
    // One at a time: the items after the failed one never started.
    const [row] = await database.rows<{ n: number }>(sql`select count(*)::int as n from observation where run_id = ${runId} and node_id = 'lines' and kind = 'text'`);
    expect(row?.n).toBe(3);
  });

  it("leaves a failed item out (skip) or keeps its error in its place (collect)", async () => {
    const skip = await start(loopMission({ concurrency: 4, onFailure: "skip", result: "calc.v" }, failing()), 5);
    const collect = await start(loopMission({ concurrency: 4, onFailure: "collect", result: "calc.v" }, failing()), 5);
    expect(await waitForRun(database, skip, ["succeeded", "failed"])).toBe("succeeded");
    expect(await waitForRun(database, collect, ["succeeded", "failed"])).toBe("succeeded");
    expect((await getRun(database, skip)).nodes.find((n) => n.nodeId === "lines")?.output).toEqual([-30, -60, 60, 30]);
    const collected = (await getRun(database, collect)).nodes.find((n) => n.nodeId === "lines")?.output as unknown[];
    expect(collected).toHaveLength(5);
    expect(collected[2]).toMatchObject({ index: 2, error: expect.stringMatching(/^lines\[2\]\.calc\.values\[0\] \(v\): /) as unknown });
    expect(collected.filter((_, i) => i !== 2)).toEqual([-30, -60, 60, 30]);
  });

  it("refuses a list longer than its maxItems before any item runs, and a value that is not a list", async () => {
    const tooMany = await start(loopMission({ maxItems: 3 }, failing()), 4);
    const notAList = await start(loopMission({ items: '"abc"' }, failing()), 0);
    expect(await waitForRun(database, tooMany, ["succeeded", "failed"])).toBe("failed");
    expect(await waitForRun(database, notAList, ["succeeded", "failed"])).toBe("failed");
    expect((await getRun(database, tooMany)).nodes.find((n) => n.nodeId === "lines")?.error).toBe("lines.items: gave 4 items; this For each takes at most 3 (maxItems)");
    expect((await getRun(database, notAList)).nodes.find((n) => n.nodeId === "lines")?.error).toBe('lines.items: must give a list, gave string "abc"');
    const [row] = await database.rows<{ n: number }>(sql`select count(*)::int as n from observation where run_id in (${tooMany}, ${notAList}) and node_id = 'lines' and kind = 'text'`);
    expect(row?.n).toBe(0);
  });

  it("runs the Welcome notes template", async () => {
    const runId = await start(welcomeMission() as ReturnType<typeof loopMission>, 0, { customers: "Ada,Grace" });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(view.verdict).toEqual({ outcome: "written", summary: "2 welcome notes written" });
    expect(view.nodes.find((n) => n.nodeId === "customers")?.output).toEqual([
      { text: "Welcome, Ada! You are customer number 1 today.", customer: "Ada" },
      { text: "Welcome, Grace! You are customer number 2 today.", customer: "Grace" },
    ]);
  });

  it("refuses a re-run from a step inside a For each, which runs only as part of its items", async () => {
    const graph = loopMission({}, [transform("fmt", [{ name: "line", type: "string", expression: "string(item)" }])]);
    const runId = await start(graph, 2);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const [starter] = await database.rows<{ started_by: string }>(sql`select started_by from run where id = ${runId}`);
    await expect(rerun(database, { runId, fromNodeId: "fmt" }, starter?.started_by as string, { send: engine.send })).rejects.toMatchObject({
      status: 400,
      message: "fmt is inside For each lines: re-run from lines instead",
      problems: [{ path: "fromNodeId", message: "is inside For each lines: re-run from it instead" }],
    });
    // From the For each itself: its items run again.
    const again = await rerun(database, { runId, fromNodeId: "lines" }, starter?.started_by as string, { send: engine.send });
    expect(await waitForRun(database, again.runId, ["succeeded", "failed"])).toBe("succeeded");
    expect((await getRun(database, again.runId)).nodes.find((n) => n.nodeId === "lines")?.output).toEqual([{ line: "0" }, { line: "1" }]);
  });

  it("goes on at once with an empty list", async () => {
    const runId = await start(loopMission({}, failing()), 0);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect((await getRun(database, runId)).verdict).toEqual({ outcome: "ok", summary: "0 results" });
  });
});
