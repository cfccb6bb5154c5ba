import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { callDataSchema, type MissionGraph, type MissionNode } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { decide } from "@/server/decisions/decide";
import { saveVersion } from "@/server/missions/service";
import { childRunId, startChildRun } from "@/server/runs/children";
import { cancelRun, getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { nodeStates, seedMission, testEngine, waitForRun, waitingDecision } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";

const call = (id: string, data: Record<string, unknown>): MissionNode => ({ id, kind: "call", position: { x: 300, y: 0 }, data: callDataSchema.parse(data) });

/** The called mission: trigger(amount) → [approval] → verdict big|small. */
function child(opts: { approval?: boolean; outcome?: string } = {}): MissionGraph {
  return mission(
    "Check amount",
    [
      node.trigger("start", { fields: [{ name: "amount", type: "number" }, { name: "note", type: "string", required: false }] }),
      ...(opts.approval ? [node.approval("review", { separationOfDuties: true })] : []),
      node.verdict("done", { outcomes: ["big", "small"], outcome: opts.outcome ?? "trigger.amount > 100 ? 'big' : 'small'", summary: "'checked ' + string(trigger.amount)" }),
    ],
    opts.approval ? edges("start->review", "review:approved->done") : edges("start->done"),
  );
}

function parent(childId: string, input: { field: string; expression: string }[] = [{ field: "amount", expression: "trigger.total * 2" }]): MissionGraph {
  return mission(
    "Caller",
    [
      node.trigger("start", { fields: [{ name: "total", type: "number" }] }),
      call("check", { missionId: childId, input }),
      node.verdict("done", { outcomes: ["big", "small"], outcome: "check.verdict.outcome", summary: "check.outputs.done.summary" }),
    ],
    edges("start->check", "check->done"),
  );
}

describe.each(testDatabases())("a Call mission step on $name", (tdb) => {
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

  async function runParent(childGraph: MissionGraph, input: Record<string, unknown> = { total: 60 }, mapping?: { field: string; expression: string }[]) {
    const callee = await seedMission(database, childGraph);
    const caller = await seedMission(database, parent(callee.missionId, mapping));
    const { runId } = await startRun(database, { missionId: caller.missionId, input, userId: caller.starter }, { send: engine.send });
    return { runId, callee, caller };
  }

  const children = (runId: string) =>
    database.rows<{ id: string; status: string; started_by: string | null; parent_node_id: string; input: Record<string, unknown> }>(
      sql`select id, status, started_by, parent_node_id, input from run where parent_run_id = ${runId}`,
    );

  it("runs the child once for the same requester and goes on with its verdict, outputs and run id", async () => {
    const { runId, caller } = await runParent(child());
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const kids = await children(runId);
    expect(kids).toHaveLength(1);
    const kid = kids[0] as (typeof kids)[number];
    expect(kid).toMatchObject({ status: "succeeded", started_by: caller.starter, parent_node_id: "check", input: { amount: 120 } });
    expect(kid.id).toBe(childRunId(runId, "node:check"));
    const view = await getRun(database, runId);
    const output = view.nodes.find((n) => n.nodeId === "check")?.output as { verdict: unknown; outputs: Record<string, unknown>; runId: string };
    expect(output).toEqual({
      verdict: { outcome: "big", summary: "checked 120" },
      outputs: { start: { amount: 120 }, done: { outcome: "big", summary: "checked 120" } },
      runId: kid.id,
    });
    expect(view.verdict).toEqual({ outcome: "big", summary: "checked 120" });
    const statuses = await database.rows<{ text: string; data: Record<string, unknown> }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'check' and kind = 'status' order by id`,
    );
    expect(statuses.map((s) => s.data.status)).toEqual(["waiting", "succeeded"]);
    expect(statuses[0]?.data).toMatchObject({ childRunId: kid.id, version: 1, missionName: "Check amount" });
    expect(statuses[1]?.text).toBe(`check: child run ${kid.id.slice(0, 8)} of Check amount succeeded — verdict big`);
  });

  it("starts a child once however often its start is repeated", async () => {
    const callee = await seedMission(database, child());
    const caller = await seedMission(database, parent(callee.missionId));
    const { runId } = await startRun(database, { missionId: caller.missionId, input: { total: 1 }, userId: caller.starter }, { send: async () => {} });
    const req = { runId: childRunId(runId, "node:check"), parentRunId: runId, parentNodeId: "check", missionId: callee.missionId, version: "latest" as const, input: { amount: 1 }, userId: caller.starter };
    const first = await startChildRun(database, req);
    const second = await startChildRun(database, req);
    expect(second).toEqual(first);
    expect(await children(runId)).toHaveLength(1);
    // Another iteration of a loop body (another step key) gets its own.
    expect(childRunId(runId, "each[1]:node:check")).not.toBe(first.runId);
  });

  it("fails with the child's reason when the child fails", async () => {
    const { runId } = await runParent(child({ outcome: "['big', 'small', 'huge'][int(trigger.amount) / 60]" }));
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const check = (await getRun(database, runId)).nodes.find((n) => n.nodeId === "check");
    const [kid] = await children(runId);
    expect(kid?.status, check?.error ?? "").toBe("failed");
    expect(check?.status).toBe("failed");
    expect(check?.error).toBe(`check: child run ${kid?.id.slice(0, 8)} of Check amount failed: done.outcome: gave "huge", which is not one of big, small`);
  });

  it("names the field whose mapping does not evaluate, and starts no child", async () => {
    const { runId } = await runParent(child(), { total: 5 }, [{ field: "amount", expression: "trigger.missing + 1" }]);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const check = (await getRun(database, runId)).nodes.find((n) => n.nodeId === "check");
    expect(check?.error).toMatch(/^check\.input\.amount: /);
    expect(await children(runId)).toHaveLength(0);
  });

  it("names the child's field its trigger refuses", async () => {
    const { runId } = await runParent(child(), { total: 5 }, [{ field: "amount", expression: "'five'" }]);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const check = (await getRun(database, runId)).nodes.find((n) => n.nodeId === "check");
    expect(check?.error).toMatch(/^check: m-[0-9a-f]+: Invalid input: input\.amount: must be a number$/);
  });

  it("waits while the child waits for a decision; separation of duties bars the parent's starter; deciding resumes both", async () => {
    const { runId, caller, callee } = await runParent(child({ approval: true }));
    const kid = childRunId(runId, "node:check");
    const decisionId = await waitingDecision(database, kid, "review");
    expect(await waitForRun(database, runId, ["waiting"])).toBe("waiting");
    expect((await nodeStates(database, runId)).check).toBe("waiting");
    // The child runs for the parent's starter: they may not approve its gate.
    await expect(decide(database, { decisionId, userId: caller.starter, userRoles: ["approver"], approve: true }, { send: engine.send })).rejects.toThrow(/Separation of duties/);
    await decide(database, { decisionId, userId: callee.approvers[0] as string, userRoles: ["approver"], approve: true }, { send: engine.send });
    expect(await waitForRun(database, kid, ["succeeded", "failed"])).toBe("succeeded");
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect((await getRun(database, runId)).verdict).toEqual({ outcome: "big", summary: "checked 120" });
  });

  it("cancelling the parent cancels the child it waits for", async () => {
    const { runId, caller } = await runParent(child({ approval: true }));
    const kid = childRunId(runId, "node:check");
    await waitingDecision(database, kid, "review");
    await cancelRun(database, runId, caller.starter, { send: engine.send });
    expect(await waitForRun(database, kid, ["succeeded", "failed", "cancelled"])).toBe("cancelled");
    expect((await getRun(database, runId)).status).toBe("cancelled");
  });
});

describe.each(testDatabases())("Call mission references on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
  });

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: { message: string; problems?: { path: string; message: string }[] }) => ({ message: e.message, problems: e.problems }),
    );

  it("refuses a mission that calls itself, directly or through another, naming the step", async () => {
    const a = await seedMission(database, child());
    const self = await refusal(saveVersion(database.db, a.missionId, { graph: parent(a.missionId) }, a.author));
    expect(self?.problems).toEqual([{ nodeId: "check", path: "nodes[1].data.missionId", message: "step check calls this mission itself: a mission may not call itself" }]);

    // B (published) calls A; A may not now call B.
    const b = await seedMission(database, { ...parent(a.missionId), name: "Caller B" });
    const cycle = await refusal(saveVersion(database.db, a.missionId, { graph: { ...parent(b.missionId, [{ field: "total", expression: "1" }]), name: "Check amount" } }, a.author));
    expect(cycle?.message).toMatch(/^This version cannot be saved: /);
    expect(cycle?.problems).toEqual([
      {
        nodeId: "check",
        path: "nodes[1].data.missionId",
        message: "step check makes a cycle: Check amount → Caller B → Check amount; a mission may not call itself, even through others",
      },
    ]);
  });

  it("names an input field the called mission's trigger does not have, and a required one left out", async () => {
    const callee = await seedMission(database, child());
    const caller = await seedMission(database, parent(callee.missionId));
    const bad = await refusal(saveVersion(database.db, caller.missionId, { graph: parent(callee.missionId, [{ field: "amout", expression: "1" }]) }, caller.author));
    expect(bad?.problems).toEqual([
      { nodeId: "check", path: "nodes[1].data.input[0].field", message: 'step check: "Check amount" has no input field amout (its fields: amount, note)' },
      { nodeId: "check", path: "nodes[1].data.input", message: 'step check: map the required field amount of "Check amount"' },
    ]);
    const good = await saveVersion(database.db, caller.missionId, { graph: parent(callee.missionId, [{ field: "amount", expression: "2" }]) }, caller.author);
    expect(good.number).toBe(2);
  });

  it("refuses a mission that does not exist, and a version never published", async () => {
    const caller = await seedMission(database, child());
    const missing = await refusal(saveVersion(database.db, caller.missionId, { graph: parent("m-nowhere") }, caller.author));
    expect(missing?.problems?.[0]).toMatchObject({ path: "nodes[1].data.missionId", message: "step check calls mission m-nowhere, which does not exist" });
    const callee = await seedMission(database, child());
    const pinned = { ...parent(callee.missionId), nodes: parent(callee.missionId).nodes.map((n) => (n.kind === "call" ? { ...n, data: { ...n.data, version: 7 } } : n)) };
    const unknown = await refusal(saveVersion(database.db, caller.missionId, { graph: pinned }, caller.author));
    expect(unknown?.problems?.[0]).toMatchObject({ path: "nodes[1].data.version", message: 'step check: "Check amount" has no version 7' });
  });
});
