import "server-only";
import type { PolicySubject } from "@/lib/governance/policy";
import { valueRuleEffect } from "@/lib/governance/value-rules";
import { APPROVED_PORT_ID, REJECTED_PORT_ID } from "@/lib/mission/node-kinds";
import { missionDurationMs, type Role } from "@/lib/mission/schema";
import { decisionResolution, openDecision, type DecisionResolution } from "@/server/decisions/lifecycle";
import { governDecision } from "@/server/governance/policies";
import { publish, setNodeState, setNodeStateIn } from "../state";
import { PermanentError } from "../step-port";
import { coerce, evaluateField } from "./evaluate";
import { deciderName, waitForDecision } from "./gate";
import { caseApproval, simulationOf, unansweredApproval } from "./simulation";
import type { NodeHandler, NodeOutcome, NodeRun } from "./types";
import type { RunSimulation } from "@/server/db/schema";

/** What the open step records: the decision and the timeout rules in force (a policy may change the node's). */
interface OpenedApproval {
  decisionId: string;
  timeout: string;
  onTimeout: "reject" | "approve" | "escalate";
  escalateTo: Role | null;
}

/**
 * Opens a decision with the proposed values under the admin policies for Approval steps and for the
 * gated tools this step leads straight to (the stricter of them and the node's own settings), waits
 * for `decision/made`, and on timeout follows the governed onTimeout: reject, approve, or escalate
 * (reassign, wait once more with the same timeout, then reject).
 * Output: { approved, values, reason, decidedBy }.
 */
export const approvalNode: NodeHandler<"approval"> = async (run) => {
  const { node, step } = run;
  const data = node.data;
  const base = `node:${node.id}`;

  const simulation = simulationOf(run);
  if (simulation) return simulatedApproval(run, simulation);

  const recorded = await step.run<OpenedApproval | string>(`${base}:open`, async () => {
    const proposed = proposedValues(run);
    const db = run.database;
    const governed = await governDecision(db.db, await approvalSubjects(run), {
      approverRole: data.approverRole,
      requiredApprovals: data.requiredApprovals,
      separationOfDuties: data.separationOfDuties,
      reasonRequired: data.reasonRequiredOnReject,
      timeout: data.timeout,
      onTimeout: data.onTimeout,
      escalateTo: data.escalateTo ?? null,
    });
    const effect = valueRuleEffect(governed, proposed);
    const due = new Date(Date.now() + missionDurationMs(governed.timeout));
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
          approverRole: effect.approverRole as Role,
          requiredApprovals: effect.requiredApprovals,
          separationOfDuties: governed.separationOfDuties,
          reasonRequired: governed.reasonRequired,
          dueAt: due,
          governance: governed,
        },
        tx,
      );
      const waiting = await setNodeStateIn(db, tx, run.runId, node.id, "waiting", {
        attempt: run.attempt,
        text: `${node.id} waiting for a decision (${effect.approverRole})`,
        dueAt: due,
        data: { decisionId: opened.decisionId },
      });
      return [opened.decisionId, waiting] as const;
    });
    publish(run.runId, obs);
    const opened: OpenedApproval = { decisionId: id, timeout: governed.timeout, onTimeout: governed.onTimeout, escalateTo: (governed.escalateTo as Role | null) ?? null };
    return opened;
  });
  // Runs opened before policies recorded only the id: they keep the node's own rules.
  const opened: OpenedApproval =
    typeof recorded === "string" ? { decisionId: recorded, timeout: data.timeout, onTimeout: data.onTimeout, escalateTo: data.escalateTo ?? null } : recorded;
  const { decisionId, timeout } = opened;

  let settled: DecisionResolution | null;
  if (opened.onTimeout === "escalate" && opened.escalateTo) {
    settled = await waitForDecision(run, base, decisionId, timeout, {
      action: "escalate",
      to: opened.escalateTo,
      dueAt: new Date(Date.now() + missionDurationMs(timeout)),
      after: timeout,
    });
    if (settled?.status === "pending") {
      settled = await waitForDecision(run, `${base}:escalated`, decisionId, timeout, { action: "reject", after: `${timeout} after escalation` });
    }
  } else {
    settled = await waitForDecision(run, base, decisionId, timeout, {
      action: opened.onTimeout === "approve" ? "approve" : "reject",
      after: timeout,
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

/** The values the step proposes, from its expressions, typed as its fields. */
function proposedValues(run: NodeRun<"approval">): Record<string, unknown> {
  const { node } = run;
  const scope = run.scope();
  const proposed: Record<string, unknown> = {};
  for (const [i, p] of node.data.proposed.entries()) {
    proposed[p.name] = coerce(node.id, `proposed[${i}].${p.name}`, evaluateField(node.id, `proposed[${i}].expression`, p.expression, scope), p.type);
  }
  return proposed;
}

/**
 * An Approval step of a simulated run: answered by the test case (approve with its values over the
 * proposed ones, or reject) in one step, without a decision, so nobody is asked and nothing enters
 * the Decision Queue. A case that does not answer it fails the step, saying so.
 */
async function simulatedApproval(run: NodeRun<"approval">, simulation: RunSimulation): Promise<NodeOutcome> {
  const { node } = run;
  const output = await run.step.run(`node:${node.id}:simulated`, async () => {
    const answer = caseApproval(run, simulation);
    if (!answer) throw unansweredApproval(run);
    const value = { approved: answer.approve, values: { ...proposedValues(run), ...(answer.values ?? {}) }, reason: answer.reason ?? null, decidedBy: "simulation" };
    await setNodeState(run.database, run.runId, node.id, "succeeded", {
      output: value,
      attempt: run.attempt,
      text: `${node.id} ${answer.approve ? "approved" : "rejected"} by ${simulation.testCaseId ? "the test case" : "the simulation"} (simulated: nobody was asked)`,
      data: { simulated: true, decision: answer.approve ? "approved" : "rejected" },
    });
    return value;
  });
  return { output, port: output.approved ? APPROVED_PORT_ID : REJECTED_PORT_ID };
}

/**
 * What this Approval answers for: every Approval step, and each gated tool its "approved" port
 * leads straight to (the action will not ask again, so the tool's policies must be met here).
 */
async function approvalSubjects(run: NodeRun<"approval">): Promise<PolicySubject[]> {
  const { graph } = run.plan;
  const tools = [
    ...new Set(
      graph.edges
        .filter((e) => e.source === run.node.id && e.sourceHandle === APPROVED_PORT_ID)
        .map((e) => graph.nodes.find((n) => n.id === e.target))
        .flatMap((n) => (n?.kind === "action" && n.data.tool ? [n.data.tool] : [])),
    ),
  ];
  const subjects: PolicySubject[] = [{ kind: "approval_step" }];
  if (!tools.length) return subjects;
  for (const info of await run.deps.tools.listTools(tools)) {
    if (info.policy === "gated") subjects.push({ kind: "tool", ref: info.ref, traits: info.annotations });
  }
  return subjects;
}
