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
  return "it is rejected automatically and the run takes its rejected path";
}

/** "1 of 2 approvals". */
export function approvalProgress(approvals: number, required: number): string {
  return `${approvals} of ${required} approval${required === 1 ? "" : "s"}`;
}
