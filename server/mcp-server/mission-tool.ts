import "server-only";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { WAIT_ARGUMENT } from "@/lib/mission/mcp-tool";
import { userActor } from "@/server/audit/record";
import type { SessionUser } from "@/server/auth/users";
import type { Database } from "@/server/db/database";
import { getEngineDeps } from "@/server/engine/deps";
import { getRun, startRun } from "@/server/runs/service";
import { MAX_RUN_WAIT_SECONDS, runHasEnded, waitForRunEnd } from "@/server/runs/wait";
import type { ExposedTool } from "./exposed";
import { watchRunProgress, type RunProgress } from "./progress";
import { answer, ToolRefusal } from "./results";
import { runSummary } from "./steward-tools";
import { DEFAULT_WAIT_SECONDS, missionAnnotations, missionInputSchema, toolRefs } from "./tool-schema";

/** The role that starts runs over the API (POST /api/v1/missions/{id}/runs): a tool call is one. */
export const START_ROLE = "builder";

/** The MCP tool of an exposed mission. */
export async function missionTool(tool: ExposedTool): Promise<Tool> {
  const infos = await getEngineDeps()
    .tools.listTools(toolRefs(tool.graph))
    .catch(() => null);
  const description = tool.description.trim() || tool.graph.description?.trim() || `Starts a run of the Steward mission "${tool.missionName}".`;
  return {
    name: tool.name,
    title: tool.missionName,
    description: `${description}\n\nStarts a governed Steward run (version ${tool.versionNumber}): its approvals wait in Steward's Decision Queue. Answers with the run id, its status and, when it ends within ${WAIT_ARGUMENT} seconds, its verdict.`,
    inputSchema: missionInputSchema(tool.fields),
    annotations: missionAnnotations(tool, infos),
  };
}

function waitSeconds(args: Record<string, unknown>): number {
  const raw = args[WAIT_ARGUMENT];
  if (raw === undefined || raw === null) return DEFAULT_WAIT_SECONDS;
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0 || raw > MAX_RUN_WAIT_SECONDS) {
    throw new ToolRefusal(`Invalid ${WAIT_ARGUMENT}`, [{ path: WAIT_ARGUMENT, message: `must be a number of seconds from 0 to ${MAX_RUN_WAIT_SECONDS}` }]);
  }
  return raw;
}

export interface MissionCall {
  user: SessionUser;
  args: unknown;
  signal: AbortSignal;
  /** Sends a progress notification when the caller asked for them (a progress token). */
  progress: ((p: RunProgress) => Promise<void>) | null;
}

/**
 * Starts a run of the tool's published version as the key's owner (on the API channel, "via MCP"),
 * then waits up to the caller's wait for its end, reporting progress meanwhile. Answers with what
 * get_run says, so an assistant reads one shape.
 */
export async function callMissionTool(database: Database, tool: ExposedTool, call: MissionCall): Promise<{ result: CallToolResult; runId: string }> {
  if (!call.user.roles.includes(START_ROLE)) {
    throw new ToolRefusal(`Starting a run of "${tool.missionName}" needs the ${START_ROLE} role; this key acts as ${call.user.email} (${call.user.roles.join(", ") || "no role"})`, [], "forbidden");
  }
  if (call.args !== undefined && (typeof call.args !== "object" || call.args === null || Array.isArray(call.args))) {
    throw new ToolRefusal("The arguments must be an object of the mission's inputs", [{ path: "arguments", message: "must be an object" }]);
  }
  const { [WAIT_ARGUMENT]: _wait, ...input } = (call.args ?? {}) as Record<string, unknown>;
  const wait = waitSeconds(call.args as Record<string, unknown>);
  const { runId } = await startRun(
    database,
    { missionId: tool.missionId, versionId: tool.versionId, input, channel: "api", userId: call.user.id },
    { actor: userActor(call.user), via: `MCP tool ${tool.name}` },
  );
  const stop = call.progress ? watchRunProgress(database, runId, call.progress) : () => {};
  try {
    if (wait > 0) await waitUntilEndOrDecision(database, runId, wait * 1000, call.signal);
  } finally {
    stop();
  }
  const run = await getRun(database, runId);
  return { result: answer({ ...runSummary(run), ended: runHasEnded(run.status) }), runId };
}

/** Waits for the run to end, or to wait on a person (then waiting longer tells the caller nothing). */
async function waitUntilEndOrDecision(database: Database, runId: string, ms: number, signal: AbortSignal): Promise<void> {
  const waiting = new AbortController();
  const onAbort = () => waiting.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  const stop = watchRunProgress(database, runId, (p) => {
    if (p.status === "waiting") waiting.abort();
  });
  try {
    await waitForRunEnd(database, runId, ms, waiting.signal);
  } finally {
    stop();
    signal.removeEventListener("abort", onAbort);
  }
}
