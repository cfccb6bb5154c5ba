import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { generateText, jsonSchema, stepCountIs, streamText, tool, type ModelMessage } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFixtureNames, loadFixture, parseFixture, REPLAY_FORMAT, type ReplayFixture } from "./fixture";
import { createReplayModel, splitDeltas } from "./replay-model";

const fixture: ReplayFixture = parseFixture(
  {
    format: REPLAY_FORMAT,
    name: "unit",
    workers: {
      look: {
        turns: [
          {
            reasoning: "First I look the order up, then I answer.",
            toolCalls: [{ toolName: "commerce.get_order", input: { orderId: "7" } }],
            usage: { inputTokens: 40, outputTokens: 9 },
          },
          { reasoning: "The order is small.", text: "Order 7 costs 12 EUR, which is a small amount.", usage: { inputTokens: 80, outputTokens: 14 } },
        ],
      },
    },
  },
  "unit",
);

const getOrder = tool({
  description: "Get an order",
  inputSchema: jsonSchema<{ orderId: string }>({ type: "object", properties: { orderId: { type: "string" } } }),
  execute: async ({ orderId }) => ({ orderId, total: 12 }),
});

describe("the replay model", () => {
  it("plays a transcript with generateText: tool call, real tool result, final text", async () => {
    const model = createReplayModel({ fixture, nodeId: "look" });
    const seen: unknown[] = [];
    const result = await generateText({
      model,
      prompt: "What does order 7 cost?",
      tools: {
        commerce_get_order: tool({ ...getOrder, execute: async (input: { orderId: string }) => (seen.push(input), { orderId: input.orderId, total: 12 }) }),
      },
      stopWhen: stepCountIs(5),
    });
    expect(seen).toEqual([{ orderId: "7" }]);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: "commerce_get_order", input: { orderId: "7" } });
    expect(result.steps[0]?.reasoningText).toBe("First I look the order up, then I answer.");
    expect(result.text).toBe("Order 7 costs 12 EUR, which is a small amount.");
    expect(result.totalUsage).toMatchObject({ inputTokens: 120, outputTokens: 23 });
    expect(result.finishReason).toBe("stop");
  });

  it("streams reasoning and text in several deltas", async () => {
    const model = createReplayModel({ fixture, nodeId: "look", chunkDelayMs: 1 });
    const result = streamText({ model, prompt: "What does order 7 cost?", tools: { commerce_get_order: getOrder }, stopWhen: stepCountIs(5) });
    const reasoning: string[] = [];
    const text: string[] = [];
    for await (const part of result.fullStream) {
      if (part.type === "reasoning-delta") reasoning.push(part.text);
      if (part.type === "text-delta") text.push(part.text);
    }
    expect(text.length).toBeGreaterThan(2);
    expect(text.join("")).toBe("Order 7 costs 12 EUR, which is a small amount.");
    expect(reasoning.join("")).toBe("First I look the order up, then I answer.The order is small.");
    expect((await result.toolResults).length).toBe(0); // tool results are per last step
    expect((await result.steps)[0]?.toolResults[0]?.output).toEqual({ orderId: "7", total: 12 });
  });

  it("picks the turn from the conversation, so a resumed Worker continues where it stopped", async () => {
    const model = createReplayModel({ fixture, nodeId: "look" });
    const messages: ModelMessage[] = [
      { role: "user", content: "What does order 7 cost?" },
      { role: "assistant", content: [{ type: "tool-call", toolCallId: "c1", toolName: "commerce_get_order", input: { orderId: "7" } }] },
      { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "commerce_get_order", output: { type: "json", value: { total: 12 } } }] },
    ];
    const result = await generateText({ model, messages, tools: { commerce_get_order: getOrder } });
    expect(result.text).toBe("Order 7 costs 12 EUR, which is a small amount.");
  });

  it("is deterministic: the same prompt gives the same answer", async () => {
    const model = createReplayModel({ fixture, nodeId: "look" });
    const a = await generateText({ model, prompt: "x", tools: { commerce_get_order: getOrder } });
    const b = await generateText({ model, prompt: "x", tools: { commerce_get_order: getOrder } });
    expect(a.toolCalls).toEqual(b.toolCalls);
    expect(a.toolCalls[0]?.toolCallId).toBe("replay_look_0_0");
  });

  it("fails clearly: unknown worker, transcript run out, tool not offered", async () => {
    await expect(generateText({ model: createReplayModel({ fixture, nodeId: "other" }), prompt: "x", maxRetries: 0 })).rejects.toThrow(
      'Replay fixture "unit", worker "other": the fixture has no transcript for this worker (it has: look)',
    );
    const ranOut: ModelMessage[] = [
      { role: "user", content: "x" },
      { role: "assistant", content: "one" },
      { role: "user", content: "y" },
      { role: "assistant", content: "two" },
      { role: "user", content: "z" },
    ];
    await expect(generateText({ model: createReplayModel({ fixture, nodeId: "look" }), messages: ranOut, maxRetries: 0 })).rejects.toThrow(
      'Replay fixture "unit", worker "look": the transcript ran out — model call 3 was asked for, the fixture has 2 turn(s)',
    );
    await expect(generateText({ model: createReplayModel({ fixture, nodeId: "look" }), prompt: "x", maxRetries: 0 })).rejects.toThrow(
      "turn 1: calls commerce.get_order, which this worker does not offer (offered: no tools)",
    );
  });

  it("plays the * transcript for a Worker the fixture does not name, and finds a bare tool name on any connector", async () => {
    const anyWorker = parseFixture(
      {
        format: REPLAY_FORMAT,
        name: "any",
        workers: {
          look: fixture.workers.look,
          "*": { turns: [{ toolCalls: [{ toolName: "echo", input: { message: "hi" } }], usage: { inputTokens: 5, outputTokens: 2 } }, { text: "done", usage: { inputTokens: 9, outputTokens: 1 } }] },
        },
      },
      "any",
    );
    const echoed: unknown[] = [];
    const echo = tool({
      description: "Echo",
      inputSchema: jsonSchema<{ message: string }>({ type: "object", properties: { message: { type: "string" } } }),
      execute: async (input) => (echoed.push(input), input),
    });
    const toolRefs = new Map([
      ["toolbox_echo", "toolbox.echo"],
      ["commerce_get_order", "commerce.get_order"],
    ]);
    const model = createReplayModel({ fixture: anyWorker, nodeId: "worker-3", toolRefs });
    const result = await generateText({ model, prompt: "x", tools: { toolbox_echo: echo, commerce_get_order: getOrder }, stopWhen: stepCountIs(5) });
    expect(echoed).toEqual([{ message: "hi" }]);
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({ toolName: "toolbox_echo", toolCallId: "replay_worker-3_0_0" });
    expect(result.text).toBe("done");

    // A named Worker still gets its own transcript.
    const named = await generateText({ model: createReplayModel({ fixture: anyWorker, nodeId: "look", toolRefs }), prompt: "x", tools: { commerce_get_order: getOrder } });
    expect(named.toolCalls[0]).toMatchObject({ toolName: "commerce_get_order" });

    // A bare name offered by two connectors is ambiguous; one that no connector offers is not offered.
    const twice = new Map([...toolRefs, ["other_echo", "other.echo"]]);
    await expect(
      generateText({ model: createReplayModel({ fixture: anyWorker, nodeId: "w", toolRefs: twice }), prompt: "x", tools: { toolbox_echo: echo, other_echo: echo }, maxRetries: 0 }),
    ).rejects.toThrow("calls echo, which several offered tools are named (toolbox.echo, other.echo): name one as connector.tool");
    await expect(
      generateText({ model: createReplayModel({ fixture: anyWorker, nodeId: "w", toolRefs }), prompt: "x", tools: { commerce_get_order: getOrder }, maxRetries: 0 }),
    ).rejects.toThrow("calls echo, which this worker does not offer (offered: commerce.get_order)");
  });

  it("splits text into deltas that join back to the text", () => {
    const s = "  Leading space, two  spaces\nand a newline. ";
    expect(splitDeltas(s).join("")).toBe(s);
    expect(splitDeltas(s).length).toBeGreaterThan(1);
    expect(splitDeltas("")).toEqual([]);
  });
});

describe("fixture files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "steward-fixtures-"));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("ships tool-check: any Worker calls echo once, then answers", async () => {
    const check = await loadFixture("tool-check");
    expect(Object.keys(check.workers)).toEqual(["*"]);
    expect(check.workers["*"]?.turns.map((t) => t.toolCalls?.map((c) => c.toolName) ?? [])).toEqual([["echo"], []]);
  });

  it("ships refund-demo with the ground and reason transcripts", async () => {
    const demo = await loadFixture("refund-demo");
    expect(Object.keys(demo.workers)).toEqual(["ground", "reason"]);
    expect(demo.workers.ground?.turns).toHaveLength(3);
    expect(demo.workers.reason?.turns).toHaveLength(2);
    expect(JSON.parse(demo.workers.reason!.turns[1]!.text!)).toMatchObject({ decision: "partial", amount: 42.5 });
    expect(await listFixtureNames()).toContain("refund-demo");
  });

  it("rejects invalid fixtures with the field named", async () => {
    await fs.writeFile(path.join(dir, "broken.json"), JSON.stringify({ format: REPLAY_FORMAT, name: "broken", workers: { a: { turns: [{ text: "hi" }] } } }));
    await expect(loadFixture("broken", dir)).rejects.toThrow(/workers\.a\.turns\[0\]\.usage/);
    await fs.writeFile(path.join(dir, "empty.json"), JSON.stringify({ format: REPLAY_FORMAT, name: "empty", workers: { a: { turns: [{ usage: { inputTokens: 1, outputTokens: 1 } }] } } }));
    await expect(loadFixture("empty", dir)).rejects.toThrow("a turn needs text or at least one tool call");
    await expect(loadFixture("../etc/passwd", dir)).rejects.toThrow("lowercase letters");
    await expect(loadFixture("absent", dir)).rejects.toThrow('No replay fixture "absent"');
  });
});
