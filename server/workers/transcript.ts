import "server-only";
import { modelMessageSchema, type ModelMessage, type ToolResultPart } from "ai";
import { z } from "zod";
import type { ResumedToolResult } from "./types";

/** Tells the model why a second state-changing call from the same step did not run. */
export const NOT_RUN_MESSAGE = "Not run: state-changing actions are reviewed one at a time. Call it again if it is still needed.";

export function parseTranscript(transcript: unknown[] | undefined): ModelMessage[] | string {
  if (!transcript) return [];
  const parsed = z.array(modelMessageSchema).safeParse(transcript);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? "not a list of model messages";
  return parsed.data;
}

/** Model calls so far: each one left exactly one assistant message in the transcript. */
export function modelCallCount(messages: ModelMessage[]): number {
  return messages.filter((m) => m.role === "assistant").length;
}

export interface PendingCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** Tool calls in the transcript that no tool result answers yet. */
export function pendingToolCalls(messages: ModelMessage[]): PendingCall[] {
  const answered = new Set<string>();
  for (const m of messages) {
    if (m.role !== "tool") continue;
    for (const p of m.content) if (p.type === "tool-result") answered.add(p.toolCallId);
  }
  const pending: PendingCall[] = [];
  for (const m of messages) {
    if (m.role !== "assistant" || typeof m.content === "string") continue;
    for (const p of m.content) {
      if (p.type === "tool-call" && !p.providerExecuted && !answered.has(p.toolCallId)) {
        pending.push({ toolCallId: p.toolCallId, toolName: p.toolName, input: p.input });
      }
    }
  }
  return pending;
}

/**
 * Answers the proposed call with what the engine got after the decision, and any other calls left
 * from the same step with NOT_RUN_MESSAGE, so the conversation is complete for the next model call.
 */
export function appendResumedResult(messages: ModelMessage[], resume: ResumedToolResult): ModelMessage[] | string {
  const pending = pendingToolCalls(messages);
  if (!pending.some((p) => p.toolCallId === resume.toolCallId)) {
    return `the transcript has no unanswered tool call ${resume.toolCallId}`;
  }
  const parts: ToolResultPart[] = pending.map((p) => ({
    type: "tool-result",
    toolCallId: p.toolCallId,
    toolName: p.toolName,
    output: p.toolCallId === resume.toolCallId ? toOutput(resume.output, resume.isError) : { type: "error-text", value: NOT_RUN_MESSAGE },
  }));
  const last = messages.at(-1);
  if (last?.role === "tool") {
    return [...messages.slice(0, -1), { ...last, content: [...last.content, ...parts] }];
  }
  return [...messages, { role: "tool", content: parts }];
}

function toOutput(output: unknown, isError: boolean): ToolResultPart["output"] {
  if (typeof output === "string") return isError ? { type: "error-text", value: output } : { type: "text", value: output };
  const value = JSON.parse(JSON.stringify(output ?? null)) as Extract<ToolResultPart["output"], { type: "json" }>["value"];
  return isError ? { type: "error-json", value } : { type: "json", value };
}
