import { z } from "zod";
import { durationSchema, missionDurationMs, toolRefSchema } from "@/lib/mission/schema";

/**
 * Admin-owned approval policies: who must agree before a gated act happens. A mission document
 * may ask for more (a stricter role, more approvers, a shorter timeout), never for less; the
 * engine applies the stricter of the two when it opens a decision, whatever the document says.
 */

/** What a policy governs: every Approval step, a class of tools (by their annotations), or one tool. */
export const POLICY_SCOPES = ["approval_steps", "tool_class", "tool"] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];

/**
 * Tool classes, read from the MCP server's annotations as the connector layer stores them.
 * `state_changing` is every tool that is not declared read-only (silence counts as changing).
 */
export const TOOL_CLASSES = ["state_changing", "destructive", "open_world"] as const;
export type ToolClass = (typeof TOOL_CLASSES)[number];

/** Roles that may be required to decide, weakest first. */
export const DECIDER_ROLES = ["approver", "admin"] as const;
export type DeciderRole = (typeof DECIDER_ROLES)[number];

/**
 * A bound on the values being approved, as a CEL expression over them (`amount <= 500`; each
 * value is in scope by name and all of them as `values`). When it does not hold: `refuse` refuses
 * an approval with those values (the approver must change them or reject), `require` asks for more
 * approvers or a stronger role.
 */
export const valueRuleSchema = z.object({
  expression: z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters"),
  otherwise: z.discriminatedUnion("action", [
    z.object({ action: z.literal("refuse") }),
    z.object({
      action: z.literal("require"),
      requiredApprovals: z.number().int().min(1).max(10).optional(),
      approverRole: z.enum(DECIDER_ROLES).optional(),
    }),
  ]),
  /** Shown to approvers when the rule applies: "Refunds over 500 EUR need a second approver". */
  message: z.string().trim().max(300, "must be at most 300 characters").default(""),
});
export type ValueRule = z.infer<typeof valueRuleSchema>;

export const policyRulesSchema = z.object({
  /** The weakest role that may decide (admins always may). */
  approverRole: z.enum(DECIDER_ROLES).default("approver"),
  requiredApprovals: z.number().int().min(1, "must be at least 1").max(10, "must be at most 10").default(1),
  /** Whoever started the run, or authored the version it runs, may not approve. */
  separationOfDuties: z.boolean().default(true),
  reasonOnReject: z.boolean().default(true),
  /** The longest a decision may wait; a mission may set a shorter timeout. Null: no cap. */
  maxTimeout: durationSchema.nullable().default(null),
  /** May a decision nobody made in time be approved automatically? */
  allowAutoApprove: z.boolean().default(false),
  valueRules: z.array(valueRuleSchema).max(20, "at most 20 value rules").default([]),
});
export type PolicyRules = z.infer<typeof policyRulesSchema>;

export const policyInputSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(120, "must be at most 120 characters"),
    description: z.string().trim().max(1_000, "must be at most 1000 characters").default(""),
    scope: z.enum(POLICY_SCOPES),
    /** A tool class for `tool_class`, a `connector.tool` ref for `tool`, empty for `approval_steps`. */
    target: z.string().trim().max(200).default(""),
    rules: policyRulesSchema,
    enabled: z.boolean().default(true),
  })
  .superRefine((p, ctx) => {
    if (p.scope === "tool_class" && !(TOOL_CLASSES as readonly string[]).includes(p.target)) {
      ctx.addIssue({ code: "custom", path: ["target"], message: `must be one of ${TOOL_CLASSES.join(", ")}` });
    }
    if (p.scope === "tool" && !toolRefSchema.safeParse(p.target).success) {
      ctx.addIssue({ code: "custom", path: ["target"], message: "must be <connector>.<tool>, e.g. commerce.issue_refund" });
    }
  });
export type PolicyInput = z.input<typeof policyInputSchema>;

/** A stored policy as surfaces read it. */
export interface ApprovalPolicy {
  id: string;
  name: string;
  description: string;
  scope: PolicyScope;
  target: string;
  rules: PolicyRules;
  enabled: boolean;
}

export const ROLE_RANK: Record<string, number> = { viewer: 0, builder: 1, approver: 2, admin: 3 };

/** The stronger of two roles for deciding. */
export function strongerRole<R extends string>(a: R, b: R): R {
  return (ROLE_RANK[b] ?? 0) > (ROLE_RANK[a] ?? 0) ? b : a;
}

/** A tool's annotations, as far as classes need them. */
export interface ToolTraits {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  openWorldHint?: boolean;
}

export function toolClassesOf(t: ToolTraits): ToolClass[] {
  const out: ToolClass[] = [];
  if (!(t.readOnlyHint === true && t.destructiveHint !== true)) out.push("state_changing");
  if (t.destructiveHint === true) out.push("destructive");
  if (t.openWorldHint === true) out.push("open_world");
  return out;
}

/** What a decision is about, for matching policies. */
export type PolicySubject = { kind: "approval_step" } | { kind: "tool"; ref: string; traits: ToolTraits };

/** Why a policy applies to a subject, as people read it; null when it does not apply. */
export function policyApplies(p: Pick<ApprovalPolicy, "scope" | "target" | "enabled">, subject: PolicySubject): string | null {
  if (!p.enabled) return null;
  if (p.scope === "approval_steps") return subject.kind === "approval_step" ? "every Approval step" : null;
  if (subject.kind !== "tool") return null;
  if (p.scope === "tool") return p.target === subject.ref ? `tool ${subject.ref}` : null;
  const classes = toolClassesOf(subject.traits);
  if (!(classes as string[]).includes(p.target)) return null;
  return `${subject.ref} is ${CLASS_WORDS[p.target as ToolClass]}`;
}

export const CLASS_WORDS: Record<ToolClass, string> = {
  state_changing: "state-changing",
  destructive: "destructive",
  open_world: "open-world",
};

/** The rules a mission asks for on one decision (an Approval node's settings, or the gate defaults). */
export interface RequestedRules {
  approverRole: string;
  requiredApprovals: number;
  separationOfDuties: boolean;
  reasonRequired: boolean;
  /** A duration like `24h`. */
  timeout: string;
  onTimeout: "reject" | "approve" | "escalate";
  escalateTo?: string | null;
}

/** One policy as it applied to one decision. */
export interface AppliedPolicy {
  id: string;
  name: string;
  /** Why it applies: "every Approval step", "commerce.issue_refund is state-changing". */
  because: string;
}

/** A value rule as a decision carries it: the policy it came from travels with it. */
export interface DecisionValueRule extends ValueRule {
  policyId: string;
  policyName: string;
}

/** The rules in force on a decision, and what they were made from. Stored on the decision row. */
export interface GovernedRules {
  approverRole: string;
  requiredApprovals: number;
  separationOfDuties: boolean;
  reasonRequired: boolean;
  timeout: string;
  onTimeout: "reject" | "approve" | "escalate";
  escalateTo: string | null;
  valueRules: DecisionValueRule[];
  applied: AppliedPolicy[];
  /** What the mission document asked for, so a reader sees what a policy tightened. */
  requested: RequestedRules;
  /** Human lines: "Approvers: approver → admin (policy Refunds)". Empty when nothing was tightened. */
  tightened: string[];
}

/**
 * The stricter of what the mission asks and what every applicable policy demands: the stronger
 * role, the most approvers, separation of duties and reasons if anyone asks for them, the shortest
 * timeout, no automatic approval unless every policy allows it, escalation only to a role that may
 * decide. Value rules are collected; they are applied to values by valueRuleEffects.
 */
export function governRules(requested: RequestedRules, policies: { policy: ApprovalPolicy; because: string }[]): GovernedRules {
  let approverRole = requested.approverRole;
  let requiredApprovals = requested.requiredApprovals;
  let separationOfDuties = requested.separationOfDuties;
  let reasonRequired = requested.reasonRequired;
  let timeout = requested.timeout;
  let onTimeout = requested.onTimeout;
  let escalateTo = requested.escalateTo ?? null;
  const tightened: string[] = [];
  const valueRules: DecisionValueRule[] = [];
  for (const { policy, because } of policies) {
    const r = policy.rules;
    const by = `policy "${policy.name}"`;
    const role = strongerRole(approverRole, r.approverRole);
    if (role !== approverRole) {
      tightened.push(`Who decides: ${approverRole} → ${role} (${by})`);
      approverRole = role;
    }
    if (r.requiredApprovals > requiredApprovals) {
      tightened.push(`Approvals needed: ${requiredApprovals} → ${r.requiredApprovals} (${by})`);
      requiredApprovals = r.requiredApprovals;
    }
    if (r.separationOfDuties && !separationOfDuties) {
      tightened.push(`Separation of duties: on (${by})`);
      separationOfDuties = true;
    }
    if (r.reasonOnReject && !reasonRequired) {
      tightened.push(`A reason is required to reject (${by})`);
      reasonRequired = true;
    }
    if (r.maxTimeout && missionDurationMs(r.maxTimeout) < missionDurationMs(timeout)) {
      tightened.push(`Timeout: ${timeout} → ${r.maxTimeout} (${by})`);
      timeout = r.maxTimeout;
    }
    if (onTimeout === "approve" && !r.allowAutoApprove) {
      tightened.push(`At timeout: approve automatically → reject (${by})`);
      onTimeout = "reject";
    }
    for (const v of r.valueRules) valueRules.push({ ...v, policyId: policy.id, policyName: policy.name });
    void because;
  }
  if (escalateTo) {
    const floor = strongerRole(escalateTo, approverRole);
    if (floor !== escalateTo) {
      tightened.push(`Escalates to: ${escalateTo} → ${floor} (it may not be weaker than who decides)`);
      escalateTo = floor;
    }
  }
  return {
    approverRole,
    requiredApprovals,
    separationOfDuties,
    reasonRequired,
    timeout,
    onTimeout,
    escalateTo: onTimeout === "escalate" ? escalateTo : null,
    valueRules,
    applied: policies.map(({ policy, because }) => ({ id: policy.id, name: policy.name, because })),
    requested,
    tightened,
  };
}
