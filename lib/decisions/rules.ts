import { REJECTED_PORT_ID } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";

/** The approval node's rules as an approver reads them. */

export type TimeoutOutcome = "reject" | "approve" | "escalate";

export interface ExpiryRule {
  onTimeout: TimeoutOutcome;
  /** The role an escalation hands the decision to. */
  escalateTo?: string | null;
  /** The node's timeout, like `24h`: an escalated decision gets it once more. */
  timeout: string;
  /** It was escalated already: the next expiry rejects it. */
  escalated: boolean;
  /** What a rejection does to this run (afterRejection); the rejected path when not given. */
  rejected?: AfterRejection;
}

/** What rejecting a decision does to its run, which depends on the step that asked and how it is drawn. */
export type AfterRejection =
  /** An Approval step with a connection from its "rejected" port. */
  | "rejected_path"
  /** An Approval step with nothing on its "rejected" port: the steps after it are skipped. */
  | "dead_end"
  /** An Action whose "rejected" port is connected. */
  | "action_rejected_path"
  /** An Action with nothing on its "rejected" port: the run fails. */
  | "run_fails"
  /** A call an AI Worker proposed: the Worker is told, and carries on. */
  | "worker_told";

/** What rejecting the decision of `nodeId` does, read from the run's pinned graph (null: not known, say the rejected path). */
export function afterRejection(graph: MissionGraph | null, nodeId: string): AfterRejection {
  const node = graph?.nodes.find((n) => n.id === nodeId);
  if (!graph || !node) return "rejected_path";
  const rejectedEdge = graph.edges.some((e) => e.source === nodeId && e.sourceHandle === REJECTED_PORT_ID);
  if (node.kind === "worker") return "worker_told";
  if (node.kind === "action") return rejectedEdge ? "action_rejected_path" : "run_fails";
  return rejectedEdge ? "rejected_path" : "dead_end";
}

/** What happens after a rejection, completing "Rejected: …" or "…, and then …". */
export function whenRejected(after: AfterRejection): string {
  switch (after) {
    case "dead_end":
      return "nothing is connected to its rejected path, so the steps after it are skipped";
    case "action_rejected_path":
      return "the tool is not called and the run takes the action's rejected path";
    case "run_fails":
      return "the tool is not called and the run fails (the action has no rejected path)";
    case "worker_told":
      return "the tool is not called; the AI Worker is told and carries on without it";
    default:
      return "the run takes its rejected path";
  }
}

const UNITS: Record<string, [string, string]> = { s: ["second", "seconds"], m: ["minute", "minutes"], h: ["hour", "hours"], d: ["day", "days"] };

/** `24h` → `24 hours`, `1d` → `1 day`; anything else is returned as it is. */
export function durationWords(d: string): string {
  const m = /^(\d+)([smhd])$/.exec(d);
  if (!m?.[1] || !m[2]) return d;
  const n = Number(m[1]);
  const unit = UNITS[m[2]] as [string, string];
  return `${n} ${n === 1 ? unit[0] : unit[1]}`;
}

/** What happens when nobody decides in time, completing "If nobody decides in time, …". */
export function atExpiry(rule: ExpiryRule): string {
  if (rule.onTimeout === "approve") return "it is approved automatically with the proposed values";
  if (rule.onTimeout === "escalate" && rule.escalateTo && !rule.escalated) {
    return `it is escalated to the ${rule.escalateTo} role, who get ${durationWords(rule.timeout)} more before it is rejected`;
  }
  return `it is rejected automatically: ${whenRejected(rule.rejected ?? "rejected_path")}`;
}

/** "1 of 2 approvals". */
export function approvalProgress(approvals: number, required: number): string {
  return `${approvals} of ${required} approval${required === 1 ? "" : "s"}`;
}
