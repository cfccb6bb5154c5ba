import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MissionGraph } from "@/lib/mission/schema";
import { ConnectorPool } from "@/server/connectors/pool";
import { setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { createToolPort } from "@/server/connectors/tool-port-impl";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { testEngine, waitForRun } from "@/server/engine/testing/harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { createModel, createProvider } from "@/server/models/service";
import { stopNotificationLoop } from "@/server/notifications/loop";
import { createWorkerRunner } from "@/server/workers/run-worker";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import { startFakeAnthropic } from "@/test/fake-llm/anthropic";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import { publishForTest } from "@/test/publishing";
import * as missionRuns from "@/app/api/v1/missions/[id]/runs/route";
import * as runGet from "@/app/api/v1/runs/[id]/route";
import { createCallerFactory, createContext } from "@/server/api/trpc";
import { runsRouter } from "@/server/api/routers/runs";
import { getRun, rerun, startRun } from "./service";

setTestSecretKey();
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

type ErrorBody = { error: { code: string; message: string; problems: { path: string; message: string }[] } };

/**
 * A run's model overrides (issue #16): a Worker named in `modelOverrides` calls the registered model
 * given there instead of its own. Real parts: two fake OpenAI-compatible servers over HTTP, the
 * OpenAI-compatible provider of the AI SDK, the Worker loop, the engine, the REST route and tRPC.
 */
describe.each(testDatabases())("model overrides, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  let alpha: FakeLlmServer;
  let beta: FakeLlmServer;
  let openai: FakeLlmServer;
  let anthropic: FakeLlmServer;
  const pool = new ConnectorPool();

  beforeAll(async () => {
    h = await openHarness(tdb);
    [alpha, beta, openai, anthropic] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(), startFakeOpenAI(), startFakeAnthropic()]);
    const tools = createToolPort(h.database, pool);
    const runWorker = createWorkerRunner(h.database, tools, { models: { replayDelayMs: 0 }, flushMs: 5 });
    engine = testEngine(h.database, { tools, runWorker });
    setEngineDeps({ send: engine.send, tools, runWorker });
    await engine.executor.start();
    for (const [name, fake] of [["Alpha", alpha], ["Beta", beta]] as const) {
      const p = await createProvider(h.database, { name, kind: "openai-compatible", baseUrl: fake.baseURL });
      await createModel(h.database, { id: `ovr-${name.toLowerCase()}`, providerId: p.id, modelName: `${name.toLowerCase()}-chat`, priceInPerMtok: 1, priceOutPerMtok: 2 });
    }
    const o = await createProvider(h.database, { name: "OpenAI", kind: "openai", baseUrl: openai.baseURL, apiKey: "sk-test-openai-1234" });
    await createModel(h.database, { id: "ovr-gpt", providerId: o.id, modelName: "gpt-fake" });
    const a = await createProvider(h.database, { name: "Anthropic", kind: "anthropic", baseUrl: anthropic.baseURL, apiKey: "sk-ant-test-1234" });
    await createModel(h.database, { id: "ovr-claude", providerId: a.id, modelName: "claude-fake" });
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await pool.closeAll();
    await Promise.all([alpha?.close(), beta?.close(), openai?.close(), anthropic?.close()]);
    await h?.close();
  });

  /** Two Workers on the Alpha model, then a verdict; published. */
  async function published(): Promise<string> {
    const graph: MissionGraph = mission(
      `overridden ${Math.random().toString(36).slice(2, 8)}`,
      [
        node.trigger("start", { channels: ["manual", "api"] }),
        node.worker("first", { model: "ovr-alpha", outputs: [{ name: "summary", type: "string" }] }),
        node.worker("second", { model: "ovr-alpha", outputs: [{ name: "summary", type: "string" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "first.summary + ' / ' + second.summary" }),
      ],
      edges("start->first", "first->second", "second->done"),
    );
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: graph.name }, builder);
    await saveVersion(h.database.db, m.id, { graph, message: "test" }, builder);
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    return m.id;
  }

  const chatCalls = (fake: FakeLlmServer) => fake.requests.filter((r) => r.path === "/v1/chat/completions");
  const answer = (summary: string) => ({ kind: "text" as const, text: JSON.stringify({ summary }), usage: { input: 100, output: 10 } });

  it("sends an overridden Worker's model calls to the override's server, stores the override on the run and audits it", async () => {
    const missionId = await published();
    alpha.enqueue(answer("alpha first"));
    beta.enqueue(answer("beta second"));
    const [a0, b0] = [chatCalls(alpha).length, chatCalls(beta).length];

    const { runId } = await startRun(h.database, { missionId, input: {}, userId: h.userId("builder"), modelOverrides: { second: "ovr-beta" } }, { send: engine.send });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"], 30_000)).toBe("succeeded");

    expect(chatCalls(alpha).slice(a0).map((r) => r.body.model)).toEqual(["alpha-chat"]);
    expect(chatCalls(beta).slice(b0).map((r) => r.body.model), "the overridden Worker called Beta").toEqual(["beta-chat"]);
    const run = await getRun(h.database, runId);
    expect(run.verdict?.summary).toBe("alpha first / beta second");
    expect(run.modelOverrides).toEqual({ second: "ovr-beta" });
    const usage = await h.database.rows<{ node_id: string; model: string }>(sql`select node_id, data->>'modelId' as model from observation where run_id = ${runId} and kind = 'usage' order by id`);
    expect(usage.map((u) => [u.node_id, u.model])).toEqual([["first", "ovr-alpha"], ["second", "ovr-beta"]]);
    const [started] = await h.database.rows<{ data: Record<string, unknown> }>(sql`select data from audit_log where run_id = ${runId} and action = 'run.started'`);
    expect(started?.data.modelOverrides).toEqual({ second: "ovr-beta" });

    // A re-run is a run of the same models.
    beta.enqueue(answer("beta again"));
    const again = await rerun(h.database, { runId, fromNodeId: "second" }, h.userId("builder"), { send: engine.send });
    expect(await waitForRun(h.database, again.runId, ["succeeded", "failed"], 30_000)).toBe("succeeded");
    expect((await getRun(h.database, again.runId)).modelOverrides).toEqual({ second: "ovr-beta" });
    expect(chatCalls(beta).slice(b0)).toHaveLength(2);
  });

  it("overrides to a model of every provider kind: OpenAI (Responses API) and Anthropic", async () => {
    const missionId = await published();
    openai.enqueue(answer("from openai"));
    anthropic.enqueue(answer("from anthropic"));
    const { runId } = await startRun(h.database, { missionId, input: {}, userId: h.userId("builder"), modelOverrides: { first: "ovr-gpt", second: "ovr-claude" } }, { send: engine.send });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"], 30_000)).toBe("succeeded");
    expect((await getRun(h.database, runId)).verdict?.summary).toBe("from openai / from anthropic");
    expect(openai.requests.filter((r) => r.path === "/v1/responses").map((r) => r.body.model)).toEqual(["gpt-fake"]);
    expect(anthropic.requests.filter((r) => r.path === "/v1/messages").map((r) => r.body.model)).toEqual(["claude-fake"]);
  });

  it("takes overrides on REST as ?model=<step>:<model> and shows them on the run", async () => {
    const missionId = await published();
    beta.enqueue(answer("b1"), answer("b2"));
    const b0 = chatCalls(beta).length;
    const res = await post(missionId, "?model=first:ovr-beta&model=second:ovr-beta", {});
    expect(res.status, await res.clone().text()).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"], 30_000)).toBe("succeeded");
    expect(chatCalls(beta).length - b0).toBe(2);
    const got = await runGet.GET(new Request(`http://localhost/api/v1/runs/${runId}`, { headers: h.headers("viewer") }), { params: Promise.resolve({ id: runId }) });
    expect(((await got.json()) as { modelOverrides: unknown }).modelOverrides).toEqual({ first: "ovr-beta", second: "ovr-beta" });
  });

  const post = (id: string, query: string, body: unknown) =>
    missionRuns.POST(new Request(`http://localhost/api/v1/missions/${id}/runs${query}`, { method: "POST", headers: h.headers("builder"), body: JSON.stringify(body) }), {
      params: Promise.resolve({ id }),
    });

  it("refuses an override of a missing step, of a step that is not a Worker, or to an unregistered model, naming the field, and starts nothing", async () => {
    const missionId = await published();
    const runsBefore = async () => Number((await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run where mission_id = ${missionId}`))[0]?.n);
    const caller = async (who: "viewer" | "builder") => createCallerFactory(runsRouter)(await createContext({ headers: h.headers(who), database: h.database }));
    await expect((await caller("viewer")).start({ missionId, input: {}, modelOverrides: { first: "ovr-beta" } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const builder = await caller("builder");
    for (const [overrides, path, says] of [
      [{ nope: "ovr-beta" }, "modelOverrides.nope", "is not a step of version 1"],
      [{ done: "ovr-beta" }, "modelOverrides.done", "not a Worker"],
      [{ first: "gpt-nowhere" }, "modelOverrides.first", '"gpt-nowhere" is not a registered model'],
      [{ first: "" }, "modelOverrides.first", "must name a registered model"],
      [{ "bad id": "ovr-beta" }, "modelOverrides.bad id", "must start with a letter"],
    ] as const) {
      const refused = await builder.start({ missionId, input: {}, modelOverrides: overrides }).then(
        () => null,
        (e: unknown) => e as { code: string; cause: { problems: { path: string; message: string }[] } },
      );
      expect(refused?.code, path).toBe("BAD_REQUEST");
      expect(refused?.cause.problems.map((p) => p.path), path).toEqual([path]);
      expect(refused?.cause.problems[0]?.message, path).toContain(says);
    }
    for (const [query, path] of [
      ["?model=first", "query.model"],
      ["?model=:ovr-beta", "query.model"],
      ["?model=first:ovr-beta&model=first:ovr-alpha", "query.model"],
      ["?model=done:ovr-beta", "modelOverrides.done"],
      ["?model=first:gpt-nowhere", "modelOverrides.first"],
    ] as const) {
      const res = await post(missionId, query, {});
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as ErrorBody).error.problems.map((p) => p.path), query).toEqual([path]);
    }
    expect(await runsBefore(), "nothing started").toBe(0);
  });
});
