import "server-only";
import { sql } from "drizzle-orm";
import { rulesFromSchema } from "@/lib/decisions/value-rules";
import type { GovernedRules, RequestedRules } from "@/lib/governance/policy";
import { valueRuleEffect } from "@/lib/governance/value-rules";
import { missionDurationMs, type NodeKind } from "@/lib/mission/schema";
import type { ToolInfo } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import type { DecisionField } from "@/server/db/schema";
import { decisionIdFor, openDecision, settleTimedOut, type DecisionResolution, type TimeoutAction } from "@/server/decisions/lifecycle";
import { fieldTypeOf } from "@/server/decisions/values";
import { governDecision } from "@/server/governance/policies";
import { DECISION_MADE, decisionWaitExpression } from "@/server/contracts/events";
import { publish, setNodeStateIn } from "../state";
import type { NodeRun } from "./types";

/** How long a gated tool call (an action, a worker's proposal) waits for a human before it is rejected. */
export const TOOL_DECISION_TIMEOUT = "24h";

/**
 * Waits for a decision. Returns null when the `decision/made` event arrived (the caller reads
 * the authoritative resolution from the database in its next step), or the resolution applied by
 * the timeout.
 */
export async function waitForDecision<K extends NodeKind>(
  run: NodeRun<K>,
  stepBase: string,
  decisionId: string,
  timeout: string,
  onTimeout: TimeoutAction = { action: "reject", after: timeout },
): Promise<DecisionResolution | null> {
  const event = await run.step.waitForEvent(`${stepBase}:wait`, { event: DECISION_MADE, if: decisionWaitExpression(decisionId), timeout });
  if (event) return null;
  return run.step.run(`${stepBase}:timeout`, () => settleTimedOut(run.database, decisionId, onTimeout));
}

/** What a gated tool call asks for before any policy: one approver, a reason to reject, 24 hours. */
export const TOOL_GATE_REQUEST: RequestedRules = {
  approverRole: "approver",
  requiredApprovals: 1,
  separationOfDuties: false,
  reasonRequired: true,
  timeout: TOOL_DECISION_TIMEOUT,
  onTimeout: "reject",
};

/** An opened gate: the decision and how long to wait for it (a policy may have shortened it). */
export interface OpenedGate {
  decisionId: string;
  timeout: string;
}

/** A step result recorded before gates returned their timeout was the bare decision id. */
export function openedGate(recorded: OpenedGate | string): OpenedGate {
  return typeof recorded === "string" ? { decisionId: recorded, timeout: TOOL_DECISION_TIMEOUT } : recorded;
}

/** The admin policies' rules for one tool call, on top of the gate's own request. */
export async function governToolCall(db: Database, tool: string, info: ToolInfo | undefined, request: RequestedRules = TOOL_GATE_REQUEST): Promise<GovernedRules> {
  return governDecision(db.db, [{ kind: "tool", ref: tool, traits: info?.annotations ?? {} }], request);
}

/**
 * Opens a decision for a state-changing tool call (all arguments editable, each bounded by the
 * tool's input schema) under the admin policies that apply to the tool, and marks the node waiting.
 */
export async function openToolDecision<K extends NodeKind>(
  run: NodeRun<K>,
  input: { key: string; tool: string; args: Record<string, unknown>; context?: Record<string, unknown>; info?: ToolInfo; because?: string },
): Promise<OpenedGate> {
  const db = run.database;
  const info = input.info ?? (await run.deps.tools.listTools([input.tool]))[0];
  const governed = await governToolCall(db, input.tool, info);
  const effect = valueRuleEffect(governed, input.args);
  const due = new Date(Date.now() + missionDurationMs(governed.timeout));
  const rules = rulesFromSchema(info?.inputSchema);
  const fields: DecisionField[] = Object.entries(input.args).map(([name, v]) => ({
    name,
    label: name,
    type: fieldTypeOf(v),
    ...(rules[name] ? { rule: rules[name] } : {}),
  }));
  const [decisionId, obs] = await db.db.transaction(async (tx) => {
    const opened = await openDecision(
      db,
      {
        runId: run.runId,
        nodeId: run.node.id,
        key: input.key,
        kind: "tool",
        title: input.tool,
        proposed: input.args,
        fields,
        editable: fields.map((f) => f.name),
        context: { tool: input.tool, node: run.node.data.label, ...(input.because ? { because: input.because } : {}), ...input.context },
        approverRole: effect.approverRole as OpenDecisionRole,
        requiredApprovals: effect.requiredApprovals,
        separationOfDuties: governed.separationOfDuties,
        reasonRequired: governed.reasonRequired,
        dueAt: due,
        governance: governed,
      },
      tx,
    );
    const id = await setNodeStateIn(db, tx, run.runId, run.node.id, "waiting", {
      attempt: run.attempt,
      text: `${run.node.id} waiting for a decision on ${input.tool}`,
      dueAt: due,
      data: { decisionId: opened.decisionId },
    });
    return [opened.decisionId, id] as const;
  });
  publish(run.runId, obs);
  return { decisionId, timeout: governed.timeout };
}

type OpenDecisionRole = Parameters<typeof openDecision>[1]["approverRole"];

/**
 * Whether the Approval step that leads straight to a gated action already gave the agreement the
 * tool's policies demand for these arguments: enough approvers holding the role, none of them
 * barred by separation of duties, and no bound refused. The document wires the approval to the
 * action, but the document is the builder's; this check is the policy's. Returns why not, or null.
 */
export async function upstreamApprovalShortfall(run: NodeRun<"action">, tool: string, info: ToolInfo | undefined, args: Record<string, unknown>): Promise<string | null> {
  const db = run.database;
  const governed = await governToolCall(db, tool, info);
  const effect = valueRuleEffect(governed, args);
  if (effect.refused.length) {
    return `its arguments break ${effect.refused.map((c) => `"${c.rule.message || c.rule.expression}" (policy "${c.rule.policyName}")`).join(", ")}`;
  }
  const approvals = run.plan.graph.edges
    .filter((e) => e.target === run.node.id && run.plan.graph.nodes.some((n) => n.id === e.source && n.kind === "approval"))
    .map((e) => decisionIdFor(run.runId, e.source));
  if (!approvals.length) return "no approval leads to it";
  const voters = await db.rows<{ decision_id: string; decided_by: string | null; user_id: string | null; roles: string[] | null; barred: boolean }>(
    sql`select d.id as decision_id, d.decided_by, v.user_id,
               coalesce(v.roles, (select array_agg(ur.role) from user_role ur where ur.user_id = v.user_id)) as roles,
               coalesce(v.user_id = d.requested_by or v.user_id = d.version_author, false) as barred
        from decision d left join decision_vote v on v.decision_id = d.id and v.approve
        where d.id in ${sql`(${sql.join(approvals.map((a) => sql`${a}`), sql`, `)})`} and d.status = 'approved'`,
  );
  const byDecision = new Map<string, typeof voters>();
  for (const v of voters) byDecision.set(v.decision_id, [...(byDecision.get(v.decision_id) ?? []), v]);
  // Approved by the clock: enough only where every policy on the tool lets the clock approve.
  if (voters.some((v) => v.decided_by === "system:timeout")) {
    const clock = await governToolCall(db, tool, info, { ...TOOL_GATE_REQUEST, onTimeout: "approve" });
    if (clock.onTimeout === "approve") return null;
  }
  let best = 0;
  for (const rows of byDecision.values()) {
    const counted = rows.filter(
      (v) => v.user_id !== null && (v.roles ?? []).some((r) => r === effect.approverRole || r === "admin") && !(governed.separationOfDuties && v.barred),
    ).length;
    best = Math.max(best, counted);
  }
  if (best >= effect.requiredApprovals) return null;
  const who = effect.approverRole === "admin" ? "admins" : "approvers";
  const policies = governed.applied.map((p) => `"${p.name}"`).join(", ");
  return `${tool} needs ${effect.requiredApprovals} ${effect.requiredApprovals === 1 ? who.slice(0, -1) : who}${governed.separationOfDuties ? " other than the run's starter and the version's author" : ""}${policies ? ` (policy ${policies})` : ""}, and the approval before it had ${best}`;
}

/**
 * Who decided, as people read it in status texts and errors: the user's name (their id only if the
 * user is gone), "timeout" for the engine's own timeout, null when nobody is recorded. `decidedBy`
 * in node outputs stays the id: expressions and the audit trail need the stable one.
 */
export async function deciderName(database: Database, decidedBy: string | null): Promise<string | null> {
  if (!decidedBy) return null;
  if (decidedBy === "system:timeout") return "timeout";
  const [user] = await database.rows<{ name: string }>(sql`select name from "user" where id = ${decidedBy}`);
  return user?.name || decidedBy;
}

export async function rejectionText(database: Database, r: DecisionResolution): Promise<string> {
  return `Rejected by ${(await deciderName(database, r.decidedBy)) ?? "an approver"}: ${r.reason ?? "no reason given"}`;
}
