import "server-only";
import { sql } from "drizzle-orm";
import type { NodeKind, Role } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import type { DecisionField } from "@/server/db/schema";
import { openDecision, settleTimedOut, type DecisionResolution, type TimeoutAction } from "@/server/decisions/lifecycle";
import { fieldTypeOf } from "@/server/decisions/values";
import { DECISION_MADE, decisionWaitExpression } from "../events";
import { durationMs } from "../inngest/durations";
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

/** Opens a decision for a state-changing tool call (all arguments editable) and marks the node waiting. */
export async function openToolDecision<K extends NodeKind>(
  run: NodeRun<K>,
  input: { key: string; tool: string; args: Record<string, unknown>; context?: Record<string, unknown> },
): Promise<string> {
  const db = run.database;
  const due = new Date(Date.now() + durationMs(TOOL_DECISION_TIMEOUT));
  const fields: DecisionField[] = Object.entries(input.args).map(([name, v]) => ({ name, label: name, type: fieldTypeOf(v) }));
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
        context: { tool: input.tool, node: run.node.data.label, ...input.context },
        approverRole: "approver" satisfies Role,
        requiredApprovals: 1,
        separationOfDuties: false,
        reasonRequired: true,
        dueAt: due,
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
  return decisionId;
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
