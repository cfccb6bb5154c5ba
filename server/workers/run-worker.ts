import "server-only";
import { APICallError, extractJsonMiddleware, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel, type ModelMessage, type StepResult, type ToolSet } from "ai";
import type { ToolCallResult, ToolInfo, ToolPort } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import { costOf, resolveModel, type ResolvedModel, type ResolveOptions } from "@/server/models/registry";
import { ReplayError } from "@/server/models/replay/replay-model";
import { findModelProviderError, modelErrorMessage } from "@/server/models/retrying-fetch";
import { ReplayFixtureError } from "@/server/models/replay/fixture";
import { modelToolName } from "@/server/models/tool-names";
import { KNOWLEDGE_SEARCH_TOOLS } from "@/lib/knowledge/citations";
import { knowledgeClauseIds } from "@/server/knowledge/citations";
import { bareClause, citedClauses, clauseIdsIn, clausesIn, type Clause } from "./citations";
import { forEngine, WorkerError, isWorkerError, type WorkerErrorCode } from "./errors";
import { WorkerObserver, type ObserverOptions } from "./observer";
import { finalAnswerOutput, finalAnswerProblem } from "./output-schema";
import { buildSystemPrompt, repairMessage, START_MESSAGE } from "./prompt";
import { appendResumedResult, modelCallCount, parseTranscript, pendingToolCalls } from "./transcript";
import type { TokenUsage, WorkerRunInput, WorkerRunner, WorkerStepResult } from "./types";

export interface WorkerRunnerOptions extends ObserverOptions {
  /** Passed to the model registry (retry/timeouts, replay fixture dir and pacing). */
  models?: ResolveOptions;
  /** Tools whose results hold policy clauses the Worker may cite. */
  citationTools?: string[];
}

/** Tool results are stored whole in `data`; the row's text is for display. */
const DISPLAY_CHARS = 2_000;
const DEFAULT_CITATION_TOOLS: readonly string[] = KNOWLEDGE_SEARCH_TOOLS;

/**
 * The Worker agent loop: an AI SDK tool loop over the node's allowed tools. Read-only tools run
 * inline; a gated tool has no `execute`, so the SDK stops when the model calls it and the runner
 * hands the call to the engine as `proposed`. The engine resumes with the result after a decision.
 */
export function createWorkerRunner(database: Database, tools: ToolPort, opts: WorkerRunnerOptions = {}): WorkerRunner {
  return (input) =>
    runWorker(database, tools, opts, input).catch((e: unknown) => {
      throw isWorkerError(e) ? forEngine(e) : e;
    });
}

type ToolMeta = { info: ToolInfo; name: string };

async function runWorker(database: Database, tools: ToolPort, opts: WorkerRunnerOptions, input: WorkerRunInput): Promise<WorkerStepResult> {
  const { data, nodeId, runId } = input;
  const who = `Worker "${nodeId}"`;
  const observer = new WorkerObserver(input.observe, opts);
  const usage: TokenUsage = { tokensIn: 0, tokensOut: 0, cost: 0 };
  const fail = (code: WorkerErrorCode, message: string, retriable = false) => new WorkerError(code, message, { ...usage }, retriable);

  try {
    const budget = input.tokenBudgetLeft;
    if (budget !== undefined && budget <= 0) throw fail("token_budget", `${who}: token budget exhausted before it started (no tokens left for this run)`);
    const costBudget = input.costBudgetLeft;
    if (costBudget !== undefined && costBudget <= 0) throw fail("cost_budget", `${who}: cost budget exhausted before it started (nothing left of this run's cost budget)`);

    // Filled once the tools are known; the replay model reads it only when it is called.
    const toolRefs = new Map<string, string>();
    let resolved: ResolvedModel;
    try {
      resolved = await resolveModel(database, data.model, { runId, nodeId, toolRefs }, opts.models);
    } catch (e) {
      throw fail("model", `${who}: ${(e as Error).message}`);
    }

    const { toolset, byName } = await buildTools(tools, data.tools, who, fail, runId);
    for (const [name, meta] of byName) toolRefs.set(name, meta.info.ref);

    const parsed = parseTranscript(input.transcript);
    if (typeof parsed === "string") throw fail("transcript", `${who}: the stored transcript is not valid (${parsed})`);
    let transcript: ModelMessage[] = parsed;
    if (input.resume) {
      const resumed = appendResumedResult(transcript, input.resume);
      if (typeof resumed === "string") throw fail("transcript", `${who} cannot resume: ${resumed}`);
      transcript = resumed;
    } else if (pendingToolCalls(transcript).length) {
      throw fail("transcript", `${who} cannot continue: its transcript waits for a tool result and none was given`);
    }

    const gatedRefs = [...byName.values()].filter((t) => t.info.policy === "gated").map((t) => t.info.ref);
    const system = buildSystemPrompt(data, input.context, gatedRefs);
    const citationNames = new Set((opts.citationTools ?? DEFAULT_CITATION_TOOLS).map(modelToolName));
    const output = finalAnswerOutput(data.outputs);
    // Models without a native JSON mode still fence their answer in ```json … ```.
    const model = output ? wrapLanguageModel({ model: resolved.model, middleware: extractJsonMiddleware() }) : resolved.model;
    let said = "";
    let repaired = false;

    for (;;) {
      const callsSoFar = modelCallCount(transcript);
      // A repair gets its one extra call even at the step limit: it is a retry, not more work.
      const remaining = repaired ? Math.max(1, data.maxSteps - callsSoFar) : data.maxSteps - callsSoFar;
      if (remaining <= 0) throw fail("step_limit", `${who} reached its step limit (${data.maxSteps}) without a final answer`);

      const spentBefore = usage.tokensIn + usage.tokensOut;
      const costBefore = usage.cost;
      // Checked after every model call of the tool loop: the next call is not made once a budget is spent.
      const overBudget = (steps: ReadonlyArray<StepResult<ToolSet>>) =>
        (budget !== undefined && spentBefore + tokensOf(steps) > budget) || (costBudget !== undefined && costBefore + costOfSteps(resolved, steps) > costBudget);
      const result = streamText({
        model,
        output,
        system,
        messages: [{ role: "user", content: START_MESSAGE }, ...transcript],
        tools: toolset,
        stopWhen: [stepCountIs(remaining), ({ steps }) => overBudget(steps)],
        maxRetries: 0,
        abortSignal: input.signal,
        // Errors arrive as stream parts below; this keeps the SDK from also logging them.
        onError: () => undefined,
      });

      let step = callsSoFar - 1;
      let streamError: unknown;
      // Some providers report a failed stream as an error part, others by throwing from the stream.
      try {
        for await (const part of result.fullStream) {
          switch (part.type) {
            case "start-step":
              step++;
              break;
            case "reasoning-delta":
              said += part.text;
              observer.delta("reasoning", step, part.text);
              break;
            case "text-delta":
              said += part.text;
              observer.delta("text", step, part.text);
              break;
            case "tool-call": {
              const meta = byName.get(part.toolName);
              const ref = meta?.info.ref ?? part.toolName;
              observer.record({
                kind: "tool_call",
                text: ref,
                data: { tool: ref, args: part.input, toolCallId: part.toolCallId, step, gated: meta?.info.policy === "gated" },
              });
              break;
            }
            case "tool-result": {
              const ref = byName.get(part.toolName)?.info.ref ?? part.toolName;
              const r = part.output as ToolCallResult;
              observer.record({
                kind: "tool_result",
                text: truncate(r.text || JSON.stringify(r.value ?? null)),
                data: { tool: ref, toolCallId: part.toolCallId, step, isError: r.isError, value: r.value ?? null, raw: r.raw ?? null },
              });
              break;
            }
            case "tool-error": {
              const ref = byName.get(part.toolName)?.info.ref ?? part.toolName;
              const message = part.error instanceof Error ? part.error.message : String(part.error);
              observer.record({ kind: "tool_result", text: truncate(message), data: { tool: ref, toolCallId: part.toolCallId, step, isError: true, error: message } });
              break;
            }
            case "finish-step": {
              const tokensIn = part.usage.inputTokens ?? 0;
              const tokensOut = part.usage.outputTokens ?? 0;
              const cost = costOf(resolved.prices, tokensIn, tokensOut);
              usage.tokensIn += tokensIn;
              usage.tokensOut += tokensOut;
              usage.cost += cost;
              observer.record({
                kind: "usage",
                text: `${resolved.modelId}: ${tokensIn} tokens in, ${tokensOut} out`,
                tokensIn,
                tokensOut,
                data: { modelId: resolved.modelId, step, cost },
              });
              break;
            }
            case "error":
              streamError ??= part.error;
              break;
            case "abort":
              streamError ??= new Error("the run was cancelled");
              break;
          }
        }
      } catch (e) {
        streamError ??= e;
      }
      observer.flush();
      if (input.signal?.aborted) throw fail("cancelled", `${who} was cancelled`);
      if (streamError) throw modelFailure(streamError, who, usage);

      const steps = await result.steps;
      const response = await result.response;
      transcript = [...transcript, ...response.messages];

      if (budget !== undefined && usage.tokensIn + usage.tokensOut > budget) {
        throw fail("token_budget", `${who}: token budget exhausted (${usage.tokensIn + usage.tokensOut} tokens used, ${budget} were left for this run)`);
      }
      if (costBudget !== undefined && usage.cost > costBudget) {
        throw fail("cost_budget", `${who}: cost budget exhausted (${money(usage.cost)} spent, ${money(costBudget)} was left for this run)`);
      }

      const last = steps.at(-1);
      if (!last) throw fail("model", `${who}: the model returned no steps`, true);
      const answered = new Set(last.content.filter((p) => p.type === "tool-result" || p.type === "tool-error").map((p) => p.toolCallId));
      const gated = last.toolCalls.find((c) => !answered.has(c.toolCallId) && byName.get(c.toolName)?.info.policy === "gated");
      if (gated) {
        const meta = byName.get(gated.toolName);
        await observer.close();
        return {
          kind: "proposed",
          toolCallId: gated.toolCallId,
          tool: meta?.info.ref ?? gated.toolName,
          args: (gated.input ?? {}) as Record<string, unknown>,
          usage: { ...usage },
          transcript: serialisable(transcript),
        };
      }
      if (last.toolCalls.length) throw fail("step_limit", `${who} reached its step limit (${data.maxSteps}) without a final answer`);

      // A Worker without output fields answers in plain text.
      const answer: FinalAnswer = output ? await structuredAnswer(result.output) : { ok: true, value: { text: last.text.trim() } };
      if (answer.ok) {
        for (const c of await citationsOf(database, clausesFrom(transcript, citationNames), answer.value, said)) {
          observer.record({ kind: "citation", text: c.title ? `${c.clauseId} — ${c.title}` : c.clauseId, data: { ...c } });
        }
        await observer.close();
        return { kind: "completed", output: answer.value, usage: { ...usage }, transcript: serialisable(transcript) };
      }
      const fields = data.outputs.map((f) => f.name).join(", ");
      if (repaired) {
        throw fail("invalid_output", `${who} gave an invalid output twice (expected fields: ${fields}): ${answer.problem}`);
      }
      repaired = true;
      observer.record({ kind: "status", text: `Output invalid (${answer.problem}); asking the model to correct it`, data: { step, repair: true, problem: answer.problem } });
      transcript = [...transcript, { role: "user", content: repairMessage(answer.problem, data) }];
    }
  } catch (e) {
    // Anything else (the connector layer, an Observation write) is unexpected and may pass on a retry.
    const err = isWorkerError(e) ? e : fail("internal", `${who} failed: ${e instanceof Error ? e.message : String(e)}`, true);
    observer.record({ kind: "error", text: err.message, data: { code: err.code, retriable: err.retriable } });
    await observer.close().catch(() => undefined);
    throw err;
  }
}

type FinalAnswer = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

/** The SDK's parsed and validated final answer, or what was wrong with it. */
async function structuredAnswer(parsed: PromiseLike<unknown>): Promise<FinalAnswer> {
  try {
    return { ok: true, value: (await parsed) as Record<string, unknown> };
  } catch (e) {
    const problem = finalAnswerProblem(e);
    if (problem === undefined) throw e;
    return { ok: false, problem };
  }
}

async function buildTools(
  tools: ToolPort,
  refs: string[],
  who: string,
  fail: (code: WorkerErrorCode, message: string) => WorkerError,
  runId: string,
): Promise<{ toolset: ToolSet; byName: Map<string, ToolMeta> }> {
  const infos = refs.length ? await tools.listTools(refs) : [];
  const missing = refs.filter((r) => !infos.some((i) => i.ref === r));
  if (missing.length) {
    throw fail("tool_unavailable", `${who} cannot use ${missing.join(", ")}: not offered (connector disabled or removed, tool disallowed, or unknown)`);
  }
  const toolset: ToolSet = {};
  const byName = new Map<string, ToolMeta>();
  for (const info of infos.filter((i) => refs.includes(i.ref))) {
    let name = modelToolName(info.ref);
    for (let n = 2; byName.has(name); n++) name = `${modelToolName(info.ref).slice(0, 60)}_${n}`;
    byName.set(name, { info, name });
    const inputSchema = jsonSchema(objectSchema(info.inputSchema));
    if (info.policy === "gated") {
      toolset[name] = tool({
        description: `${info.description || info.ref} (Changes things: a person approves each call before it runs.)`,
        inputSchema,
      });
    } else {
      // The first call of each tool in a turn lists the server's tools again: a definition changed
      // since approval is caught even when the server sent no list_changed notification.
      let listed = false;
      toolset[name] = tool({
        description: info.description || info.ref,
        inputSchema,
        execute: (args, { abortSignal }) => {
          const recheck = !listed;
          listed = true;
          return tools.callTool(info.ref, (args ?? {}) as Record<string, unknown>, { signal: abortSignal, recheck, runId });
        },
        toModelOutput: ({ output }) => {
          const r = output as ToolCallResult;
          const text = r.text || JSON.stringify(r.value ?? null);
          return r.isError ? { type: "error-text", value: text } : { type: "text", value: text };
        },
      });
    }
  }
  return { toolset, byName };
}

/** MCP servers may omit `type: "object"`; providers require it. `$schema` is dropped (some APIs reject it). */
function objectSchema(schema: Record<string, unknown>): Parameters<typeof jsonSchema>[0] {
  const { $schema: _ignored, ...rest } = schema;
  void _ignored;
  return { type: "object", properties: {}, ...rest } as Parameters<typeof jsonSchema>[0];
}

function tokensOf(steps: ReadonlyArray<StepResult<ToolSet>>): number {
  return steps.reduce((n, s) => n + (s.usage.inputTokens ?? 0) + (s.usage.outputTokens ?? 0), 0);
}

function costOfSteps(resolved: ResolvedModel, steps: ReadonlyArray<StepResult<ToolSet>>): number {
  return steps.reduce((n, s) => n + costOf(resolved.prices, s.usage.inputTokens ?? 0, s.usage.outputTokens ?? 0), 0);
}

/** Costs are fractions of a cent: six decimals, as the run stores them. */
function money(n: number): string {
  return String(Number(n.toFixed(6)));
}

/**
 * What a Worker's answer cites: each retrieved clause it (or its reasoning) mentions, with the
 * document, version, heading path and text its search returned; and each clause of the knowledge
 * base its answer names that none of its searches returned, by id only (the Explain rail flags
 * those: lib/knowledge/citations.ts `retrievalOf`).
 */
async function citationsOf(database: Database, retrieved: Clause[], answer: Record<string, unknown>, said: string): Promise<Clause[]> {
  const claim = JSON.stringify(answer);
  const cited = citedClauses(retrieved, `${claim}\n${said}`);
  const unretrieved = clauseIdsIn(claim).filter((id) => !retrieved.some((c) => c.clauseId === id));
  const known = await knowledgeClauseIds(database, unretrieved);
  return [...cited, ...unretrieved.filter((id) => known.has(id.toUpperCase())).map(bareClause)];
}

function clausesFrom(transcript: ModelMessage[], toolNames: Set<string>): Clause[] {
  const out = new Map<string, Clause>();
  for (const m of transcript) {
    if (m.role !== "tool") continue;
    for (const p of m.content) {
      if (p.type !== "tool-result" || !toolNames.has(p.toolName)) continue;
      const value = "value" in p.output ? p.output.value : undefined;
      for (const c of clausesIn(value)) if (!out.has(c.clauseId) || (!out.get(c.clauseId)?.title && c.title)) out.set(c.clauseId, c);
    }
  }
  return [...out.values()];
}

function modelFailure(e: unknown, who: string, usage: TokenUsage): WorkerError {
  if (isWorkerError(e)) return e;
  const message = modelErrorMessage(e);
  // Replays and rejected requests (bad key, bad model name) fail the same way every time; outages,
  // rate limits and timeouts that outlasted our retries may pass later.
  const retriable =
    !(e instanceof ReplayError || e instanceof ReplayFixtureError) && (findModelProviderError(e) !== undefined || !(APICallError.isInstance(e) && !e.isRetryable));
  return new WorkerError("model", `${who}: the model call failed: ${message}`, { ...usage }, retriable);
}

function truncate(s: string): string {
  return s.length > DISPLAY_CHARS ? `${s.slice(0, DISPLAY_CHARS)}…` : s;
}

/** What the engine stores: plain JSON, so it survives a database round trip unchanged. */
function serialisable(messages: ModelMessage[]): unknown[] {
  return JSON.parse(JSON.stringify(messages)) as unknown[];
}
