import { evaluateExpression, expressionReferences, parseExpression } from "@/lib/mission/expressions";
import { strongerRole, type DecisionValueRule, type GovernedRules } from "./policy";

/** How one value rule stands for a set of values. */
export interface ValueRuleCheck {
  rule: DecisionValueRule;
  /** `holds`; `broken` (false, or it could not be evaluated on values it names); `n/a`: it names none of these values. */
  state: "holds" | "broken" | "n/a";
  /** The values the rule names, as `values.<name>` paths for problems. */
  fields: string[];
  /** Why it is broken when evaluation failed. */
  error?: string;
}

/** What the value rules demand of a decision with these values. */
export interface ValueRuleEffect {
  requiredApprovals: number;
  approverRole: string;
  /** Broken `refuse` rules: an approval with these values is refused. */
  refused: ValueRuleCheck[];
  /** Broken `require` rules: why more approvers or a stronger role are needed. */
  required: ValueRuleCheck[];
  checks: ValueRuleCheck[];
}

const VALUES_MEMBER = /\bvalues\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([^"\\]+)"\s*\])/g;

/** The value names an expression reads: bare identifiers and `values.x` / `values["x"]`. */
export function ruleFields(expression: string): string[] {
  const names = new Set<string>();
  for (const root of expressionReferences(expression).roots) if (root !== "values") names.add(root);
  for (const m of expression.matchAll(VALUES_MEMBER)) names.add(m[1] ?? m[2] ?? "");
  names.delete("");
  return [...names];
}

/** Whether a value rule's expression is usable: it parses and names at least one value. */
export function valueRuleProblem(expression: string): string | null {
  const parsed = parseExpression(expression);
  if (!parsed.ok) return parsed.message;
  if (!ruleFields(expression).length) return "names no value: write it over the values, e.g. amount <= 500";
  return null;
}

/**
 * Checks each rule against the values. A rule that names none of the values does not apply (a
 * policy for every Approval step may bound an `amount` that some steps do not have). One that names
 * them must evaluate to true; an error counts as broken, so a value of the wrong type cannot slip by.
 */
export function checkValueRules(rules: DecisionValueRule[], values: Record<string, unknown>): ValueRuleCheck[] {
  return rules.map((rule) => {
    const fields = ruleFields(rule.expression);
    if (!fields.some((f) => Object.hasOwn(values, f))) return { rule, state: "n/a", fields: [] };
    const paths = fields.filter((f) => Object.hasOwn(values, f)).map((f) => `values.${f}`);
    try {
      const result = evaluateExpression(rule.expression, { ...values, values });
      return { rule, state: result === true ? "holds" : "broken", fields: paths };
    } catch (e) {
      return { rule, state: "broken", fields: paths, error: e instanceof Error ? e.message : String(e) };
    }
  });
}

/** The approvals and role a decision needs with these values, and which rules refuse them. */
export function valueRuleEffect(governed: Pick<GovernedRules, "requiredApprovals" | "approverRole" | "valueRules">, values: Record<string, unknown>): ValueRuleEffect {
  const checks = checkValueRules(governed.valueRules ?? [], values);
  let requiredApprovals = governed.requiredApprovals;
  let approverRole = governed.approverRole;
  const refused: ValueRuleCheck[] = [];
  const required: ValueRuleCheck[] = [];
  for (const c of checks) {
    if (c.state !== "broken") continue;
    const o = c.rule.otherwise;
    if (o.action === "refuse") {
      refused.push(c);
      continue;
    }
    required.push(c);
    if (o.requiredApprovals && o.requiredApprovals > requiredApprovals) requiredApprovals = o.requiredApprovals;
    if (o.approverRole) approverRole = strongerRole(approverRole, o.approverRole);
  }
  return { requiredApprovals, approverRole, refused, required, checks };
}

/** One line for an approver: "amount <= 500 does not hold: 2 approvers needed (policy "Refund limits")". */
export function describeCheck(c: ValueRuleCheck): string {
  const o = c.rule.otherwise;
  const what = c.rule.message || c.rule.expression;
  const by = `policy "${c.rule.policyName}"`;
  if (c.state === "holds") return `${what}: holds (${by})`;
  if (c.state === "n/a") return `${what}: does not apply (${by})`;
  if (o.action === "refuse") return `${what}: must hold to approve (${by})`;
  const needs = [o.requiredApprovals ? `${o.requiredApprovals} approvals` : null, o.approverRole ? `the ${o.approverRole} role` : null].filter(Boolean).join(" and ");
  return `${what}: does not hold, so this needs ${needs || "more approval"} (${by})`;
}
