import "server-only";
import { APPROVED_PORT_ID, REJECTED_PORT_ID } from "@/lib/mission/node-kinds";
import { decisionResolution, openDecision, type DecisionResolution } from "@/server/decisions/lifecycle";
import { durationMs } from "../inngest/durations";
import { publish, setNodeState, setNodeStateIn } from "../state";
import { PermanentError } from "../step-port";
import { coerce, evaluateField } from "./evaluate";
import { deciderName, waitForDecision } from "./gate";
import type { NodeHandler } from "./types";

/**
 * Opens a decision with the proposed values, waits for `decision/made` (timeout = node.timeout),
 * and on timeout follows onTimeout: reject, approve, or escalate (reassign to escalateTo, wait
 * once more with the same timeout, then reject). Output: { approved, values, reason, decidedBy }.
 */
export const approvalNode: NodeHandler<"approval"> = async (run) => {
  const { node, step } = run;
  const data = node.data;
  const base = `node:${node.id}`;

  const decisionId = await step.run(`${base}:open`, async () => {
    const scope = run.scope();
    const proposed: Record<string, unknown> = {};
    for (const [i, p] of data.proposed.entries()) {
      proposed[p.name] = coerce(node.id, `proposed[${i}].${p.name}`, evaluateField(node.id, `proposed[${i}].expression`, p.expression, scope), p.type);
    }
    const db = run.database;
    const due = new Date(Date.now() + durationMs(data.timeout));
    const [id, obs] = await db.db.transaction(async (tx) => {
      const opened = await openDecision(
        db,
        {
          runId: run.runId,
          nodeId: node.id,
          key: node.id,
          kind: "approval",
          title: data.title || data.label || node.id,
          proposed,
          fields: data.proposed.map((p) => ({ name: p.name, label: p.label || p.name, type: p.type })),
          editable: data.proposed.filter((p) => p.editable).map((p) => p.name),
          context: { node: data.label },
          approverRole: data.approverRole,
          requiredApprovals: data.requiredApprovals,
          separationOfDuties: data.separationOfDuties,
          reasonRequired: data.reasonRequiredOnReject,
          dueAt: due,
        },
        tx,
      );
      const waiting = await setNodeStateIn(db, tx, run.runId, node.id, "waiting", {
        attempt: run.attempt,
        text: `${node.id} waiting for a decision (${data.approverRole})`,
        dueAt: due,
        data: { decisionId: opened.decisionId },
      });
      return [opened.decisionId, waiting] as const;
    });
    publish(run.runId, obs);
    return id;
  });

  let settled: DecisionResolution | null;
  if (data.onTimeout === "escalate" && data.escalateTo) {
    const to = data.escalateTo;
    settled = await waitForDecision(run, base, decisionId, data.timeout, {
      action: "escalate",
      to,
      dueAt: new Date(Date.now() + durationMs(data.timeout)),
      after: data.timeout,
    });
    if (settled?.status === "pending") {
      settled = await waitForDecision(run, `${base}:escalated`, decisionId, data.timeout, { action: "reject", after: `${data.timeout} after escalation` });
    }
  } else {
    settled = await waitForDecision(run, base, decisionId, data.timeout, {
      action: data.onTimeout === "approve" ? "approve" : "reject",
      after: data.timeout,
    });
  }

  const output = await step.run(`${base}:done`, async () => {
    const r = settled ?? (await decisionResolution(run.database, decisionId));
    if (r.status === "pending") throw new PermanentError(`${node.id}: decision ${decisionId} was reported as made but is still pending`);
    const value = { approved: r.approved, values: r.values, reason: r.reason, decidedBy: r.decidedBy };
    const who = await deciderName(run.database, r.decidedBy);
    await setNodeState(run.database, run.runId, node.id, "succeeded", {
      output: value,
      attempt: run.attempt,
      text: `${node.id} ${r.approved ? "approved" : r.status === "expired" ? "expired" : "rejected"}${who ? ` by ${who}` : ""}`,
      data: { decisionId, decision: r.status },
    });
    return value;
  });
  return { output, port: output.approved ? APPROVED_PORT_ID : REJECTED_PORT_ID };
};
