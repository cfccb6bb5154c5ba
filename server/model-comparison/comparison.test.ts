import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MissionGraph } from "@/lib/mission/schema";
import { createCallerFactory, createContext } from "@/server/api/trpc";
import { modelComparisonsRouter } from "@/server/api/routers/model-comparisons";
import { ConnectorPool } from "@/server/connectors/pool";
import { setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { filesystemTools } from "@/server/connectors/fixtures/filesystem-tools";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { testEngine, waitForRun } from "@/server/engine/testing/harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { REPLAY_FORMAT } from "@/server/models/replay/fixture";
import { createModel, createProvider } from "@/server/models/service";
import { stopNotificationLoop } from "@/server/notifications/loop";
import { getRun, listRuns } from "@/server/runs";
import { createTestCase } from "@/server/test-cases/service";
import { createWorkerRunner } from "@/server/workers/run-worker";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import { publishForTest } from "@/test/publishing";

setTestSecretKey();
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/**
 * Model comparison (issue #16): one mission version run on two fake OpenAI-compatible servers that
 * answer differently and on a replay model, one run per test case × model, stored so the page can
 * be reopened, each run checked against its case. Every comparison run is a simulation: no
 * state-changing tool is called and nobody is asked. Real parts: the fake servers over HTTP, the AI
 * SDK providers, the Worker loop, the engine, the database, an MCP filesystem server.
 */
describe.each(testDatabases())("model comparison, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  let alpha: FakeLlmServer;
  let beta: FakeLlmServer;
  let replayDir: string;
  let fsRoot: string;
  const pool = new ConnectorPool();
  /** Every tool call that reached the connector layer, by tool ref. */
  const calls: string[] = [];

  beforeAll(async () => {
    h = await openHarness(tdb);
    [alpha, beta] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
    replayDir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-compare-"));
    const turn = (o: unknown) => ({ turns: [{ text: JSON.stringify(o), usage: { inputTokens: 50, outputTokens: 5 } }] });
    fs.writeFileSync(
      path.join(replayDir, "cmp.json"),
      JSON.stringify({ format: REPLAY_FORMAT, name: "cmp", workers: { ground: turn({ total: 85 }), reason: turn({ decision: "partial", amount: 42.5 }) } }),
    );
    fsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "steward-compare-fs-"));
    const tools = await filesystemTools(h.database, fsRoot, pool, calls, "cmpfiles");
    const runWorker = createWorkerRunner(h.database, tools, { models: { replayDir, replayDelayMs: 0 }, flushMs: 5 });
    engine = testEngine(h.database, { tools, runWorker });
    setEngineDeps({ send: engine.send, tools, runWorker });
    await engine.executor.start();
    // Alpha and Beta answer every Worker with every field; each Worker keeps its own (z.object drops the rest).
    const a = await createProvider(h.database, { name: "Alpha", kind: "openai-compatible", baseUrl: alpha.baseURL });
    await createModel(h.database, { id: "cmp-alpha", providerId: a.id, modelName: "alpha-chat", priceInPerMtok: 1, priceOutPerMtok: 2 });
    const b = await createProvider(h.database, { name: "Beta", kind: "openai-compatible", baseUrl: beta.baseURL });
    await createModel(h.database, { id: "cmp-beta", providerId: b.id, modelName: "beta-chat", priceInPerMtok: 30, priceOutPerMtok: 60 });
    const r = await createProvider(h.database, { name: "Replay", kind: "replay" });
    await createModel(h.database, { providerId: r.id, modelName: "cmp" }, { replayDir });
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await pool.closeAll();
    await Promise.all([alpha?.close(), beta?.close()]);
    await h?.close();
    fs.rmSync(replayDir, { recursive: true, force: true });
    fs.rmSync(fsRoot, { recursive: true, force: true });
  });

  const answer = (amount: number, decision: string) => ({ kind: "text" as const, text: JSON.stringify({ total: 85, decision, amount }), usage: { input: 1_000, output: 100 } });

  async function published(graph: MissionGraph = comparedMission()): Promise<string> {
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: graph.name }, builder);
    await saveVersion(h.database.db, m.id, { graph, message: "test" }, builder);
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    return m.id;
  }

  function comparedMission(): MissionGraph {
    return mission(
      `compared ${Math.random().toString(36).slice(2, 8)}`,
      [
        node.trigger("start", { fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
        node.worker("ground", { model: "replay:cmp", outputs: [{ name: "total", type: "number" }] }),
        node.worker("reason", { model: "replay:cmp", outputs: [{ name: "decision", type: "string" }, { name: "amount", type: "number" }] }),
        node.verdict("done", { outcomes: ["approve", "partial"], outcome: "reason.decision", summary: "'refund ' + string(reason.amount)" }),
      ],
      edges("start->ground", "ground->reason", "reason->done"),
    );
  }

  /** The Worker's amount goes to an Approval step, then two writes: one the approval covers, one gated by itself. */
  function refundMission(target: string): MissionGraph {
    return mission(
      `refund compared ${Math.random().toString(36).slice(2, 8)}`,
      [
        node.trigger("start", { fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
        node.worker("reason", { model: "replay:cmp", outputs: [{ name: "decision", type: "string" }, { name: "amount", type: "number" }] }),
        node.approval("review", { title: "Refund?", proposed: [{ name: "amount", type: "number", expression: "reason.amount", editable: true }] }),
        node.action("pay", { tool: "cmpfiles.write_file", args: { path: `'${target}'`, content: "'refund ' + string(review.values.amount)" } }),
        node.action("note", { tool: "cmpfiles.write_file", args: { path: `'${target}.note'`, content: "'noted'" } }),
        node.verdict("paid", { outcomes: ["partial"], outcome: "'partial'", summary: "'refunded ' + string(review.values.amount)" }),
        node.verdict("denied", { outcomes: ["denied"], outcome: "'denied'", summary: "review.reason" }),
      ],
      edges("start->reason", "reason->review", "review:approved->pay", "pay->note", "note->paid", "review:rejected->denied"),
    );
  }

  const caller = async (who: "viewer" | "builder") => createCallerFactory(modelComparisonsRouter)(await createContext({ headers: h.headers(who), database: h.database }));
  const chatModels = (fake: FakeLlmServer, from: number) => fake.requests.slice(from).filter((r) => r.path === "/v1/chat/completions").map((r) => r.body.model);

  it("runs each test case on each model, stores which run is which, and compares verdicts, outputs, cost and pass rate", async () => {
    const missionId = await published();
    const builder = h.userId("builder");
    const expectations = { outcome: "partial", checks: [{ expression: "reason.amount <= 50" }] };
    const c1 = await createTestCase(h.database, { missionId, name: "order 7001", input: { orderId: "7001" }, expectations }, builder);
    const c2 = await createTestCase(h.database, { missionId, name: "order 7002", input: { orderId: "7002" }, expectations }, builder);
    // Two cases × two Workers each: four calls per server.
    alpha.enqueue(...Array.from({ length: 4 }, () => answer(40, "partial")));
    beta.enqueue(...Array.from({ length: 4 }, () => answer(85, "approve")));
    const [a0, b0] = [alpha.requests.length, beta.requests.length];

    const { comparisonId, runIds } = await (await caller("builder")).start({ missionId, models: ["cmp-alpha", "cmp-beta", "replay:cmp"] });
    expect(runIds).toHaveLength(6);
    for (const id of runIds) expect(await waitForRun(h.database, id, ["succeeded", "failed"], 30_000), id).toBe("succeeded");
    expect(chatModels(alpha, a0)).toEqual(["alpha-chat", "alpha-chat", "alpha-chat", "alpha-chat"]);
    expect(chatModels(beta, b0)).toEqual(["beta-chat", "beta-chat", "beta-chat", "beta-chat"]);

    const stored = await h.database.rows<{ run_id: string; model_id: string; test_case_id: string }>(
      sql`select run_id, model_id, test_case_id from model_comparison_run where comparison_id = ${comparisonId} order by position, model_id`,
    );
    expect(stored.map((s) => [s.test_case_id, s.model_id])).toEqual([
      [c1.id, "cmp-alpha"], [c1.id, "cmp-beta"], [c1.id, "replay:cmp"],
      [c2.id, "cmp-alpha"], [c2.id, "cmp-beta"], [c2.id, "replay:cmp"],
    ]);
    for (const s of stored) {
      const run = await getRun(h.database, s.run_id);
      expect(run.modelOverrides, "every Worker on the compared model").toEqual({ ground: s.model_id, reason: s.model_id });
    }

    // A viewer reopens it.
    const view = await (await caller("viewer")).get({ id: comparisonId });
    expect(view.done).toBe(true);
    expect(view.models.map((m) => [m.id, m.providerKind])).toEqual([["cmp-alpha", "openai-compatible"], ["cmp-beta", "openai-compatible"], ["replay:cmp", "replay"]]);
    expect(view.workers.map((w) => w.nodeId)).toEqual(["ground", "reason"]);
    expect(view.rows.map((r) => r.caseName)).toEqual(["order 7001", "order 7002"]);
    const [first] = view.rows;
    expect(first?.cells.map((c) => c.verdict?.outcome)).toEqual(["partial", "approve", "partial"]);
    expect(first?.cells.map((c) => c.workers.find((w) => w.nodeId === "reason")?.output)).toEqual([
      { decision: "partial", amount: 40 },
      { decision: "approve", amount: 85 },
      { decision: "partial", amount: 42.5 },
    ]);
    // 2 calls of 1,000 in and 100 out: $0.0024 at $1/$2, $0.072 at $30/$60; the replay model is free.
    expect(first?.cells.map((c) => c.cost)).toEqual([expect.closeTo(0.0024, 9), expect.closeTo(0.072, 9), 0]);
    expect(first?.cells.map((c) => c.tokensIn + c.tokensOut)).toEqual([2_200, 2_200, 110]);
    expect(first?.cells.every((c) => c.latencyMs !== null && c.latencyMs >= 0)).toBe(true);
    const beta1 = first?.cells[1]?.check;
    expect(beta1?.passed).toBe(false);
    expect(beta1?.results.map((r) => r.why)).toEqual(["expected outcome partial, the run gave approve", "reason.amount <= 50 was false"]);
    expect(view.totals.map((t) => [t.modelId, t.passed, t.checked, t.runs])).toEqual([
      ["cmp-alpha", 2, 2, 2],
      ["cmp-beta", 0, 2, 2],
      ["replay:cmp", 2, 2, 2],
    ]);
    expect(await (await caller("viewer")).list({ missionId })).toEqual([expect.objectContaining({ id: comparisonId, models: ["cmp-alpha", "cmp-beta", "replay:cmp"], runs: 6 })]);
  });

  it("compares one input on each model when given one", async () => {
    const missionId = await published();
    alpha.enqueue(answer(30, "partial"), answer(30, "partial"));
    const { comparisonId, runIds } = await (await caller("builder")).start({ missionId, models: ["replay:cmp", "cmp-alpha"], input: { orderId: "7003" } });
    for (const id of runIds) expect(await waitForRun(h.database, id, ["succeeded", "failed"], 30_000)).toBe("succeeded");
    const view = await (await caller("viewer")).get({ id: comparisonId });
    expect(view.rows).toHaveLength(1);
    expect(view.rows[0]?.caseId).toBeNull();
    expect(view.rows[0]?.input).toEqual({ orderId: "7003" });
    expect(view.rows[0]?.cells.map((c) => [c.modelId, c.verdict?.summary, c.check])).toEqual([
      ["replay:cmp", "refund 42.5", null],
      ["cmp-alpha", "refund 30", null],
    ]);
    expect(view.totals.map((t) => t.checked)).toEqual([0, 0]);
  });

  it("runs every comparison as a simulation: nothing state-changing is called, nobody is asked, the one input's gates are approved as proposed", async () => {
    const target = path.join(fsRoot, `refund-${Math.random().toString(36).slice(2, 8)}.txt`);
    const missionId = await published(refundMission(target));
    const builder = h.userId("builder");
    alpha.enqueue(answer(30, "partial"));
    const before = calls.length;

    // One input: every gate approved as proposed, both writes simulated, the verdict after the gate compared.
    const one = await (await caller("builder")).start({ missionId, models: ["cmp-alpha", "replay:cmp"], input: { orderId: "7004" } });
    for (const id of one.runIds) expect(await waitForRun(h.database, id, ["succeeded", "failed"], 30_000), id).toBe("succeeded");
    const view = await (await caller("viewer")).get({ id: one.comparisonId });
    expect(view.rows[0]?.cells.map((c) => [c.modelId, c.verdict?.summary])).toEqual([
      ["cmp-alpha", "refunded 30"],
      ["replay:cmp", "refunded 42.5"],
    ]);
    for (const id of one.runIds) {
      const run = await getRun(h.database, id);
      expect([run.simulated, run.testCaseId, run.suiteRunId], id).toEqual([true, null, null]);
      expect(run.nodes.find((n) => n.nodeId === "pay")?.output, "the simulation's stub").toMatchObject({ simulated: true, tool: "cmpfiles.write_file" });
    }

    // A test case: its recorded approval (a rejection) and tool results answer instead.
    const c = await createTestCase(
      h.database,
      { missionId, name: "too much", input: { orderId: "7005" }, expectations: { outcome: "denied", checks: [] }, approvals: { review: { approve: false, reason: "too much" } } },
      builder,
    );
    alpha.enqueue(answer(30, "partial"));
    const cased = await (await caller("builder")).start({ missionId, models: ["cmp-alpha", "replay:cmp"], caseIds: [c.id] });
    for (const id of cased.runIds) expect(await waitForRun(h.database, id, ["succeeded", "failed"], 30_000), id).toBe("succeeded");
    for (const id of cased.runIds) {
      const run = await getRun(h.database, id);
      expect([run.simulated, run.testCaseId, run.suiteRunId, run.verdict?.outcome], id).toEqual([true, c.id, null, "denied"]);
    }
    expect((await (await caller("viewer")).get({ id: cased.comparisonId })).totals.map((t) => [t.passed, t.checked])).toEqual([[1, 1], [1, 1]]);

    const runIds = [...one.runIds, ...cased.runIds];
    const ids = sql.join(runIds.map((id) => sql`${id}`), sql`, `);
    expect(calls.slice(before), "no tool reached the connector").toEqual([]);
    expect([fs.existsSync(target), fs.existsSync(`${target}.note`)]).toEqual([false, false]);
    const [decisions] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from decision where run_id in (${ids})`);
    expect(decisions?.n, "nothing entered the Decision Queue").toBe(0);
    const audit = await h.database.rows<{ action: string; run_id: string }>(sql`select action, run_id from audit_log where run_id in (${ids}) and action like 'tool.%'`);
    expect(audit.map((a) => a.action).sort(), "two simulated writes per approved run, none called").toEqual(Array.from({ length: 4 }, () => "tool.simulated"));
    // Left out of the production run list, as suite runs are.
    expect((await listRuns(h.database, { missionId })).items).toEqual([]);
    expect((await listRuns(h.database, { missionId, simulated: "only" })).items.map((r) => r.id).sort()).toEqual([...runIds].sort());
  });

  it("refuses what it cannot compare, naming the field, and starts no run", async () => {
    const missionId = await published();
    await expect((await caller("viewer")).start({ missionId, models: ["cmp-alpha", "cmp-beta"], input: { orderId: "1" } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const builder = await caller("builder");
    type Request = { models: string[]; input?: Record<string, unknown>; caseIds?: string[] };
    const cases: [Request, string, string][] = [
      [{ models: ["cmp-alpha"], input: { orderId: "1" } }, "models", "at least two"],
      [{ models: ["cmp-alpha", "gpt-nowhere"], input: { orderId: "1" } }, "models.1", "not a registered model"],
      [{ models: ["cmp-alpha", "cmp-alpha"], input: { orderId: "1" } }, "models.1", "listed twice"],
      [{ models: ["cmp-alpha", "cmp-beta"] }, "input", "no test cases"],
      [{ models: ["cmp-alpha", "cmp-beta"], input: {} }, "input.orderId", "is required"],
      [{ models: ["cmp-alpha", "cmp-beta"], caseIds: ["nope"] }, "caseIds.0", "not a test case"],
    ];
    for (const [input, field, says] of cases) {
      const refused = await builder.start({ missionId, ...input }).then(
        () => null,
        (e: unknown) => e as { code: string; cause: { problems: { path: string; message: string }[] } },
      );
      expect(refused?.code, field).toBe("BAD_REQUEST");
      expect(refused?.cause.problems.map((p) => p.path), field).toEqual([field]);
      expect(refused?.cause.problems[0]?.message, field).toContain(says);
    }
    const [runs] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run where mission_id = ${missionId}`);
    const [comparisons] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from model_comparison where mission_id = ${missionId}`);
    expect([runs?.n, comparisons?.n]).toEqual([0, 0]);
  });
});
