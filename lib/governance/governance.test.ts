import { describe, expect, it } from "vitest";
import { governRules, policyApplies, toolClassesOf, type ApprovalPolicy, type RequestedRules } from "./policy";
import { checkValueRules, ruleFields, valueRuleEffect } from "./value-rules";

const request: RequestedRules = { approverRole: "approver", requiredApprovals: 1, separationOfDuties: false, reasonRequired: false, timeout: "24h", onTimeout: "escalate", escalateTo: "builder" };

function policy(over: Partial<ApprovalPolicy> & { rules?: Partial<ApprovalPolicy["rules"]> } = {}): ApprovalPolicy {
  return {
    id: "p1",
    name: "P",
    description: "",
    scope: "approval_steps",
    target: "",
    enabled: true,
    ...over,
    rules: { approverRole: "approver", requiredApprovals: 1, separationOfDuties: true, reasonOnReject: true, maxTimeout: null, allowAutoApprove: false, valueRules: [], ...over.rules },
  };
}

describe("governance rules", () => {
  it("reads tool classes from annotations: silence is state-changing", () => {
    expect(toolClassesOf({})).toEqual(["state_changing"]);
    expect(toolClassesOf({ readOnlyHint: true })).toEqual([]);
    expect(toolClassesOf({ readOnlyHint: true, destructiveHint: true, openWorldHint: true })).toEqual(["state_changing", "destructive", "open_world"]);
  });

  it("matches policies to subjects and says why", () => {
    expect(policyApplies(policy(), { kind: "approval_step" })).toBe("every Approval step");
    expect(policyApplies(policy(), { kind: "tool", ref: "a.b", traits: {} })).toBeNull();
    expect(policyApplies(policy({ scope: "tool", target: "a.b" }), { kind: "tool", ref: "a.b", traits: {} })).toBe("tool a.b");
    expect(policyApplies(policy({ scope: "tool_class", target: "destructive" }), { kind: "tool", ref: "a.b", traits: {} })).toBeNull();
    expect(policyApplies(policy({ enabled: false }), { kind: "approval_step" })).toBeNull();
  });

  it("never lets escalation hand the decision to a role weaker than who decides", () => {
    const g = governRules(request, [{ policy: policy(), because: "x" }]);
    expect(g.escalateTo).toBe("approver");
    expect(g.tightened).toContain("Escalates to: builder → approver (it may not be weaker than who decides)");
  });

  it("finds the values a rule names, bare or through values", () => {
    expect(ruleFields('amount <= 500 && values.currency == "EUR" && values["order-id"] != ""').sort()).toEqual(["amount", "currency", "order-id"]);
  });

  it("skips a rule about values a decision does not have, and fails closed on a wrong type", () => {
    const rules = [{ expression: "amount <= 500", otherwise: { action: "refuse" as const }, message: "", policyId: "p", policyName: "P" }];
    expect(checkValueRules(rules, { note: "x" })[0]?.state).toBe("n/a");
    expect(checkValueRules(rules, { amount: 400 })[0]?.state).toBe("holds");
    expect(checkValueRules(rules, { amount: 600 })[0]?.state).toBe("broken");
    expect(checkValueRules(rules, { amount: "400" })[0]).toMatchObject({ state: "broken", fields: ["values.amount"] });
  });

  it("raises approvals and role by the rules the values break", () => {
    const valueRules = [
      { expression: "amount <= 500", otherwise: { action: "require" as const, requiredApprovals: 2 }, message: "", policyId: "p", policyName: "P" },
      { expression: "amount <= 5000", otherwise: { action: "require" as const, approverRole: "admin" as const }, message: "", policyId: "p", policyName: "P" },
    ];
    expect(valueRuleEffect({ requiredApprovals: 1, approverRole: "approver", valueRules }, { amount: 100 })).toMatchObject({ requiredApprovals: 1, approverRole: "approver" });
    expect(valueRuleEffect({ requiredApprovals: 1, approverRole: "approver", valueRules }, { amount: 600 })).toMatchObject({ requiredApprovals: 2, approverRole: "approver" });
    expect(valueRuleEffect({ requiredApprovals: 3, approverRole: "approver", valueRules }, { amount: 6000 })).toMatchObject({ requiredApprovals: 3, approverRole: "admin" });
  });
});
