import "server-only";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { zodProblems } from "@/lib/errors";
import type { SessionUser } from "@/server/auth/users";
import type { Database } from "@/server/db/database";
import { decideAs } from "@/server/decisions/decide-as";
import { listDecisionInbox } from "@/server/decisions/inbox";
import { getEngineDeps } from "@/server/engine/deps";
import { getRun, type RunView } from "@/server/runs/service";
import { answer, ToolRefusal } from "./results";

// Steward's own MCP tools: a run's state, the Decision Queue, and a vote in it. Decisions go
// through the queue's own code (inbox.ts, decide-as.ts), so an assistant meets exactly the rules a
// person does: role, separation of duties, four-eyes, a reason to reject.

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export const GET_RUN: Tool = {
  name: "get_run",
  title: "Get a run",
  description: "A Steward run's status, verdict, each step's state, and the decisions it waits on.",
  inputSchema: { type: "object", properties: { runId: { type: "string", description: "The run's id (as a mission tool returned it)." } }, required: ["runId"], additionalProperties: false },
  annotations: READ,
};

export const LIST_PENDING_DECISIONS: Tool = {
  name: "list_pending_decisions",
  title: "List pending decisions",
  description: "The pending decisions of Steward's Decision Queue this key's owner may decide, soonest due first.",
  inputSchema: {
    type: "object",
    properties: {
      missionId: { type: "string", description: "Only this mission's decisions." },
      limit: { type: "number", minimum: 1, maximum: 200, default: 50 },
    },
    additionalProperties: false,
  },
  annotations: READ,
};

export const DECIDE: Tool = {
  name: "decide",
  title: "Decide",
  description:
    "Approve or reject a pending decision of Steward's Decision Queue, as the key's owner, under the decision's rules (approver role, separation of duties, four-eyes, a reason to reject). Values may change the proposal's editable fields.",
  inputSchema: {
    type: "object",
    properties: {
      decisionId: { type: "string" },
      approve: { type: "boolean", description: "true approves, false rejects." },
      values: { type: "object", description: "New values for the proposal's editable fields (approving only)." },
      reason: { type: "string", maxLength: 2000, description: "Why; required to reject when the decision says so." },
    },
    required: ["decisionId", "approve"],
    additionalProperties: false,
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

/** Whether the user can decide anything at all (the queue's roles). */
export const mayDecide = (user: SessionUser): boolean => user.roles.includes("approver") || user.roles.includes("admin");

function parse<T extends z.ZodType>(schema: T, args: unknown): z.infer<T> {
  const parsed = schema.safeParse(args ?? {});
  if (!parsed.success) throw new ToolRefusal("Invalid arguments", zodProblems(parsed.error.issues));
  return parsed.data;
}

const strict = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape, { error: (i) => (i.code === "unrecognized_keys" ? `unknown argument ${i.keys.join(", ")}` : undefined) });

/** A run as an assistant needs it: no outputs of steps (they can be large), the decisions it waits on. */
export function runSummary(run: RunView): Record<string, unknown> {
  return {
    runId: run.id,
    mission: { id: run.missionId, name: run.missionName, version: run.versionNumber },
    status: run.status,
    verdict: run.verdict,
    error: run.error,
    startedBy: run.startedBy,
    createdAt: run.createdAt,
    endedAt: run.endedAt,
    steps: run.nodes.map((n) => ({ id: n.nodeId, label: n.label, kind: n.kind, status: n.status, ...(n.error ? { error: n.error } : {}) })),
    waitingOn: run.pendingDecisions.map((d) => ({ decisionId: d.id, step: d.nodeId, title: d.title, approverRole: d.approverRole, approvals: d.approvals, requiredApprovals: d.requiredApprovals, dueAt: d.dueAt })),
  };
}

export async function getRunTool(database: Database, args: unknown): Promise<{ result: CallToolResult; runId: string }> {
  const { runId } = parse(strict({ runId: z.string({ error: "must be a run id" }).min(1, "must be a run id").max(100) }), args);
  return { result: answer(runSummary(await getRun(database, runId))), runId };
}

export async function listPendingDecisionsTool(database: Database, user: SessionUser, args: unknown): Promise<CallToolResult> {
  const q = parse(strict({ missionId: z.string().min(1).max(100).optional(), limit: z.number({ error: "must be a number" }).int().min(1).max(200).default(50) }), args);
  const { items } = await listDecisionInbox(database, user, { status: "pending", scope: "mine", ...q });
  return answer({
    decisions: items.map((d) => ({
      decisionId: d.id,
      runId: d.runId,
      mission: d.missionName,
      title: d.title,
      summary: d.summary,
      approverRole: d.approverRole,
      approvals: d.approvals,
      requiredApprovals: d.requiredApprovals,
      separationOfDuties: d.separationOfDuties,
      dueAt: d.dueAt,
      canDecide: d.canDecide,
      ...(d.blocked ? { blocked: d.blocked.message } : {}),
    })),
  });
}

export async function decideTool(database: Database, user: SessionUser, args: unknown): Promise<{ result: CallToolResult; runId: string; decisionId: string }> {
  const { decisionId, ...vote } = parse(
    strict({ decisionId: z.string({ error: "must be a decision id" }).min(1, "must be a decision id").max(100), approve: z.unknown().optional(), values: z.unknown().optional(), reason: z.unknown().optional() }),
    args,
  );
  // The vote's own fields are checked by the queue (decideRequest), which names them.
  const outcome = await decideAs(database, user, decisionId, vote, getEngineDeps().send);
  return { result: answer({ ...outcome, decisionId }), runId: outcome.runId, decisionId };
}
