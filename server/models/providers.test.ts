import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic } from "@/test/fake-llm/anthropic";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import type { ModelProviderKind } from "@/server/db/schema";
import { buildLanguageModel, type ResolveOptions } from "./registry";
import { modelErrorMessage } from "./retrying-fetch";

// The real AI SDK providers against local servers speaking each wire format, through our retrying fetch.

interface Variant {
  name: string;
  kind: ModelProviderKind;
  label: string;
  path: string;
  start: () => Promise<FakeLlmServer>;
}

const variants: Variant[] = [
  { name: "OpenAI (Responses API)", kind: "openai", label: "OpenAI", path: "/v1/responses", start: startFakeOpenAI },
  { name: "OpenAI-compatible (Chat Completions)", kind: "openai-compatible", label: "Ollama", path: "/v1/chat/completions", start: startFakeOpenAI },
  { name: "Anthropic (Messages API)", kind: "anthropic", label: "Anthropic", path: "/v1/messages", start: startFakeAnthropic },
];

const ctx = { runId: "run-1", nodeId: "ground" };
const fast: ResolveOptions = { baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 2_000 };

describe.each(variants)("$name", (v) => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await v.start();
  });
  afterAll(async () => {
    await server.close();
  });

  const model = (opts: ResolveOptions = fast) =>
    buildLanguageModel({ name: v.label, kind: v.kind, baseUrl: server.baseURL, apiKey: "sk-test-abcdef123456" }, "test-model", ctx, opts);

  function lastRequest() {
    const r = server.requests.at(-1);
    if (!r) throw new Error("no request reached the fake server");
    return r;
  }

  it("returns a normal answer, generated and streamed", async () => {
    server.enqueue({ kind: "text", text: "Hello from the fake", usage: { input: 21, output: 5 } });
    const gen = await generateText({ model: await model(), prompt: "Say hello", maxRetries: 0 });
    expect(gen.text).toBe("Hello from the fake");
    expect(gen.usage.inputTokens).toBe(21);
    expect(gen.usage.outputTokens).toBe(5);
    const req = lastRequest();
    expect(req.path).toBe(v.path);
    expect(req.body.model).toBe("test-model");
    if (v.kind === "anthropic") expect(req.headers["x-api-key"]).toBe("sk-test-abcdef123456");
    else expect(req.headers.authorization).toBe("Bearer sk-test-abcdef123456");

    server.enqueue({ kind: "text", text: "A streamed answer in pieces", usage: { input: 8, output: 6 } });
    const stream = streamText({ model: await model(), prompt: "Stream please", maxRetries: 0 });
    const pieces: string[] = [];
    for await (const p of stream.textStream) pieces.push(p);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe("A streamed answer in pieces");
    expect((await stream.usage).outputTokens).toBe(6);
    expect(lastRequest().body.stream).toBe(true);
  });

  it("returns a tool call", async () => {
    server.enqueue({ kind: "tool-call", name: "commerce_get_order", args: { orderId: "1042" } });
    const result = streamText({
      model: await model(),
      prompt: "Look up order 1042",
      maxRetries: 0,
      stopWhen: stepCountIs(1),
      tools: {
        commerce_get_order: tool({
          description: "Get an order",
          inputSchema: jsonSchema<{ orderId: string }>({ type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] }),
        }),
      },
    });
    const calls = await result.toolCalls;
    expect(calls).toHaveLength(1);
    expect(calls[0]?.toolName).toBe("commerce_get_order");
    expect(calls[0]?.input).toEqual({ orderId: "1042" });
    expect(await result.finishReason).toBe("tool-calls");
    const sent = JSON.stringify(lastRequest().body.tools);
    expect(sent).toContain("commerce_get_order");
  });

  it("retries a 429 after the Retry-After the server asked for", async () => {
    server.enqueue({ kind: "status", status: 429, headers: { "retry-after": "1" } }, { kind: "text", text: "after the wait" });
    const before = server.requests.length;
    const started = Date.now();
    const gen = await generateText({ model: await model({ ...fast, baseDelayMs: 5 }), prompt: "hi", maxRetries: 0 });
    expect(gen.text).toBe("after the wait");
    expect(server.requests.length - before).toBe(2);
    const [first, second] = server.requests.slice(before);
    // Our own backoff would have waited ~5 ms; one second means Retry-After was honoured.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("retries two 500s, then succeeds", async () => {
    server.enqueue({ kind: "status", status: 500 }, { kind: "status", status: 500 }, { kind: "text", text: "third time lucky" });
    const before = server.requests.length;
    const gen = await generateText({ model: await model(), prompt: "hi", maxRetries: 0 });
    expect(gen.text).toBe("third time lucky");
    expect(server.requests.length - before).toBe(3);
  });

  it("gives a clear error when the server never answers", async () => {
    server.enqueue({ kind: "hang" }, { kind: "hang" }, { kind: "hang" }, { kind: "hang" });
    const before = server.requests.length;
    await expect(generateText({ model: await model({ ...fast, timeoutMs: 150 }), prompt: "hi", maxRetries: 0 })).rejects.toThrow(
      `${v.label} did not answer within 150 ms after 4 attempts`,
    );
    expect(server.requests.length - before).toBe(4);
  });

  it("gives a clear error when the server keeps failing", async () => {
    const boom = { kind: "status", status: 500, message: "the upstream is on fire" } as const;
    server.enqueue(boom, boom, boom, boom);
    const before = server.requests.length;
    await expect(generateText({ model: await model(), prompt: "hi", maxRetries: 0 })).rejects.toThrow(
      `${v.label} returned 500 Internal Server Error after 4 attempts: the upstream is on fire`,
    );
    expect(server.requests.length - before).toBe(4);
  });

  it("gives a clear error when a stream stalls mid-answer", async () => {
    server.enqueue({ kind: "stall" });
    const errors: unknown[] = [];
    const result = streamText({ model: await model({ ...fast, timeoutMs: 200 }), prompt: "hi", maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    // Depending on the provider the failure arrives as an error part or as the stream throwing.
    try {
      for await (const part of result.fullStream) void part;
    } catch (e) {
      errors.push(e);
    }
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(modelErrorMessage(errors[0])).toBe(`${v.label} stopped sending its answer (nothing for 200 ms)`);
  });

  it("does not retry a 400", async () => {
    server.enqueue({ kind: "status", status: 400, message: "bad model" });
    const before = server.requests.length;
    await expect(generateText({ model: await model(), prompt: "hi", maxRetries: 0 })).rejects.toThrow(/bad model/);
    expect(server.requests.length - before).toBe(1);
  });
});

describe("retrying fetch, streamed", () => {
  it("retries a 429 on a streaming call and then streams", async () => {
    const server = await startFakeOpenAI();
    try {
      server.enqueue({ kind: "status", status: 429, headers: { "retry-after-ms": "30" } }, { kind: "text", text: "streamed after a retry" });
      const model = await buildLanguageModel({ name: "OpenAI", kind: "openai", baseUrl: server.baseURL, apiKey: "sk-x" }, "gpt-test", ctx, fast);
      const result = streamText({ model, prompt: "hi", maxRetries: 0 });
      expect(await result.text).toBe("streamed after a retry");
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("fails a streaming call with the clear error after the retries", async () => {
    const server = await startFakeAnthropic();
    try {
      const limited = { kind: "status", status: 429, message: "slow down" } as const;
      server.enqueue(limited, limited, limited, limited);
      const model = await buildLanguageModel({ name: "Anthropic", kind: "anthropic", baseUrl: server.baseURL, apiKey: "sk-ant" }, "claude-test", ctx, fast);
      const errors: unknown[] = [];
      const result = streamText({ model, prompt: "hi", maxRetries: 0, onError: ({ error }) => void errors.push(error) });
      for await (const part of result.fullStream) void part;
      expect(errors).toHaveLength(1);
      expect(String((errors[0] as Error).message)).toBe("Anthropic returned 429 Too Many Requests after 4 attempts: slow down");
    } finally {
      await server.close();
    }
  });
});
