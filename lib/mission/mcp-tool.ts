import type { TriggerData } from "./schema";

/**
 * A mission offered as a tool of Steward's MCP server ("Expose as a tool" on the trigger): the
 * rules its name follows, shared by the editor's Problems and the server's tool list.
 */

/** The MCP server's own tools: a mission cannot take their names. */
export const BUILT_IN_MCP_TOOLS = ["get_run", "list_pending_decisions", "decide"] as const;

/** The argument a caller sets how long to wait for the run's verdict with; no trigger field may take its name. */
export const WAIT_ARGUMENT = "wait_seconds";

/** A problem in the trigger's data (node-kinds' DataProblem). */
export interface ToolProblem {
  path: (string | number)[];
  message: string;
}

export function mcpToolProblems(data: TriggerData): ToolProblem[] {
  if (!data.tool) return [];
  const problems: ToolProblem[] = [];
  if ((BUILT_IN_MCP_TOOLS as readonly string[]).includes(data.tool.name)) {
    problems.push({ path: ["tool", "name"], message: `"${data.tool.name}" is one of Steward's own MCP tools; pick another name` });
  }
  const i = data.fields.findIndex((f) => f.name === WAIT_ARGUMENT);
  if (i >= 0) problems.push({ path: ["fields", i, "name"], message: `"${WAIT_ARGUMENT}" is how an assistant says how long to wait for the verdict; rename this input` });
  // A tool call is an API call made by the key's owner: it starts the run on the api channel.
  if (!data.channels.includes("api")) {
    problems.push({ path: ["channels"], message: "a mission exposed as a tool is started through the API: turn on the API channel" });
  }
  return problems;
}
