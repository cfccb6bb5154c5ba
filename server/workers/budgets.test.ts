import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MissionGraph } from "@/lib/mission/schema";
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
import { getRun, startRun } from "@/server/runs/service";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { publishForTest } from "@/test/publishing";
import * as missionRuns from "@/app/api/v1/missions/[id]/runs/route";
import * as runGet from "@/app/api/v1/runs/[id]/route";
import { createCallerFactory, createContext } from "@/server/api/trpc";
import { runsRouter } from "@/server/api/routers/runs";
import { createWorkerRunner } from "./run-worker";

setTestSecretKey();
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

type ErrorBody = { error: { code: string; message: string; problems: { path: string; message: string }[] } };

/**
 * Issue #16, budgets that people set: a mission's cost budget stops a Worker inside its tool loop
 * before the next model call, and a token budget given on the REST start route holds. Real parts:
 * server-filesystem over stdio, the connector layer, the Worker loop with priced replay models, the
 * engine on its embedded executor, the REST route handlers and the database.
 */
describe.each(testDatabases())("run budgets, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  let fsRoot: string;
  let replayDir: string;
  const pool = new ConnectorPool();
  /** Every call that reached the connector layer, by tool ref. */
  const calls: string[] = [];

  beforeAll(async () => {
    h = await openHarness(tdb);
    const database = h.database;
    fsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "steward-budget-"));
    fs.writeFileSync(path.join(fsRoot, "note.txt"), "Order 1042: delivered damaged\n");
    replayDir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-replay-"));
    const tools = await filesystemTools(database, fsRoot, pool, calls);
    const runWorker = createWorkerRunner(database, tools, { models: { replayDir, replayDelayMs: 0 }, flushMs: 5 });
    engine = testEngine(database, { tools, runWorker });
    setEngineDeps({ send: engine.send, tools, runWorker });
    await engine.executor.start();
    const answer = (summary: string, inputTokens: number, outputTokens: number) => ({ text: JSON.stringify({ summary }), usage: { inputTokens, outputTokens } });
    writeFixture("reader", { reader: [read(), read(), read(), answer("read it thrice", 1_000, 100)] });
    writeFixture("writer", {
      writer: [
        { toolCalls: [{ toolName: "files.write_file", input: { path: path.join(fsRoot, "refund.txt"), content: "refund 85 EUR" } }], usage: { inputTokens: 3_000, outputTokens: 100 } },
        answer("wrote it", 100, 10),
      ],
    });
    writeFixture("two-workers", { first: [answer("first", 200, 50)], second: [answer("second", 200, 50)] });
    // $10 per million tokens in, $30 out: a call of 1,000 in and 100 out costs $0.013.
    const provider = await createProvider(database, { name: "Replay", kind: "replay" });
    for (const name of ["reader", "writer", "two-workers"]) {
      await createModel(database, { providerId: provider.id, modelName: name, priceInPerMtok: 10, priceOutPerMtok: 30 }, { replayDir });
    }
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await pool.closeAll();
    await h?.close();
    fs.rmSync(fsRoot, { recursive: true, force: true });
    fs.rmSync(replayDir, { recursive: true, force: true });
  });

  function writeFixture(name: string, workers: Record<string, unknown[]>) {
    const byWorker = Object.fromEntries(Object.entries(workers).map(([id, turns]) => [id, { turns }]));
    fs.writeFileSync(path.join(replayDir, `${name}.json`), JSON.stringify({ format: REPLAY_FORMAT, name, workers: byWorker }));
  }

  async function published(graph: MissionGraph): Promise<string> {
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: graph.name }, builder);
    await saveVersion(h.database.db, m.id, { graph, message: "test" }, builder);
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    return m.id;
  }

  function read() {
    return { toolCalls: [{ toolName: "files.read_text_file", input: { path: path.join(fsRoot, "note.txt") } }], usage: { inputTokens: 1_000, outputTokens: 100 } };
  }

  it("stops a Worker in its tool loop before the model call that the mission's cost budget cannot pay for", async () => {
    const graph: MissionGraph = {
      ...mission(
        "cost-capped reader",
        [
          node.trigger("start"),
          node.worker("reader", { model: "replay:reader", tools: ["files.read_text_file"], outputs: [{ name: "summary", type: "string" }] }),
          node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "reader.summary" }),
        ],
        edges("start->reader", "reader->done"),
      ),
      // Two calls cost $0.026: the second passes the budget, so no third call is made.
      budget: { cost: 0.02 },
    };
    const missionId = await published(graph);
    const readsBefore = calls.filter((c) => c === "files.read_text_file").length;
    const { runId } = await startRun(h.database, { missionId, input: {}, userId: h.userId("builder") }, { send: engine.send });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"], 30_000)).toBe("failed");

    const run = await getRun(h.database, runId);
    expect(run.costBudget).toBe(0.02);
    expect(run.tokenBudget).toBeNull();
    expect(run.error).toBe('reader: Worker "reader": cost budget exhausted (0.026 spent, 0.02 was left for this run)');
    expect(run.cost).toBeCloseTo(0.026, 9);
    const usage = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from observation where run_id = ${runId} and kind = 'usage'`);
    expect(usage[0]?.n, "two model calls, none after the budget was passed and none retried").toBe(2);
    expect(calls.filter((c) => c === "files.read_text_file").length - readsBefore).toBe(2);
    // The reason on the run is in its Explain rail (the run's last status) and in the audit.
    const [ended] = await h.database.rows<{ text: string }>(sql`select text from observation where run_id = ${runId} and kind = 'status' order by id desc limit 1`);
    expect(ended?.text).toContain("cost budget exhausted");
    const audit = await h.database.rows<{ action: string; data: Record<string, unknown> }>(sql`select action, data from audit_log where run_id = ${runId} order by id`);
    expect(audit.find((a) => a.action === "run.started")?.data).toMatchObject({ budget: { tokens: null, cost: 0.02 } });
    expect(String(audit.find((a) => a.action === "run.failed")?.data.reason)).toContain("cost budget exhausted");
  });

  it("does not put a tool call proposed by the call that passed the budget in the Decision Queue, nor run it", async () => {
    const graph: MissionGraph = {
      ...mission(
        "cost-capped writer",
        [
          node.trigger("start"),
          node.worker("writer", { model: "replay:writer", tools: ["files.write_file"], outputs: [{ name: "summary", type: "string" }] }),
          node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "writer.summary" }),
        ],
        edges("start->writer", "writer->done"),
      ),
      // The first call costs $0.033.
      budget: { cost: 0.03 },
    };
    const missionId = await published(graph);
    const { runId } = await startRun(h.database, { missionId, input: {}, userId: h.userId("builder") }, { send: engine.send });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed", "waiting"], 30_000)).toBe("failed");
    expect((await getRun(h.database, runId)).error).toContain("cost budget exhausted");
    const decisions = await h.database.rows(sql`select id from decision where run_id = ${runId}`);
    expect(decisions).toEqual([]);
    expect(calls).not.toContain("files.write_file");
    expect(fs.existsSync(path.join(fsRoot, "refund.txt"))).toBe(false);
  });

  const post = (id: string, query: string, body: unknown) =>
    missionRuns.POST(new Request(`http://localhost/api/v1/missions/${id}/runs${query}`, { method: "POST", headers: h.headers("builder"), body: JSON.stringify(body) }), {
      params: Promise.resolve({ id }),
    });

  function twoWorkers(budget?: MissionGraph["budget"]): MissionGraph {
    const graph = mission(
      `two workers ${Math.random().toString(36).slice(2, 8)}`,
      [
        node.trigger("start", { channels: ["manual", "api"] }),
        node.worker("first", { model: "replay:two-workers", outputs: [{ name: "summary", type: "string" }] }),
        node.worker("second", { model: "replay:two-workers", outputs: [{ name: "summary", type: "string" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "second.summary" }),
      ],
      edges("start->first", "first->second", "second->done"),
    );
    return budget ? { ...graph, budget } : graph;
  }

  it("enforces a token budget set on the REST start route: the second Worker makes no model call once the budget is spent", async () => {
    const missionId = await published(twoWorkers());

    const res = await post(missionId, "?tokenBudget=250", {});
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"], 30_000)).toBe("failed");

    const got = await runGet.GET(new Request(`http://localhost/api/v1/runs/${runId}`, { headers: h.headers("viewer") }), { params: Promise.resolve({ id: runId }) });
    const run = (await got.json()) as { tokenBudget: number | null; tokensIn: number; tokensOut: number; error: string; nodes: { nodeId: string; status: string }[] };
    expect(run).toMatchObject({ tokenBudget: 250, tokensIn: 200, tokensOut: 50 });
    expect(run.error).toBe('second: Worker "second": token budget exhausted before it started (no tokens left for this run)');
    expect(run.nodes.find((n) => n.nodeId === "first")?.status).toBe("succeeded");
    const second = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from observation where run_id = ${runId} and node_id = 'second' and kind = 'usage'`);
    expect(second[0]?.n, "the second Worker made no model call").toBe(0);
  });

  it("keeps the mission's budget as a ceiling: a run may lower it, never raise it", async () => {
    const missionId = await published(twoWorkers({ tokens: 400, cost: 1 }));
    const raised = await post(missionId, "?tokenBudget=100000&costBudget=0.5", {});
    const { runId } = (await raised.json()) as { runId: string };
    await waitForRun(h.database, runId, ["succeeded", "failed"], 30_000);
    expect(await getRun(h.database, runId)).toMatchObject({ tokenBudget: 400, costBudget: 0.5 });
  });

  it("gives a portal run the portal's budget, under the mission's", async () => {
    const graph = twoWorkers({ tokens: 400 });
    const trigger = graph.nodes.find((n) => n.kind === "trigger");
    if (trigger?.kind !== "trigger") throw new Error("no trigger");
    trigger.data.channels = ["manual", "portal"];
    trigger.data.portal = { slug: `budget-${Math.random().toString(36).slice(2, 8)}`, title: "", intro: "", budget: { tokens: 300, cost: 0.1 } };
    const missionId = await published(graph);
    const portal = await startRun(h.database, { missionId, input: {}, channel: "portal", userId: null }, { send: engine.send });
    const manual = await startRun(h.database, { missionId, input: {}, channel: "manual", userId: h.userId("builder") }, { send: engine.send });
    for (const r of [portal, manual]) await waitForRun(h.database, r.runId, ["succeeded", "failed"], 30_000);
    expect(await getRun(h.database, portal.runId)).toMatchObject({ tokenBudget: 300, costBudget: 0.1 });
    expect(await getRun(h.database, manual.runId)).toMatchObject({ tokenBudget: 400, costBudget: null });
  });

  it("takes a run's budget on tRPC runs.start from builders only, naming a bad limit", async () => {
    const missionId = await published(twoWorkers({ cost: 2 }));
    const caller = async (who: "viewer" | "builder") => createCallerFactory(runsRouter)(await createContext({ headers: h.headers(who), database: h.database }));
    await expect((await caller("viewer")).start({ missionId, input: {}, tokenBudget: 500 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const builder = await caller("builder");
    for (const [input, field] of [
      [{ costBudget: 0 }, "costBudget"],
      [{ tokenBudget: 2.5 }, "tokenBudget"],
      [{ tokenBudget: 2_000_000_000 }, "tokenBudget"],
    ] as const) {
      const refused = await builder.start({ missionId, input: {}, ...input }).then(
        () => null,
        (e: unknown) => e as { code: string; cause: { problems: { path: string }[] } },
      );
      expect(refused?.code, field).toBe("BAD_REQUEST");
      expect(refused?.cause.problems.map((p) => p.path)).toEqual([field]);
    }
    const { runId } = await builder.start({ missionId, input: {}, tokenBudget: 500, costBudget: 3 });
    await waitForRun(h.database, runId, ["succeeded", "failed"], 30_000);
    expect(await getRun(h.database, runId)).toMatchObject({ tokenBudget: 500, costBudget: 2 });
  });

  it("answers a malformed budget with 400 naming the query field, and starts nothing", async () => {
    const missionId = await published(twoWorkers());
    const cases: [string, string][] = [
      ["?tokenBudget=lots", "query.tokenBudget"],
      ["?tokenBudget=0", "query.tokenBudget"],
      ["?tokenBudget=12.5", "query.tokenBudget"],
      ["?costBudget=-1", "query.costBudget"],
      ["?costBudget=", "query.costBudget"],
    ];
    for (const [query, field] of cases) {
      const res = await post(missionId, query, {});
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as ErrorBody).error.problems.map((p) => p.path), query).toEqual([field]);
    }
    const [runs] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run where mission_id = ${missionId}`);
    expect(runs?.n).toBe(0);
  });
});
