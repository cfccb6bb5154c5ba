import "server-only";
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import { modelToolName } from "@/server/models/tool-names";
import { ANY_WORKER, REPLAY_PREFIX, type ReplayFixture, type ReplayTurn } from "./fixture";

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayError";
  }
}

export interface ReplayModelOptions {
  fixture: ReplayFixture;
  /** The Worker node whose transcript this model plays. */
  nodeId: string;
  /** Overrides the fixture's pause between streamed deltas. */
  chunkDelayMs?: number;
  /**
   * The tool refs behind the names the Worker offers the model (`toolbox_echo` → `toolbox.echo`),
   * so a fixture can name a tool without its connector (`echo`).
   */
  toolRefs?: ReadonlyMap<string, string>;
}

/**
 * A LanguageModelV3 that plays a recorded transcript. It holds no state: the turn is the number
 * of assistant messages already in the prompt, so a Worker resumed from a stored transcript (or
 * retried from scratch) gets the same answers as an uninterrupted one.
 */
export function createReplayModel(opts: ReplayModelOptions): LanguageModelV3 {
  const { fixture, nodeId } = opts;
  const delayMs = opts.chunkDelayMs ?? fixture.chunkDelayMs;
  const where = `Replay fixture "${fixture.name}", worker "${nodeId}"`;

  function pickTurn(options: LanguageModelV3CallOptions): { turn: ReplayTurn; index: number } {
    const worker = fixture.workers[nodeId] ?? fixture.workers[ANY_WORKER];
    if (!worker) {
      const known = Object.keys(fixture.workers).join(", ") || "none";
      throw new ReplayError(`${where}: the fixture has no transcript for this worker (it has: ${known})`);
    }
    const index = options.prompt.filter((m) => m.role === "assistant").length;
    const turn = worker.turns[index];
    if (!turn) {
      throw new ReplayError(
        `${where}: the transcript ran out — model call ${index + 1} was asked for, the fixture has ${worker.turns.length} turn(s)`,
      );
    }
    return { turn, index };
  }

  function toolCalls(turn: ReplayTurn, index: number, options: LanguageModelV3CallOptions) {
    const offered = (options.tools ?? []).filter((t) => t.type === "function").map((t) => t.name);
    return (turn.toolCalls ?? []).map((call, i) => {
      const name = offeredName(call.toolName, offered, opts.toolRefs);
      if (typeof name !== "string") {
        const shown = offered.map((n) => opts.toolRefs?.get(n) ?? n).join(", ") || "no tools";
        throw new ReplayError(`${where}, turn ${index + 1}: calls ${call.toolName}, which ${name.problem} (offered: ${shown})`);
      }
      return { toolCallId: `replay_${nodeId}_${index}_${i}`, toolName: name, input: JSON.stringify(call.input) };
    });
  }

  return {
    specificationVersion: "v3",
    provider: "replay",
    modelId: `${REPLAY_PREFIX}${fixture.name}`,
    supportedUrls: {},

    async doGenerate(options): Promise<LanguageModelV3GenerateResult> {
      const { turn, index } = pickTurn(options);
      const calls = toolCalls(turn, index, options);
      const content: LanguageModelV3Content[] = [];
      if (turn.reasoning) content.push({ type: "reasoning", text: turn.reasoning });
      if (turn.text !== undefined) content.push({ type: "text", text: turn.text });
      for (const c of calls) content.push({ type: "tool-call", ...c });
      return {
        content,
        finishReason: finishReason(calls.length > 0),
        usage: usageOf(turn),
        warnings: [],
        response: { id: `replay-${index}`, modelId: `${REPLAY_PREFIX}${fixture.name}`, timestamp: new Date(0) },
      };
    },

    async doStream(options): Promise<LanguageModelV3StreamResult> {
      const { turn, index } = pickTurn(options);
      const calls = toolCalls(turn, index, options);
      const parts: LanguageModelV3StreamPart[] = [
        { type: "stream-start", warnings: [] },
        { type: "response-metadata", id: `replay-${index}`, modelId: `${REPLAY_PREFIX}${fixture.name}`, timestamp: new Date(0) },
      ];
      if (turn.reasoning) {
        const id = `reasoning-${index}`;
        parts.push({ type: "reasoning-start", id });
        for (const delta of splitDeltas(turn.reasoning)) parts.push({ type: "reasoning-delta", id, delta });
        parts.push({ type: "reasoning-end", id });
      }
      if (turn.text !== undefined) {
        const id = `text-${index}`;
        parts.push({ type: "text-start", id });
        for (const delta of splitDeltas(turn.text)) parts.push({ type: "text-delta", id, delta });
        parts.push({ type: "text-end", id });
      }
      for (const c of calls) {
        parts.push({ type: "tool-input-start", id: c.toolCallId, toolName: c.toolName });
        parts.push({ type: "tool-input-delta", id: c.toolCallId, delta: c.input });
        parts.push({ type: "tool-input-end", id: c.toolCallId });
        parts.push({ type: "tool-call", ...c });
      }
      parts.push({ type: "finish", finishReason: finishReason(calls.length > 0), usage: usageOf(turn) });

      const signal = options.abortSignal;
      let i = 0;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          if (signal?.aborted) {
            controller.error(signal.reason ?? new Error("aborted"));
            return;
          }
          const part = parts[i++];
          if (!part) {
            controller.close();
            return;
          }
          if (delayMs > 0 && (part.type === "text-delta" || part.type === "reasoning-delta")) await sleep(delayMs);
          controller.enqueue(part);
        },
      });
      return { stream };
    },
  };
}

/**
 * The offered name a recorded call means: the exact model name, the name of the ref it records
 * (`commerce.get_order`), or, for a bare tool name (`echo`), the one offered tool of that name on
 * whichever connector serves it.
 */
function offeredName(recorded: string, offered: string[], refs: ReadonlyMap<string, string> | undefined): string | { problem: string } {
  if (offered.includes(recorded)) return recorded;
  const exact = modelToolName(recorded);
  if (offered.includes(exact)) return exact;
  if (!recorded.includes(".") && refs) {
    const matches = offered.filter((n) => refs.get(n)?.split(".").slice(1).join(".") === recorded);
    if (matches.length === 1 && matches[0]) return matches[0];
    if (matches.length > 1) return { problem: `several offered tools are named (${matches.map((n) => refs.get(n)).join(", ")}): name one as connector.tool` };
  }
  return { problem: "this worker does not offer" };
}

function finishReason(hasToolCalls: boolean) {
  return hasToolCalls ? { unified: "tool-calls" as const, raw: "tool_calls" } : { unified: "stop" as const, raw: "stop" };
}

function usageOf(turn: ReplayTurn): LanguageModelV3Usage {
  return {
    inputTokens: { total: turn.usage.inputTokens, noCache: turn.usage.inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: turn.usage.outputTokens, text: turn.usage.outputTokens, reasoning: undefined },
  };
}

/** Splits text into deltas of a few words each, keeping every character (joined, they are the text). */
export function splitDeltas(text: string, wordsPerDelta = 3): string[] {
  const words = text.match(/\s*\S+\s*|\s+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerDelta) out.push(words.slice(i, i + wordsPerDelta).join(""));
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
