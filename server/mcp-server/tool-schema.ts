import "server-only";
import type { Tool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { WAIT_ARGUMENT } from "@/lib/mission/mcp-tool";
import { nodeTools } from "@/lib/mission/node-kinds";
import type { InputField, MissionGraph } from "@/lib/mission/schema";
import type { ToolInfo } from "@/server/connectors/tool-port";
import { DEFAULT_TEXT_MAX } from "@/server/runs/input";
import { MAX_RUN_WAIT_SECONDS } from "@/server/runs/wait";
import type { ExposedTool } from "./exposed";

/** How long a mission tool waits for the verdict when the caller does not say. */
export const DEFAULT_WAIT_SECONDS = 5;

function fieldJsonSchema(f: InputField): Record<string, unknown> {
  const about = { ...(f.label ? { title: f.label } : {}), ...(f.description ? { description: f.description } : {}) };
  switch (f.type) {
    case "number":
      return { type: "number", ...about };
    case "boolean":
      return { type: "boolean", ...about };
    case "email":
      return { type: "string", format: "email", maxLength: f.maxLength ?? 320, ...about };
    default:
      return { type: "string", maxLength: f.maxLength ?? DEFAULT_TEXT_MAX, ...about };
  }
}

/** The tool's input: the trigger's fields as JSON Schema, and how long to wait for the verdict. */
export function missionInputSchema(fields: InputField[]): Tool["inputSchema"] {
  const properties: Record<string, object> = Object.fromEntries(fields.map((f) => [f.name, fieldJsonSchema(f)]));
  properties[WAIT_ARGUMENT] = {
    type: "number",
    minimum: 0,
    maximum: MAX_RUN_WAIT_SECONDS,
    default: DEFAULT_WAIT_SECONDS,
    description: `Seconds to wait for the run's verdict before answering with its status (0–${MAX_RUN_WAIT_SECONDS}); a run that waits on an approval answers at once.`,
  };
  const required = fields.filter((f) => f.required).map((f) => f.name);
  return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

/**
 * Annotations as honest as the mission: read-only only when every connector tool its Actions and
 * Workers may call says it is read-only (unknown tools count as changing things); destructive
 * unless each changing tool says destructiveHint false; never idempotent (each call is a new run);
 * open-world when it calls any tool. `infos` is the connectors' view of those tools (null: unknown).
 */
export function missionAnnotations(tool: ExposedTool, infos: ToolInfo[] | null): ToolAnnotations {
  const refs = toolRefs(tool.graph);
  const byRef = new Map((infos ?? []).map((i) => [i.ref, i.annotations]));
  const changing = refs.filter((ref) => byRef.get(ref)?.readOnlyHint !== true);
  const destructive = changing.some((ref) => byRef.get(ref)?.destructiveHint !== false);
  return { title: tool.missionName, readOnlyHint: changing.length === 0, destructiveHint: destructive, idempotentHint: false, openWorldHint: refs.length > 0 };
}

/** Every connector tool the mission's steps may call (their kinds' `tools`: Actions and Workers). */
export function toolRefs(graph: MissionGraph): string[] {
  const refs = new Set<string>();
  for (const n of graph.nodes) for (const { tool } of nodeTools(n)) refs.add(tool);
  return [...refs].sort();
}
