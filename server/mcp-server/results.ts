import "server-only";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describeProblems, type FieldProblem } from "@/lib/errors";

/** A tool's answer: the object as text (what every client shows) and as structured content. */
export function answer(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

/**
 * A refusal or a bad argument, as a tool error the assistant reads (not a protocol error): the
 * message, and each problem naming its field.
 */
export class ToolRefusal extends Error {
  constructor(
    message: string,
    readonly problems: FieldProblem[] = [],
    readonly reason?: string,
  ) {
    super(message);
  }
}

export function refusal(message: string, problems: FieldProblem[] = [], reason?: string): CallToolResult {
  const details = problems.length && !message.includes(describeProblems(problems)) ? ` (${describeProblems(problems)})` : "";
  return {
    content: [{ type: "text", text: `${message}${details}` }],
    structuredContent: { error: { message, ...(reason ? { reason } : {}), problems } },
    isError: true,
  };
}
