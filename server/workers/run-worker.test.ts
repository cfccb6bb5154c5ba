import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerDataSchema, type WorkerData } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { REPLAY_FORMAT } from "@/server/models/replay/fixture";
import { testDatabases } from "@/test/databases";
import { isWorkerError, type WorkerError } from "./errors";
import { createWorkerRunner, type WorkerRunnerOptions } from "./run-worker";
import { createFakeToolPort } from "./testing/fake-tool-port";
import type { WorkerRunInput } from "./types";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

type Obs = Parameters<WorkerRunInput["observe"]>[0];

const GROUND = workerDataSchema.parse({
  label: "Ground the facts",
  instructions: "Find the order, the payment and the policy that applies.",
  model: "replay:refund-demo",
  tools: ["commerce.get_order", "commerce.get_payment", "knowledge.search_policies"],
  outputs: [
    { name: "orderTotal", type: "number" },
    { name: "currency", type: "string" },
    { name: "paymentCaptured", type: "boolean" },
    { name: "daysSinceDelivery", type: "number" },
    { name: "policyClause", type: "string" },
    { name: "policySummary", type: "string" },
  ],
});

const REASON = workerDataSchema.parse({
  label: "Decide",
  instructions: "Propose a refund decision.",
  model: "replay:refund-demo",
  tools: ["crm.get_history"],
  outputs: [
    { name: "decision", type: "enum", values: ["approve", "partial", "deny"] },
    { name: "amount", type: "number" },
    { name: "rationale", type: "string" },
  ],
});

const TRIGGER = { orderId: "1042", email: "dana@example.com", reason: "It arrived damaged, I opened it" };

let database: Database;
let dir: string;

beforeAll(async () => {
  const pglite = testDatabases()[0];
  if (!pglite) throw new Error("no test database");
  database = await pglite.open();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "steward-replay-"));
});

afterAll(async () => {
  await database.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeFixture(name: string, workers: Record<string, { turns: unknown[] }>, chunkDelayMs = 0) {
  await fs.writeFile(path.join(dir, `${name}.json`), JSON.stringify({ format: REPLAY_FORMAT, name, chunkDelayMs, workers }));
}

function input(nodeId: string, data: WorkerData, extra: Partial<WorkerRunInput> = {}) {
  const obs: Obs[] = [];
  const value: WorkerRunInput = {
    runId: "run-1",
    nodeId,
    attempt: 0,
    data,
    context: { trigger: TRIGGER },
    observe: async (o) => {
      obs.push(o);
    },
    ...extra,
  };
  return { input: value, obs };
}

const opts = (extra: WorkerRunnerOptions = {}): WorkerRunnerOptions => ({ models: { replayDir: dir, replayDelayMs: 0 }, ...extra });

async function failure(p: Promise<unknown>): Promise<WorkerError> {
  try {
    await p;
  } catch (e) {
    if (isWorkerError(e)) return e;
    throw e;
  }
  throw new Error("expected the worker to fail");
}

describe("the Worker runner on the shipped refund-demo replay", () => {
  it("grounds the facts: read-only tools run inline, results and a citation are observed", async () => {
    const tools = createFakeToolPort();
    const run = createWorkerRunner(database, tools, { models: { replayDelayMs: 0 } });
    const { input: i, obs } = input("ground", GROUND);
    const result = await run(i);

    expect(tools.calls.map((c) => c.ref)).toEqual(["commerce.get_order", "commerce.get_payment", "knowledge.search_policies"]);
    expect(tools.calls[0]?.args).toEqual({ orderId: "1042" });
    expect(tools.calls[2]?.args).toEqual({ query: "refund opened item within 14 days" });

    expect(result.kind).toBe("completed");
    if (result.kind !== "completed") return;
    expect(result.output).toEqual({
      orderTotal: 85,
      currency: "EUR",
      paymentCaptured: true,
      daysSinceDelivery: 9,
      policyClause: "REF-1.2",
      policySummary: expect.stringContaining("50%"),
    });
    expect(result.usage).toEqual({ tokensIn: 612 + 1018 + 1544, tokensOut: 74 + 69 + 131, cost: 0 });

    const calls = obs.filter((o) => o.kind === "tool_call");
    expect(calls.map((o) => o.data)).toEqual([
      { tool: "commerce.get_order", args: { orderId: "1042" }, toolCallId: expect.any(String), step: 0, gated: false },
      { tool: "commerce.get_payment", args: { orderId: "1042" }, toolCallId: expect.any(String), step: 0, gated: false },
      { tool: "knowledge.search_policies", args: { query: "refund opened item within 14 days" }, toolCallId: expect.any(String), step: 1, gated: false },
    ]);
    const results = obs.filter((o) => o.kind === "tool_result");
    expect(results).toHaveLength(3);
    expect(results[0]?.data).toMatchObject({ tool: "commerce.get_order", isError: false, value: { total: 85, currency: "EUR" }, step: 0 });
    // Each result follows its call.
    const firstResult = obs.indexOf(results[0]!);
    expect(obs.indexOf(calls[0]!)).toBeLessThan(firstResult);

    expect(obs.filter((o) => o.kind === "usage").map((o) => [o.tokensIn, o.tokensOut, (o.data as { step: number }).step])).toEqual([
      [612, 74, 0],
      [1018, 69, 1],
      [1544, 131, 2],
    ]);
    const citations = obs.filter((o) => o.kind === "citation");
    expect(citations.map((o) => o.data)).toEqual([expect.objectContaining({ clauseId: "REF-1.2", title: "Opened items within 14 days" })]);
    expect(obs.some((o) => o.kind === "reasoning" && o.text?.includes("REF-1.2"))).toBe(true);
    expect(obs.some((o) => o.kind === "error")).toBe(false);

    // The transcript survives a JSON round trip (the engine stores it).
    expect(JSON.parse(JSON.stringify(result.transcript))).toEqual(result.transcript);
  });

  it("decides with the grounded context: partial, 42.5", async () => {
    const tools = createFakeToolPort();
    const run = createWorkerRunner(database, tools, { models: { replayDelayMs: 0 } });
    const { input: i } = input("reason", REASON, {
      context: { trigger: TRIGGER, ground: { orderTotal: 85, currency: "EUR", policyClause: "REF-1.2" } },
    });
    const result = await run(i);
    expect(tools.calls).toEqual([{ ref: "crm.get_history", args: { email: "dana@example.com" } }]);
    expect(result.kind === "completed" && result.output).toMatchObject({ decision: "partial", amount: 42.5 });
  });
});

describe("gated tools", () => {
  const ACT = workerDataSchema.parse({
    model: "replay:gated",
    tools: ["commerce.get_order", "commerce.issue_refund"],
    outputs: [{ name: "refundId", type: "string" }],
  });

  beforeAll(async () => {
    await writeFixture("gated", {
      act: {
        turns: [
          {
            reasoning: "Look up the order and refund half of it.",
            toolCalls: [
              { toolName: "commerce.get_order", input: { orderId: "1042" } },
              { toolName: "commerce.issue_refund", input: { orderId: "1042", amount: 42.5 } },
            ],
            usage: { inputTokens: 100, outputTokens: 20 },
          },
          { text: '{"refundId": "R-77"}', usage: { inputTokens: 150, outputTokens: 10 } },
        ],
      },
    });
  });

  it("proposes a gated call without running it, then resumes with the result to the final output", async () => {
    const tools = createFakeToolPort();
    const run = createWorkerRunner(database, tools, opts());
    const first = input("act", ACT);
    const proposed = await run(first.input);

    expect(proposed.kind).toBe("proposed");
    if (proposed.kind !== "proposed") return;
    expect(proposed.tool).toBe("commerce.issue_refund");
    expect(proposed.args).toEqual({ orderId: "1042", amount: 42.5 });
    expect(proposed.usage).toEqual({ tokensIn: 100, tokensOut: 20, cost: 0 });
    // The read-only call in the same step ran; the gated one did not.
    expect(tools.calls.map((c) => c.ref)).toEqual(["commerce.get_order"]);
    const gatedObs = first.obs.find((o) => o.kind === "tool_call" && (o.data as { gated: boolean }).gated);
    expect(gatedObs?.data).toMatchObject({ tool: "commerce.issue_refund", toolCallId: proposed.toolCallId });

    // What the engine stores and later hands back.
    const stored = JSON.parse(JSON.stringify(proposed.transcript)) as unknown[];
    const second = input("act", ACT, {
      transcript: stored,
      resume: { toolCallId: proposed.toolCallId, output: { refundId: "R-77", amount: 42.5 }, isError: false },
    });
    const done = await run(second.input);
    expect(done.kind).toBe("completed");
    if (done.kind !== "completed") return;
    expect(done.output).toEqual({ refundId: "R-77" });
    expect(done.usage).toEqual({ tokensIn: 150, tokensOut: 10, cost: 0 });
    expect(tools.calls.map((c) => c.ref)).toEqual(["commerce.get_order"]);
    expect(JSON.stringify(done.transcript)).toContain("R-77");
    // Step numbering continues across the resume, so a saved fixture lines up with the replay turns.
    expect(second.obs.find((o) => o.kind === "usage")?.data).toMatchObject({ step: 1 });
  });

  it("refuses to resume a call the transcript does not have", async () => {
    const tools = createFakeToolPort();
    const run = createWorkerRunner(database, tools, opts());
    const proposed = await run(input("act", ACT).input);
    if (proposed.kind !== "proposed") throw new Error("expected a proposal");
    const err = await failure(run(input("act", ACT, { transcript: proposed.transcript, resume: { toolCallId: "nope", output: "x", isError: false } }).input));
    expect(err.code).toBe("transcript");
    expect(err.message).toContain("no unanswered tool call nope");
  });
});

describe("output validation", () => {
  const DECIDE = workerDataSchema.parse({ model: "replay:repair", outputs: REASON.outputs });

  beforeAll(async () => {
    const bad = { text: '{"decision": "maybe", "amount": "lots", "rationale": "unsure"}', usage: { inputTokens: 10, outputTokens: 5 } };
    const good = { text: '```json\n{"decision": "deny", "amount": 0, "rationale": "outside the window"}\n```', usage: { inputTokens: 20, outputTokens: 6 } };
    await writeFixture("repair", {
      fixed: { turns: [bad, good] },
      stubborn: { turns: [bad, { text: "I think a partial refund is fair.", usage: { inputTokens: 20, outputTokens: 6 } }] },
    });
  });

  it("asks for one repair and accepts the corrected answer", async () => {
    const run = createWorkerRunner(database, createFakeToolPort(), opts());
    const { input: i, obs } = input("fixed", DECIDE);
    const result = await run(i);
    expect(result.kind === "completed" && result.output).toEqual({ decision: "deny", amount: 0, rationale: "outside the window" });
    const status = obs.find((o) => o.kind === "status");
    expect(status?.text).toContain("decision");
    expect(status?.text).toContain("amount");
    expect(JSON.stringify(result.transcript)).toContain("Your final answer was not valid");
    expect(result.usage.tokensIn).toBe(30);
  });

  it("fails after the second invalid answer, naming the fields", async () => {
    const run = createWorkerRunner(database, createFakeToolPort(), opts());
    const { input: i, obs } = input("stubborn", DECIDE);
    const err = await failure(run(i));
    expect(err.code).toBe("invalid_output");
    expect(err.message).toContain('Worker "stubborn" gave an invalid output twice');
    expect(err.message).toContain("decision, amount, rationale");
    expect(err.message).toContain("not a JSON object");
    expect(err.usage.tokensIn).toBe(30);
    expect(obs.at(-1)).toMatchObject({ kind: "error", data: { code: "invalid_output" } });
  });
});

describe("streaming observations", () => {
  it("batches reasoning and text deltas into far fewer rows", async () => {
    const reasoning = Array.from({ length: 120 }, (_, n) => `thought${n}`).join(" ");
    const summary = Array.from({ length: 60 }, (_, n) => `word${n}`).join(" ");
    await writeFixture("chatty", {
      talk: { turns: [{ reasoning, text: JSON.stringify({ summary }), usage: { inputTokens: 5, outputTokens: 200 } }] },
    });
    const data = workerDataSchema.parse({ model: "replay:chatty", outputs: [{ name: "summary", type: "string" }] });
    const run = createWorkerRunner(database, createFakeToolPort(), { models: { replayDir: dir, replayDelayMs: 2 } });
    const { input: i, obs } = input("talk", data);
    const result = await run(i);
    expect(result.kind === "completed" && result.output).toEqual({ summary });

    const reasoningRows = obs.filter((o) => o.kind === "reasoning");
    const textRows = obs.filter((o) => o.kind === "text");
    expect(reasoningRows.map((o) => o.text).join("")).toBe(reasoning);
    expect(textRows.map((o) => o.text).join("")).toBe(JSON.stringify({ summary }));
    // The replay streams three words per delta: 40 reasoning deltas, 20 text deltas.
    expect(reasoningRows.length).toBeGreaterThan(1);
    expect(reasoningRows.length).toBeLessThan(15);
    expect(textRows.length).toBeLessThan(10);
    for (const row of [...reasoningRows, ...textRows]) expect(row.text?.length).toBeLessThan(200 + 40);
    // Rows keep the stream's order: all reasoning before the answer text.
    expect(obs.indexOf(reasoningRows.at(-1)!)).toBeLessThan(obs.indexOf(textRows[0]!));
  });
});

describe("limits and failures", () => {
  it("stops with 'token budget exhausted' once the run's budget is spent", async () => {
    const tools = createFakeToolPort();
    const run = createWorkerRunner(database, tools, { models: { replayDelayMs: 0 } });
    const { input: i, obs } = input("ground", GROUND, { tokenBudgetLeft: 700 });
    const err = await failure(run(i));
    expect(err.code).toBe("token_budget");
    expect(err.message).toContain("token budget exhausted");
    // 686 tokens after the first call, 1773 after the second: stopped there, no third call.
    expect(err.usage).toMatchObject({ tokensIn: 612 + 1018, tokensOut: 74 + 69 });
    expect(obs.filter((o) => o.kind === "usage")).toHaveLength(2);
    expect(obs.at(-1)?.kind).toBe("error");
  });

  it("does not start without budget", async () => {
    const run = createWorkerRunner(database, createFakeToolPort(), { models: { replayDelayMs: 0 } });
    const err = await failure(run(input("ground", GROUND, { tokenBudgetLeft: 0 }).input));
    expect(err.message).toContain("token budget exhausted");
    expect(err.usage.tokensIn).toBe(0);
  });

  it("does not start without cost budget", async () => {
    const run = createWorkerRunner(database, createFakeToolPort(), { models: { replayDelayMs: 0 } });
    const { input: i, obs } = input("ground", GROUND, { costBudgetLeft: 0 });
    const err = await failure(run(i));
    expect(err.code).toBe("cost_budget");
    expect(err.message).toBe(`Worker "ground": cost budget exhausted before it started (nothing left of this run's cost budget)`);
    expect(obs.filter((o) => o.kind === "usage")).toHaveLength(0);
  });

  it("stops at the step limit", async () => {
    const run = createWorkerRunner(database, createFakeToolPort(), { models: { replayDelayMs: 0 } });
    const err = await failure(run(input("ground", { ...GROUND, maxSteps: 2 }).input));
    expect(err.code).toBe("step_limit");
    expect(err.message).toBe('Worker "ground" reached its step limit (2) without a final answer');
  });

  it("names the fixture and node when the transcript is missing or runs out", async () => {
    const run = createWorkerRunner(database, createFakeToolPort(), { models: { replayDelayMs: 0 } });
    const missing = await failure(run(input("verify", { ...REASON, tools: [] }).input));
    expect(missing.message).toContain('Replay fixture "refund-demo", worker "verify"');
    expect(missing.message).toContain("ground, reason");
    expect(missing.retriable).toBe(false);

    await writeFixture("short", { solo: { turns: [{ text: "not json", usage: { inputTokens: 1, outputTokens: 1 } }] } });
    const short = await failure(createWorkerRunner(database, createFakeToolPort(), opts())(input("solo", { ...REASON, model: "replay:short", tools: [] }).input));
    expect(short.message).toContain('Replay fixture "short", worker "solo": the transcript ran out');
  });

  it("fails clearly on an unknown model and on tools that are not offered", async () => {
    const run = createWorkerRunner(database, createFakeToolPort({ unavailable: ["crm.get_history"] }), { models: { replayDelayMs: 0 } });
    const unknown = await failure(run(input("reason", { ...REASON, model: "gpt-nowhere" }).input));
    expect(unknown.code).toBe("model");
    expect(unknown.message).toContain('Unknown model "gpt-nowhere"');
    const noDefault = await failure(run(input("reason", { ...REASON, model: "" }).input));
    expect(noDefault.message).toContain("No default model is set");
    const tool = await failure(run(input("reason", REASON).input));
    expect(tool.code).toBe("tool_unavailable");
    expect(tool.message).toContain("crm.get_history");
  });

  it("stops when the run is cancelled mid-stream", async () => {
    const controller = new AbortController();
    const run = createWorkerRunner(database, createFakeToolPort(), { models: { replayDelayMs: 20 } });
    setTimeout(() => controller.abort(), 60);
    const started = Date.now();
    const err = await failure(run(input("ground", GROUND, { signal: controller.signal }).input));
    expect(err.code).toBe("cancelled");
    expect(err.message).toBe('Worker "ground" was cancelled');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("feeds a failing tool's error back to the model and records it", async () => {
    const tools = createFakeToolPort({ failing: ["crm.get_history"] });
    const run = createWorkerRunner(database, tools, { models: { replayDelayMs: 0 } });
    const { input: i, obs } = input("reason", REASON);
    const result = await run(i);
    expect(result.kind).toBe("completed");
    expect(obs.find((o) => o.kind === "tool_result")).toMatchObject({ text: "crm.get_history is down", data: { isError: true } });
    expect(JSON.stringify(result.transcript)).toContain("error-text");
  });
});
