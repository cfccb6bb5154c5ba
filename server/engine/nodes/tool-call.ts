import "server-only";
import type { NodeKind } from "@/lib/mission/schema";
import { isConnectorError } from "@/server/connectors/errors";
import type { ToolCallResult } from "@/server/connectors/tool-port";
import { PermanentError } from "../step-port";
import type { NodeRun } from "./types";

/**
 * The engine's call of a tool on a system of record (an action, a Worker's approved proposal): the
 * server's definition is listed again first, so a tool changed since approval on a live connection
 * is caught even without a list_changed notification; and a connector error that running the step
 * again cannot cure (the tool withheld, changed, disallowed, unknown, refused by the server) fails
 * the step at once with its own words instead of being retried (docs/connectors.md).
 */
export async function callToolOnce<K extends NodeKind>(run: NodeRun<K>, tool: string, args: Record<string, unknown>, idempotencyKey: string): Promise<ToolCallResult> {
  try {
    return await run.deps.tools.callTool(tool, args, { idempotencyKey, recheck: true });
  } catch (e) {
    if (isConnectorError(e) && !e.retryable) throw new PermanentError(e.message, { cause: e });
    throw e;
  }
}

/** Why the connector layer does not offer `tool`, in its words, for the node's error. */
export async function unavailableText<K extends NodeKind>(run: NodeRun<K>, tool: string): Promise<string> {
  const reason = await run.deps.tools.unavailableReason?.(tool);
  return reason ?? `tool ${tool} is not available (unknown tool, or its connector is disabled)`;
}

/** An action's value: the tool's structured or JSON value, else its text (a plain-text answer is not null). */
export function toolOutput(result: ToolCallResult): unknown {
  return result.value === undefined || (result.value === null && result.text.trim() !== "null") ? result.text : result.value;
}
