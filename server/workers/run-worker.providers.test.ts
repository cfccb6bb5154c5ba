import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerDataSchema } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import type { ModelProviderKind } from "@/server/db/schema";
import { createModel, createProvider } from "@/server/models/service";
import { testDatabases } from "@/test/databases";
import { startFakeAnthropic } from "@/test/fake-llm/anthropic";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import { createWorkerRunner } from "./run-worker";
import { createFakeToolPort } from "./testing/fake-tool-port";
import type { WorkerRunInput } from "./types";

// The Worker loop over real AI SDK providers talking to local fake servers: tool calls and tool
// results must survive each wire format, and the gated/resume path must too.

process.env.STEWARD_SECRET_KEY ??= "b".repeat(64);
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

type Body = Record<string, unknown>;
const ANSWER_SCHEMA = { type: "object", properties: { total: { type: "number" } }, required: ["total"], additionalProperties: false };

// `finalAnswerRequest` is how each wire format asks for the final answer in the declared shape.
const variants: Array<{ name: string; kind: ModelProviderKind; start: () => Promise<FakeLlmServer>; finalAnswerRequest: (body: Body) => unknown }> = [
  { name: "OpenAI Responses", kind: "openai", start: startFakeOpenAI, finalAnswerRequest: (b) => (b.text as Body | undefined)?.format },
  { name: "OpenAI-compatible Chat Completions", kind: "openai-compatible", start: startFakeOpenAI, finalAnswerRequest: (b) => b.response_format },
  // A model the SDK does not know gets Anthropic's JSON tool (a known Claude model, the native output format).
  { name: "Anthropic Messages", kind: "anthropic", start: startFakeAnthropic, finalAnswerRequest: (b) => (b.tools as Body[] | undefined)?.find((t) => t.name === "json") },
];

const expectedFinalAnswerRequest: Record<ModelProviderKind, unknown> = {
  openai: { type: "json_schema", strict: true, name: "final_answer", schema: ANSWER_SCHEMA },
  // Chat Completions servers are not assumed to take a schema: JSON mode, and the SDK validates.
  "openai-compatible": { type: "json_object" },
  anthropic: { name: "json", input_schema: ANSWER_SCHEMA },
  replay: undefined,
};

let database: Database;
beforeAll(async () => {
  database = await testDatabases()[0]!.open();
});
afterAll(async () => {
  await database?.close();
});

describe.each(variants)("a Worker on $name", (v) => {
  let server: FakeLlmServer;
  const modelId = `fake-${v.kind}`;
  beforeAll(async () => {
    server = await v.start();
    const p = await createProvider(database, { name: v.name, kind: v.kind, baseUrl: server.baseURL, apiKey: "sk-fake-key-1234" });
    await createModel(database, { id: modelId, providerId: p.id, modelName: "model-x", priceInPerMtok: 1, priceOutPerMtok: 2 });
  });
  afterAll(async () => {
    await server?.close();
  });

  const data = () =>
    workerDataSchema.parse({
      instructions: "Find the order total.",
      model: modelId,
      tools: ["commerce.get_order", "commerce.issue_refund"],
      outputs: [{ name: "total", type: "number" }],
    });

  function input(extra: Partial<WorkerRunInput> = {}): WorkerRunInput {
    return {
      runId: "run-p",
      nodeId: "ground",
      attempt: 0,
      data: data(),
      context: { trigger: { orderId: "1042" } },
      observe: async () => undefined,
      ...extra,
    };
  }

  it("calls a read-only tool, sends its result back, and returns the typed output with cost", async () => {
    const tools = createFakeToolPort();
    server.enqueue(
      { kind: "tool-call", name: "commerce_get_order", args: { orderId: "1042" }, usage: { input: 100, output: 10 } },
      { kind: "text", text: '{"total": 85}', usage: { input: 200, output: 5 } },
    );
    const before = server.requests.length;
    const result = await createWorkerRunner(database, tools)(input());
    expect(result).toMatchObject({ kind: "completed", output: { total: 85 } });
    expect(result.usage.tokensIn).toBe(300);
    expect(result.usage.tokensOut).toBe(15);
    expect(result.usage.cost).toBeCloseTo((300 * 1 + 15 * 2) / 1_000_000, 12);
    expect(tools.calls).toEqual([{ ref: "commerce.get_order", args: { orderId: "1042" } }]);

    const [first, second] = server.requests.slice(before);
    const firstBody = JSON.stringify(first?.body);
    expect(firstBody).toContain("Find the order total.");
    expect(firstBody).toContain('\\"orderId\\": \\"1042\\"'); // the context, as JSON in the system prompt
    expect(firstBody).toContain("commerce_issue_refund");
    // The real tool result travels back to the provider in its own format.
    expect(JSON.stringify(second?.body)).toContain("dana@example.com");
  });

  it("proposes a gated call and resumes after the decision", async () => {
    const tools = createFakeToolPort();
    server.enqueue({ kind: "tool-call", name: "commerce_issue_refund", args: { orderId: "1042", amount: 42.5 }, id: "call_gated_1" });
    const proposed = await createWorkerRunner(database, tools)(input());
    expect(proposed).toMatchObject({ kind: "proposed", tool: "commerce.issue_refund", args: { orderId: "1042", amount: 42.5 }, toolCallId: "call_gated_1" });
    expect(tools.calls).toEqual([]);
    if (proposed.kind !== "proposed") return;

    server.enqueue({ kind: "text", text: '{"total": 85}' });
    const before = server.requests.length;
    const done = await createWorkerRunner(database, tools)(
      input({ transcript: JSON.parse(JSON.stringify(proposed.transcript)) as unknown[], resume: { toolCallId: "call_gated_1", output: { refundId: "R-9" }, isError: false } }),
    );
    expect(done).toMatchObject({ kind: "completed", output: { total: 85 } });
    const resumedBody = JSON.stringify(server.requests[before]?.body);
    expect(resumedBody).toContain("R-9");
    expect(resumedBody).toContain("call_gated_1");
  });

  it("asks the provider for the final answer in the declared shape, and sends none for a plain-text Worker", async () => {
    server.enqueue({ kind: "text", text: '{"total": 85}' }, { kind: "text", text: "All done." });
    const before = server.requests.length;
    await expect(createWorkerRunner(database, createFakeToolPort())(input())).resolves.toMatchObject({ kind: "completed", output: { total: 85 } });
    expect(v.finalAnswerRequest(server.requests[before]!.body as Body)).toMatchObject(expectedFinalAnswerRequest[v.kind] as Body);

    const plain = workerDataSchema.parse({ instructions: "Say done.", model: modelId, tools: ["commerce.get_order"], outputs: [] });
    await expect(createWorkerRunner(database, createFakeToolPort())(input({ data: plain }))).resolves.toMatchObject({ kind: "completed", output: { text: "All done." } });
    expect([undefined, { type: "text" }]).toContainEqual(v.finalAnswerRequest(server.requests[before + 1]!.body as Body));
  });

  if (v.kind === "anthropic") {
    it("takes the answer a model gives through Anthropic's JSON tool as the final answer", async () => {
      const tools = createFakeToolPort();
      server.enqueue(
        { kind: "tool-call", name: "commerce_get_order", args: { orderId: "1042" } },
        { kind: "tool-call", name: "json", args: { total: 85 } },
      );
      const result = await createWorkerRunner(database, tools)(input());
      expect(result).toMatchObject({ kind: "completed", output: { total: 85 } });
      expect(tools.calls).toEqual([{ ref: "commerce.get_order", args: { orderId: "1042" } }]);
    });
  }

  it("fails the Worker with the provider's clear error", async () => {
    const boom = { kind: "status", status: 500, message: "meltdown" } as const;
    server.enqueue(boom, boom, boom, boom);
    const runner = createWorkerRunner(database, createFakeToolPort(), { models: { baseDelayMs: 5, maxDelayMs: 10 } });
    await expect(runner(input())).rejects.toThrow(`Worker "ground": the model call failed: ${v.name} returned 500 Internal Server Error after 4 attempts: meltdown`);
  });

  it("fails the Worker clearly when the provider's stream stalls", async () => {
    server.enqueue({ kind: "stall" });
    const runner = createWorkerRunner(database, createFakeToolPort(), { models: { timeoutMs: 200 } });
    const err = await runner(input()).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "WorkerError", code: "model", retriable: true });
    expect((err as Error).message).toBe(`Worker "ground": the model call failed: ${v.name} stopped sending its answer (nothing for 200 ms)`);
  });
});
