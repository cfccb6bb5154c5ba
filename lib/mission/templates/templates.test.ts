import { describe, expect, it } from "vitest";
import { evaluateExpression } from "../expressions";
import { nodeExprFields } from "../node-kinds";
import { missionGraphSchema, type MissionGraph, type MissionNode } from "../schema";
import { expressionScope } from "../scope";
import { validateMission } from "../validate";
import { getTemplate, listTemplates } from "./index";
import { refundMission } from "./refund";

function node<K extends MissionNode["kind"]>(g: MissionGraph, id: string, kind: K): Extract<MissionNode, { kind: K }> {
  const n = g.nodes.find((x) => x.id === id);
  if (n?.kind !== kind) throw new Error(`${id} is not a ${kind}`);
  return n as Extract<MissionNode, { kind: K }>;
}

describe("templates", () => {
  it("lists blank, approval, refund, reminder, complaint, digest and welcome, each validating with zero problems", () => {
    expect(listTemplates().map((t) => t.id)).toEqual(["blank", "approval", "refund", "reminder", "complaint", "digest", "welcome"]);
    for (const t of listTemplates()) {
      expect(validateMission(t.graph()).problems, t.id).toEqual([]);
      // Fully defaulted: parsing again changes nothing, so an export re-imports identically.
      expect(missionGraphSchema.parse(t.graph()), t.id).toEqual(t.graph());
    }
  });

  it("returns a fresh copy each time", () => {
    const t = getTemplate("refund");
    const a = t?.graph();
    a?.nodes.pop();
    expect(t?.graph().nodes).toHaveLength(8);
    expect(getTemplate("nope")).toBeUndefined();
  });

  it("the blank template is a trigger and a verdict", () => {
    const g = getTemplate("blank")?.graph();
    expect(g?.nodes.map((n) => n.kind)).toEqual(["trigger", "verdict"]);
  });
});

describe("the refund mission", () => {
  const g = refundMission();

  it("has the agreed node ids, kinds and order", () => {
    expect(g.nodes.map((n) => [n.id, n.kind])).toEqual([
      ["trigger", "trigger"],
      ["ground", "worker"],
      ["reason", "worker"],
      ["gate", "condition"],
      ["refund", "approval"],
      ["issue_refund", "action"],
      ["crm_note", "action"],
      ["verdict", "verdict"],
    ]);
  });

  it("has the agreed wiring", () => {
    expect(g.edges.map((e) => `${e.source}${e.sourceHandle ? `:${e.sourceHandle}` : ""}->${e.target}`)).toEqual([
      "trigger->ground",
      "ground->reason",
      "reason->gate",
      "gate:denied->verdict",
      "gate:else->refund",
      "refund:approved->issue_refund",
      "refund:rejected->verdict",
      "issue_refund->crm_note",
      "crm_note->verdict",
    ]);
  });

  it("has the agreed configuration", () => {
    const trigger = node(g, "trigger", "trigger").data;
    expect(trigger.channels).toEqual(["manual", "portal", "api"]);
    expect(trigger.portal).toMatchObject({ slug: "refunds", title: "Request a refund" });
    expect(trigger.fields.map((f) => [f.name, f.type, f.required, f.label, f.maxLength])).toEqual([
      ["orderId", "string", true, "Order number", undefined],
      ["email", "email", true, "Email", undefined],
      ["reason", "text", true, "Reason", 2000],
    ]);
    const ground = node(g, "ground", "worker").data;
    expect(ground.label).toBe("Ground the request");
    expect(ground.model).toBe("replay:refund-demo");
    expect(ground.tools).toEqual(["commerce.get_order", "commerce.get_payment", "knowledge.search_policies"]);
    expect(ground.outputs.map((o) => [o.name, o.type])).toEqual([
      ["orderTotal", "number"],
      ["currency", "string"],
      ["paymentCaptured", "boolean"],
      ["daysSinceDelivery", "number"],
      ["policyClause", "string"],
      ["policySummary", "string"],
    ]);
    const reason = node(g, "reason", "worker").data;
    expect([reason.label, reason.model, reason.tools]).toEqual(["Propose a decision", "replay:refund-demo", ["crm.get_history"]]);
    expect(reason.outputs.map((o) => [o.name, o.type, o.values])).toEqual([
      ["decision", "enum", ["approve", "partial", "deny"]],
      ["amount", "number", undefined],
      ["rationale", "string", undefined],
    ]);
    expect(node(g, "gate", "condition").data).toMatchObject({ label: "Denied?", branches: [{ id: "denied", expression: 'reason.decision == "deny"' }] });
    const refund = node(g, "refund", "approval").data;
    expect(refund).toMatchObject({
      label: "Approve refund",
      title: "Refund for order",
      approverRole: "approver",
      reasonRequiredOnReject: true,
      requiredApprovals: 1,
      separationOfDuties: true,
      timeout: "72h",
      onTimeout: "reject",
    });
    expect(refund.proposed.map((p) => [p.name, p.type, p.expression, p.editable])).toEqual([
      ["amount", "number", "reason.amount", true],
      ["currency", "string", "ground.currency", false],
      ["rationale", "string", "reason.rationale", true],
    ]);
    expect(node(g, "issue_refund", "action").data).toMatchObject({
      tool: "commerce.issue_refund",
      args: { orderId: "trigger.orderId", amount: "refund.values.amount", currency: "refund.values.currency", reason: "refund.values.rationale" },
    });
    expect(node(g, "crm_note", "action").data).toMatchObject({
      tool: "crm.add_note",
      args: { email: "trigger.email", note: '"Refund of " + string(refund.values.amount) + " " + refund.values.currency + " issued for order " + trigger.orderId' },
    });
    expect(node(g, "verdict", "verdict").data.outcomes).toEqual(["approve", "partial", "deny"]);
  });
});

/**
 * Plays the refund mission's expressions through each path a run can take, with the scope the
 * engine builds (skipped nodes absent, listed in `skipped`).
 */
describe("the refund mission's expressions along each path", () => {
  const g = refundMission();
  const input = { orderId: "A-1001", email: "ada@example.com", reason: "Arrived broken" };
  const ground = { orderTotal: 120, currency: "EUR", paymentCaptured: true, daysSinceDelivery: 4, policyClause: "REF-2.1", policySummary: "Damaged goods: full refund within 30 days." };

  function evaluateNode(id: string, outputs: Record<string, unknown>, skipped: string[]) {
    const n = g.nodes.find((x) => x.id === id);
    if (!n) throw new Error(id);
    const scope = expressionScope(g, id, { input, outputs, skipped });
    return Object.fromEntries(nodeExprFields(n).map((f) => [f.path.join("."), evaluateExpression(f.expression, scope)]));
  }

  it("denied by the proposal: the gate takes `denied` and the verdict is deny", () => {
    const reason = { decision: "deny", amount: 0, rationale: "Outside the 30-day window (REF-2.1)." };
    expect(evaluateNode("gate", { ground, reason }, [])).toEqual({ "branches.0.expression": true });
    const verdict = evaluateNode("verdict", { ground, reason, gate: { branch: "denied" } }, ["refund", "issue_refund", "crm_note"]);
    expect(verdict).toEqual({ outcome: "deny", summary: "Refund denied for order A-1001: Outside the 30-day window (REF-2.1)." });
  });

  it("a partial refund approved as proposed: actions get the approved values, the verdict is partial", () => {
    const reason = { decision: "partial", amount: 42.5, rationale: "Partial per REF-2.1." };
    expect(evaluateNode("gate", { ground, reason }, [])).toEqual({ "branches.0.expression": false });
    expect(evaluateNode("refund", { ground, reason, gate: { branch: "else" } }, [])).toEqual({
      "proposed.0.expression": 42.5,
      "proposed.1.expression": "EUR",
      "proposed.2.expression": "Partial per REF-2.1.",
    });
    const refund = { approved: true, values: { amount: 42.5, currency: "EUR", rationale: "Partial per REF-2.1." }, reason: "", decidedBy: ["approver@steward.local"] };
    const outputs = { ground, reason, gate: { branch: "else" }, refund };
    expect(evaluateNode("issue_refund", outputs, [])).toEqual({
      "args.orderId": "A-1001",
      "args.amount": 42.5,
      "args.currency": "EUR",
      "args.reason": "Partial per REF-2.1.",
    });
    expect(evaluateNode("crm_note", { ...outputs, issue_refund: { refundId: "r_1" } }, [])).toEqual({
      "args.email": "ada@example.com",
      "args.note": "Refund of 42.5 EUR issued for order A-1001",
    });
    const verdict = evaluateNode("verdict", { ...outputs, issue_refund: { refundId: "r_1" }, crm_note: { ok: true } }, []);
    expect(verdict).toEqual({ outcome: "partial", summary: "Refunded 42.5 EUR for order A-1001" });
  });

  it("an approver who raises the amount to the order total makes it a full approval", () => {
    const reason = { decision: "partial", amount: 60, rationale: "Half." };
    const refund = { approved: true, values: { amount: 120, currency: "EUR", rationale: "Full after review." }, reason: "", decidedBy: ["a"] };
    const verdict = evaluateNode("verdict", { ground, reason, gate: { branch: "else" }, refund, issue_refund: {}, crm_note: {} }, []);
    expect(verdict.outcome).toBe("approve");
  });

  it("rejected by the approver: the actions are skipped and the verdict is deny", () => {
    const reason = { decision: "approve", amount: 120, rationale: "Damaged." };
    const refund = { approved: false, values: { amount: 120, currency: "EUR", rationale: "Damaged." }, reason: "Photos show no damage.", decidedBy: ["a"] };
    const verdict = evaluateNode("verdict", { ground, reason, gate: { branch: "else" }, refund }, ["issue_refund", "crm_note"]);
    expect(verdict).toEqual({ outcome: "deny", summary: "Refund for order A-1001 rejected by the approver: Photos show no damage." });
  });
});

describe("the payment reminder", () => {
  it("computes the fee, total and tone with a Transform, waits a day, and the verdict reads them", () => {
    const g = getTemplate("reminder")?.graph() as MissionGraph;
    expect(g.nodes.map((n) => n.kind)).toEqual(["trigger", "transform", "wait", "verdict"]);
    expect(node(g, "grace", "wait").data).toMatchObject({ mode: "duration", duration: "1d" });
    const terms = node(g, "terms", "transform");
    const scope = expressionScope(g, "terms", { input: { customer: "Ada", amount: 1000, days_late: 45 }, outputs: {}, skipped: [] });
    const values = Object.fromEntries(terms.data.values.map((v) => [v.name, evaluateExpression(v.expression, scope)]));
    expect(values).toEqual({ fee: 20, total: 1020, tone: "firm" });
    const verdict = node(g, "verdict", "verdict");
    const after = expressionScope(g, "verdict", { input: { customer: "Ada", amount: 1000, days_late: 45 }, outputs: { terms: values }, skipped: [] });
    expect([evaluateExpression(verdict.data.outcome, after), evaluateExpression(verdict.data.summary, after)]).toEqual(["firm", "Ada owes 1020"]);
  });
});

describe("complaint triage", () => {
  it("calls the demo's refund mission with its three trigger fields and takes its verdict", () => {
    const g = getTemplate("complaint")?.graph() as MissionGraph;
    const call = node(g, "refund", "call");
    expect(call.data.missionId).toBe("refund-adjudication");
    const refundFields = node(refundMission(), "trigger", "trigger").data.fields.map((f) => f.name);
    expect(call.data.input.map((m) => m.field)).toEqual(refundFields);
    expect(node(g, "decided", "verdict").data.outcomes).toEqual(node(refundMission(), "verdict", "verdict").data.outcomes);
  });
});

describe("daily open-ticket digest", () => {
  it("runs on a weekday schedule, lists the tickets with the CRM's read-only tool and formats each inside its For each", () => {
    const g = getTemplate("digest")?.graph() as MissionGraph;
    const trigger = node(g, "trigger", "trigger");
    expect(trigger.data.channels).toContain("schedule");
    expect(trigger.data.schedule).toMatchObject({ cron: "0 8 * * 1-5", timezone: "Europe/Paris" });
    expect(node(g, "lookup", "worker").data.tools).toEqual(["crm.list_open_tickets"]);
    expect(node(g, "format", "transform").parentId).toBe("tickets");

    // What the Worker returns, item by item through the Transform, the For each's result and the verdict.
    const loop = node(g, "tickets", "forEach");
    const items = evaluateExpression(loop.data.items, { lookup: { tickets: "T-301|dana@example.com|42.5,T-302|marcus.lee@example.com|129.9" } }) as string[];
    expect(items).toHaveLength(2);
    const results = items.map((item) => {
      const format = Object.fromEntries(node(g, "format", "transform").data.values.map((v) => [v.name, evaluateExpression(v.expression, { item })]));
      return evaluateExpression(loop.data.result, { item, format });
    });
    expect(results).toEqual([
      { line: "T-301 for dana@example.com: 42.5 EUR", big: false },
      { line: "T-302 for marcus.lee@example.com: 129.9 EUR", big: true },
    ]);
    expect(evaluateExpression(node(g, "verdict", "verdict").data.summary, { tickets: results })).toBe("2 open tickets, 1 over 50 EUR");
  });
});
