import { durationWords } from "@/lib/decisions/rules";
import { CLASS_WORDS, type ApprovalPolicy, type PolicyRules, type ToolClass, type ValueRule } from "./policy";

/** What a policy governs, as a heading reads it: "Every Approval step", "State-changing tools", "Tool commerce.issue_refund". */
export function describeScope(p: Pick<ApprovalPolicy, "scope" | "target">): string {
  if (p.scope === "approval_steps") return "Every Approval step";
  if (p.scope === "tool") return `Tool ${p.target}`;
  const words = CLASS_WORDS[p.target as ToolClass] ?? p.target;
  return `${words[0]?.toUpperCase() ?? ""}${words.slice(1)} tools`;
}

/** A value rule in words: "amount <= 500, else 2 approvers". */
export function describeValueRule(v: ValueRule): string {
  const o = v.otherwise;
  const otherwise =
    o.action === "refuse"
      ? "else the values are refused"
      : `else ${[o.requiredApprovals ? `${o.requiredApprovals} approvers` : null, o.approverRole ? `an ${o.approverRole}` : null].filter(Boolean).join(" and ") || "more approval"}`;
  return `${v.expression}, ${otherwise}${v.message ? ` — “${v.message}”` : ""}`;
}

/** The rules as short lines, strongest facts first. */
export function describeRules(r: PolicyRules): string[] {
  const lines = [
    `${r.requiredApprovals} ${r.approverRole === "admin" ? "admin" : "approver"}${r.requiredApprovals === 1 ? "" : "s"} must approve${r.approverRole === "approver" ? " (approvers or admins)" : ""}`,
    r.separationOfDuties ? "Not the run's starter or the version's author" : "The run's starter or the version's author may approve",
    r.reasonOnReject ? "A rejection needs a reason" : "A rejection needs no reason",
    r.maxTimeout ? `Waits at most ${durationWords(r.maxTimeout)}` : "No cap on how long it waits",
    r.allowAutoApprove ? "May be approved automatically at timeout" : "Never approved automatically",
  ];
  for (const v of r.valueRules) lines.push(describeValueRule(v));
  return lines;
}
