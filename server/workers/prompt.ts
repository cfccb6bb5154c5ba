import "server-only";
import type { WorkerData } from "@/lib/mission/schema";
import { describeOutputs } from "./output-schema";

export function buildSystemPrompt(data: WorkerData, context: Record<string, unknown>, gatedTools: string[]): string {
  const parts: string[] = [];
  parts.push(data.instructions.trim() || "Complete the task using the context and tools below.");
  parts.push(
    [
      "## Context",
      "The values in scope, as JSON: `trigger` is the request that started this run; other keys are the outputs of earlier steps, by step id.",
      "```json",
      JSON.stringify(context, null, 2),
      "```",
    ].join("\n"),
  );
  if (gatedTools.length) {
    parts.push(
      [
        "## Actions that need approval",
        `These tools change things: ${gatedTools.join(", ")}. A person reviews each call before it runs; you receive the result (or the reason it was rejected) afterwards. Call them only when the task requires it, one at a time.`,
      ].join("\n"),
    );
  }
  if (data.outputs.length) {
    parts.push(
      [
        "## Final answer",
        "When you have what you need, reply with only a JSON object — no prose, no code fence — with exactly these fields, all required:",
        describeOutputs(data.outputs),
      ].join("\n"),
    );
  } else {
    parts.push("## Final answer\nWhen you are done, reply with a short plain-text answer.");
  }
  return parts.join("\n\n");
}

export const START_MESSAGE = "Begin.";

export function repairMessage(problem: string, data: WorkerData): string {
  return [
    `Your final answer was not valid: ${problem}.`,
    "Reply again with only a JSON object with exactly these fields, all required:",
    describeOutputs(data.outputs),
  ].join("\n");
}
