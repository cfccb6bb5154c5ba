import "server-only";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { isAppError } from "@/lib/errors";
import { findUnstorableText } from "@/lib/storable-text";
import { recordAudit, requestActor } from "@/server/audit/record";
import type { SessionUser } from "@/server/auth/users";
import type { Database } from "@/server/db/database";
import { DecisionError } from "@/server/decisions/errors";
import { RunError } from "@/server/runs/errors";
import { isOffered, listExposedTools, offeredTool } from "./exposed";
import { callMissionTool, missionTool, START_ROLE } from "./mission-tool";
import { refusal, ToolRefusal } from "./results";
import { listRunAuditResources, readRunAuditResource, RUN_AUDIT_TEMPLATE } from "./resources";
import { decideTool, DECIDE, GET_RUN, getRunTool, LIST_PENDING_DECISIONS, listPendingDecisionsTool, mayDecide } from "./steward-tools";

export const MCP_SERVER_NAME = "steward";

/** What a call did, for its audit entry. */
interface Done {
  result: CallToolResult;
  runId?: string;
  decisionId?: string;
}

/**
 * Steward as an MCP server for one caller (an API key's owner, with their roles now): the missions
 * builders exposed as tools (to those who may start runs), get_run, and the Decision Queue (to those
 * who may decide). Stateless: the HTTP route builds one per request.
 */
export function createStewardMcpServer(database: Database, user: SessionUser): Server {
  const server = new Server(
    { name: MCP_SERVER_NAME, title: "Steward", version: "1.0.0" },
    {
      capabilities: { tools: { listChanged: false }, resources: {} },
      instructions:
        "Steward runs governed missions. A mission tool starts a run as the key's owner; its approvals wait in Steward's Decision Queue for a person (or for decide, under the same rules). Read a run with get_run.",
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const tools: Tool[] = [GET_RUN];
    if (mayDecide(user)) tools.push(LIST_PENDING_DECISIONS, DECIDE);
    if (user.roles.includes(START_ROLE)) {
      for (const t of (await listExposedTools(database)).filter(isOffered)) tools.push(await missionTool(t));
    }
    return { tools };
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [RUN_AUDIT_TEMPLATE] }));
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: await listRunAuditResources(database) }));
  server.setRequestHandler(ReadResourceRequestSchema, (req) => readRunAuditResource(database, req.params.uri));

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const { name, arguments: args } = req.params;
    const token = req.params._meta?.progressToken;
    let done: Done;
    try {
      done = await dispatch(name, args);
    } catch (e) {
      done = { result: asRefusal(e) };
    }
    await recordAudit(database, {
      action: "mcp.tool_called",
      actor: requestActor(user),
      targetType: "mcp_tool",
      targetId: name.slice(0, 300),
      runId: done.runId ?? null,
      data: {
        via: "MCP",
        tool: name.slice(0, 300),
        outcome: done.result.isError ? "refused" : "ok",
        ...(done.result.isError ? { message: textOf(done.result).slice(0, 2_000) } : {}),
        ...(done.decisionId ? { decisionId: done.decisionId } : {}),
      },
    });
    return done.result;

    async function dispatch(tool: string, a: unknown): Promise<Done> {
      // Text PostgreSQL cannot store (NUL, a lone surrogate) is refused by name, as the REST API does.
      const bad = findUnstorableText(a ?? {}, []);
      if (bad) throw new ToolRefusal(`Invalid arguments: ${bad.path} ${bad.message}`, [bad]);
      switch (tool) {
        case GET_RUN.name:
          return getRunTool(database, a);
        case LIST_PENDING_DECISIONS.name:
          return { result: await listPendingDecisionsTool(database, user, a) };
        case DECIDE.name:
          return decideTool(database, user, a);
      }
      const exposed = await offeredTool(database, tool);
      if (!exposed) throw new ToolRefusal(`No tool named "${tool}": it is not a mission exposed as a tool, or an admin revoked it, or its mission was archived`, [{ path: "name", message: "is not an offered tool" }], "unknown_tool");
      const progress =
        token === undefined
          ? null
          : async (p: { status: string; done: number; total: number }) =>
              extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: p.done, total: p.total, message: `Run ${p.status}: ${p.done} of ${p.total} steps done` } });
      return callMissionTool(database, exposed, { user, args: a, signal: extra.signal, progress });
    }
  });
  return server;
}

/** Refusals and bad arguments become tool errors naming the field; anything unexpected is logged and said plainly. */
function asRefusal(e: unknown): CallToolResult {
  if (e instanceof ToolRefusal) return refusal(e.message, e.problems, e.reason);
  if (e instanceof DecisionError || e instanceof RunError) return refusal(e.message, e.problems, e.reason);
  if (isAppError(e)) return refusal(e.message, e.problems, e.code);
  console.error("MCP tool call failed:", e);
  return refusal("Something went wrong on Steward's side. The error was logged.", [], "internal");
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join(" ");
