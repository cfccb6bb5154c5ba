import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { ToolPort } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import { decide } from "@/server/decisions/decide";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { FakeTools, nodeStates, scriptedWorker, seedMission, testEngine, usage, waitForRun, waitingDecision, type SeededMission } from "@/server/engine/testing/harness";
import { checkRunInvariants } from "@/server/engine/testing/reliability";
import { cancelRun, getRun, rerun, startRun } from "./service";

// Re-run from a node, end to end on the real engine (embedded executor, real SDK, real database):
// the Worker and the tools are counted on the receiving side, so "not called again" is measured.

const graph = mission(
  "payout",
  [
    node.trigger("start", { fields: [{ name: "amount", type: "number" }] }),
    node.worker("lookup", { instructions: "Look the customer up." }),
    node.condition("route", { branches: [{ id: "big", expression: "trigger.amount > 100" }] }),
    node.approval("review", { proposed: [{ name: "amount", type: "number", expression: "trigger.amount", editable: true }] }),
    node.action("pay", { tool: "bank.pay", args: { amount: "review.values.amount" } }),
    node.action("small", { tool: "ledger.note", args: { amount: "trigger.amount" } }),
    node.action("notify", { tool: "mail.send", args: { ref: "pay.ref", tier: "lookup.tier" } }),
    node.verdict("done", { outcomes: ["paid", "noted"], outcome: "'paid'", summary: "'ref ' + pay.ref + ' for ' + lookup.tier" }),
  ],
  edges("start->lookup", "lookup->route", "route:big->review", "route:else->small", "review:approved->pay", "pay->notify", "notify->done"),
);

describe.each(testDatabases())("re-run from a node on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  let seeded: SeededMission;
  let payments = 0;
  const tools = new FakeTools()
    .add("bank.pay", { policy: "gated", handle: (a) => ({ ref: `pay-${++payments}`, amount: a.amount }) })
    .add("ledger.note")
    .add("mail.send")
    .add("ledger.file");
  // ledger.file answers with an error while `broken` (the source run fails on it; then it is fixed).
  let broken = true;
  const toolPort: ToolPort = {
    listTools: (refs) => tools.listTools(refs),
    async callTool(ref, args, opts) {
      const res = await tools.callTool(ref, args, opts);
      return ref === "ledger.file" && broken ? { ...res, isError: true, text: "ledger is read-only" } : res;
    },
  };
  const worker = scriptedWorker([
    async (input) => {
      // In the parallel mission, this Worker finishes only once the other branch waits for a decision.
      if (input.nodeId === "slow") await waitingDecision(database, input.runId, "review");
      return { kind: "completed", output: { tier: "gold" }, usage: usage(30, 10), transcript: [] };
    },
  ]);
  /** The source run: succeeded, with an approval decided, a payment made, a branch skipped. */
  let source = "";

  const workerCalls = (runId?: string) => worker.inputs.filter((i) => i.nodeId === "lookup" && (!runId || i.runId === runId)).length;
  const decisionsOf = (runId: string) => database.rows<{ node_id: string; kind: string }>(sql`select node_id, kind from decision where run_id = ${runId} order by created_at`);
  const reusedFrom = async (runId: string) =>
    Object.fromEntries(
      (await database.rows<{ node_id: string; reused_from: string | null }>(sql`select node_id, reused_from from run_node where run_id = ${runId}`)).map((r) => [r.node_id, r.reused_from]),
    );
  const approve = async (runId: string, nodeId: string, values?: Record<string, unknown>) => {
    const decisionId = await waitingDecision(database, runId, nodeId);
    await decide(database, { decisionId, userId: seeded.approvers[0] as string, userRoles: ["approver"], approve: true, ...(values ? { values } : {}) }, { send: engine.send });
  };

  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database, { tools: toolPort, runWorker: worker });
    await engine.executor.start();
    seeded = await seedMission(database, graph);
    source = (await startRun(database, { missionId: seeded.missionId, input: { amount: 500 }, userId: seeded.starter }, { send: engine.send })).runId;
    await approve(source, "review", { amount: 450 });
    expect(await waitForRun(database, source, ["succeeded", "failed"])).toBe("succeeded");
    // Opening a database and running the source run: slow on a busy machine.
  }, 120_000);
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  it("the source run did everything once", async () => {
    expect(await nodeStates(database, source)).toMatchObject({ lookup: "succeeded", route: "succeeded", review: "succeeded", pay: "succeeded", small: "skipped", notify: "succeeded", done: "succeeded" });
    expect(workerCalls(source)).toBe(1);
    expect(tools.callsTo("bank.pay").map((c) => [c.args, c.key])).toEqual([[{ amount: 450 }, `${source}:pay`]]);
    expect((await getRun(database, source)).verdict).toEqual({ outcome: "paid", summary: "ref pay-1 for gold" });
  });

  it("re-runs from notify: nothing before it executes again, its outputs flow into the fresh nodes", async () => {
    const before = { worker: workerCalls(), pay: tools.callsTo("bank.pay").length, effects: tools.effects.size };
    const { runId } = await rerun(database, { runId: source, fromNodeId: "notify" }, seeded.starter, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed", "waiting"])).toBe("succeeded");

    // No Worker call, no payment, no decision: the upstream results are the source run's.
    expect(workerCalls()).toBe(before.worker);
    expect(tools.callsTo("bank.pay")).toHaveLength(before.pay);
    expect(await decisionsOf(runId)).toEqual([]);
    // The fresh node ran once, with its own key, fed by reused outputs (pay.ref, lookup.tier).
    expect(tools.callsTo("mail.send").filter((c) => c.key === `${runId}:notify`).map((c) => c.args)).toEqual([{ ref: "pay-1", tier: "gold" }]);
    expect(tools.effects.size).toBe(before.effects + 1);

    const view = await getRun(database, runId);
    expect(view.rerunOf).toEqual({ runId: source, fromNodeId: "notify" });
    expect(view.verdict).toEqual({ outcome: "paid", summary: "ref pay-1 for gold" });
    expect(Object.fromEntries(view.nodes.map((n) => [n.nodeId, [n.status, n.reusedFrom]]))).toEqual({
      start: ["succeeded", null],
      lookup: ["succeeded", source],
      route: ["succeeded", source],
      review: ["succeeded", source],
      pay: ["succeeded", source],
      small: ["skipped", source],
      notify: ["succeeded", null],
      done: ["succeeded", null],
    });
    const src = await getRun(database, source);
    for (const id of ["lookup", "route", "review", "pay"]) expect(view.nodes.find((n) => n.nodeId === id)?.output).toEqual(src.nodes.find((n) => n.nodeId === id)?.output);
    // Reused nodes spent nothing in this run.
    expect(view.tokensIn + view.tokensOut).toBe(0);

    // The rail's story: one "reused from run …" status per reused node, carrying where it came from.
    const obs = await database.rows<{ node_id: string | null; text: string; data: Record<string, unknown> }>(
      sql`select node_id, text, data from observation where run_id = ${runId} and kind = 'status' order by id`,
    );
    expect(obs[0]?.text).toBe(`Run queued (version 1, manual; re-run of ${source.slice(0, 8)} from notify)`);
    const reused = obs.filter((o) => o.data.reusedFrom === source);
    expect(reused.map((o) => o.node_id).sort()).toEqual(["lookup", "pay", "review", "route", "small"]);
    expect(reused.find((o) => o.node_id === "lookup")?.text).toBe(`lookup reused from run ${source.slice(0, 8)}`);
    expect(reused.find((o) => o.node_id === "route")?.data).toMatchObject({ status: "succeeded", branch: "big" });
    expect(reused.find((o) => o.node_id === "review")?.data).toMatchObject({ status: "succeeded", decision: "approved" });
    expect(reused.find((o) => o.node_id === "small")?.data).toMatchObject({ status: "skipped" });
    // Each node's state was written once.
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("re-runs from the payment: the reused approval does not approve a new payment, which asks again", async () => {
    const before = { worker: workerCalls(), pay: tools.callsTo("bank.pay").length };
    const { runId } = await rerun(database, { runId: source, fromNodeId: "pay" }, seeded.starter, { send: engine.send });
    await approve(runId, "pay");
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(await decisionsOf(runId)).toEqual([{ node_id: "pay", kind: "tool" }]);
    expect(workerCalls()).toBe(before.worker);
    // The reused approval's edited amount reaches the fresh payment, made once under this run's key.
    expect(tools.callsTo("bank.pay").slice(before.pay).map((c) => [c.args, c.key])).toEqual([[{ amount: 450 }, `${runId}:pay`]]);
    const view = await getRun(database, runId);
    expect(view.verdict).toEqual({ outcome: "paid", summary: "ref pay-2 for gold" });
    expect(Object.fromEntries(view.nodes.map((n) => [n.nodeId, n.reusedFrom !== null]))).toMatchObject({ lookup: true, review: true, pay: false, notify: false, done: false });
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("runs a node that never finished in the source run even when it is not downstream: there is nothing to reuse", async () => {
    const parallel = mission(
      "parallel",
      [
        node.trigger("start"),
        node.action("prep", { tool: "ledger.note", args: { step: "'prep'" } }),
        node.approval("review"),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
        node.worker("slow"),
        node.action("file", { tool: "ledger.file", args: { tier: "slow.tier" } }),
      ],
      edges("start->prep", "prep->review", "review:approved->done", "start->slow", "slow->file"),
    );
    const s = await seedMission(database, parallel);
    const first = (await startRun(database, { missionId: s.missionId, input: {}, userId: s.starter }, { send: engine.send })).runId;
    expect(await waitForRun(database, first, ["succeeded", "failed"])).toBe("failed");
    // file failed the run while review waited: review was stopped, done never ran.
    expect(await nodeStates(database, first)).toMatchObject({ prep: "succeeded", slow: "succeeded", file: "failed", review: "failed", done: "pending" });

    broken = false;
    const before = { prep: tools.callsTo("ledger.note").length, slow: worker.inputs.filter((i) => i.nodeId === "slow").length };
    const { runId } = await rerun(database, { runId: first, fromNodeId: "file" }, s.starter, { send: engine.send });
    const decisionId = await waitingDecision(database, runId, "review");
    await decide(database, { decisionId, userId: s.approvers[0] as string, userRoles: ["approver"], approve: true }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");

    expect(tools.callsTo("ledger.note")).toHaveLength(before.prep);
    expect(worker.inputs.filter((i) => i.nodeId === "slow")).toHaveLength(before.slow);
    expect(tools.callsTo("ledger.file").filter((c) => c.key === `${runId}:file`).map((c) => c.args)).toEqual([{ tier: "gold" }]);
    expect(await reusedFrom(runId)).toEqual({ start: null, prep: first, slow: first, file: null, review: null, done: null });
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("refuses what it cannot re-run, naming the field", async () => {
    const as = seeded.starter;
    const refusal = (path: string, message: RegExp) => ({ reason: "invalid_input", status: 400, message: expect.stringMatching(message), problems: [expect.objectContaining({ path })] });
    await expect(rerun(database, { runId: source, fromNodeId: "nope" }, as, { send: engine.send })).rejects.toMatchObject(refusal("fromNodeId", /has no node nope/));
    await expect(rerun(database, { runId: source, fromNodeId: "start" }, as, { send: engine.send })).rejects.toMatchObject(refusal("fromNodeId", /is the trigger/));
    await expect(rerun(database, { runId: source, fromNodeId: "small" }, as, { send: engine.send })).rejects.toMatchObject(refusal("fromNodeId", /was skipped/));
    await expect(rerun(database, { runId: source, fromNodeId: "" }, as, { send: engine.send })).rejects.toMatchObject({ reason: "invalid_input", problems: [expect.objectContaining({ path: "fromNodeId" })] });
    await expect(rerun(database, { runId: "no-such-run", fromNodeId: "pay" }, as, { send: engine.send })).rejects.toMatchObject({ reason: "not_found", status: 404 });

    // A run still waiting is not a source; once cancelled, a node that never ran is not either.
    const live = (await startRun(database, { missionId: seeded.missionId, input: { amount: 500 }, userId: as }, { send: engine.send })).runId;
    await waitingDecision(database, live, "review");
    await expect(rerun(database, { runId: live, fromNodeId: "review" }, as, { send: engine.send })).rejects.toMatchObject(refusal("runId", /still waiting/));
    await cancelRun(database, live, as, { send: engine.send });
    await expect(rerun(database, { runId: live, fromNodeId: "notify" }, as, { send: engine.send })).rejects.toMatchObject(refusal("fromNodeId", /never ran/));
    const started = await database.rows(sql`select 1 from run where rerun_of = ${live}`);
    expect(started).toHaveLength(0);

    // The node the cancellation stopped can be re-run: the Worker is reused, the approval asked anew.
    const calls = workerCalls();
    const { runId } = await rerun(database, { runId: live, fromNodeId: "review" }, as, { send: engine.send });
    await approve(runId, "review");
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(workerCalls()).toBe(calls);
    expect((await reusedFrom(runId)).lookup).toBe(live);
    // Approved in this run, so the payment right after it needed no second decision.
    expect(await decisionsOf(runId)).toEqual([{ node_id: "review", kind: "approval" }]);
  });
});
