import { describe, expect, it } from "vitest";
import { describeProposal, formatMoney, referenceNoun, toolName } from "./describe";
import { missionGraphSchema } from "@/lib/mission/schema";
import { afterRejection, approvalProgress, atExpiry, durationWords, whenRejected } from "./rules";
import { checkValue, checkValues, diffValues, inputText, parseInput, rulesFromSchema, showValue } from "./value-rules";

describe("describeProposal", () => {
  it("says a refund tool call the way a person would", () => {
    expect(
      describeProposal({ kind: "tool", title: "commerce.issue_refund", proposed: { orderId: "1042", amount: 42.5, currency: "eur", reason: "REF-1.2" } }),
    ).toBe("issue_refund 42.50 EUR for order 1042");
  });

  it("completes an approval title from the run's input", () => {
    expect(
      describeProposal({ kind: "approval", title: "Refund for order", proposed: { amount: 42.5, currency: "EUR", rationale: "…" }, runInput: { orderId: "1042", email: "a@b.c" } }),
    ).toBe("Refund for order 1042: 42.50 EUR");
    // Without a matching input the title stays as written.
    expect(describeProposal({ kind: "approval", title: "Refund for order", proposed: { amount: 10 } })).toBe("Refund for order: 10");
  });

  it("falls back to the first short values", () => {
    expect(describeProposal({ kind: "approval", title: "Approve this request?", proposed: { title: "New laptop" } })).toBe("Approve this request? New laptop");
    expect(describeProposal({ kind: "tool", title: "crm.add_note", proposed: { email: "dana@example.com", note: "x".repeat(60), n: { deep: 1 } } })).toBe(
      `add_note (email: dana@example.com, note: ${"x".repeat(39)}…)`,
    );
    expect(describeProposal({ kind: "approval", title: "", proposed: {} })).toBe("Approval");
  });

  it("formats money, reference nouns and tool names", () => {
    expect(formatMoney(42.5, "EUR")).toBe("42.50 EUR");
    expect(formatMoney(40, null)).toBe("40");
    expect(formatMoney(40.1)).toBe("40.10");
    expect(referenceNoun("orderId")).toBe("order");
    expect(referenceNoun("customer_id")).toBe("customer");
    expect(referenceNoun("supportTicketID")).toBe("support ticket");
    expect(referenceNoun("idea")).toBeNull();
    expect(toolName("commerce.issue_refund")).toBe("issue_refund");
    expect(toolName("plain")).toBe("plain");
  });
});

describe("value rules", () => {
  const amount = { name: "amount", label: "Amount", type: "number" as const };
  const note = { name: "note", label: "Note", type: "string" as const };

  it("reads bounds, enums, lengths and patterns from a tool's JSON Schema", () => {
    const rules = rulesFromSchema({
      type: "object",
      properties: {
        amount: { type: "number", exclusiveMinimum: 0, maximum: 500, description: "Refund amount" },
        count: { type: "integer", minimum: 1 },
        currency: { type: "string", enum: ["EUR", "USD"] },
        note: { type: "string", minLength: 1, maxLength: 10, pattern: "^[a-z ]+$" },
        old: { type: "number", minimum: 0, exclusiveMinimum: true },
        nothing: { type: "string" },
      },
    });
    expect(rules).toEqual({
      amount: { exclusiveMinimum: 0, maximum: 500, description: "Refund amount" },
      count: { minimum: 1, integer: true },
      currency: { enum: ["EUR", "USD"] },
      note: { minLength: 1, maxLength: 10, pattern: "^[a-z ]+$" },
      old: { exclusiveMinimum: 0 },
    });
    expect(rulesFromSchema(null)).toEqual({});
  });

  it("names what is wrong with a value", () => {
    const rules = rulesFromSchema({ properties: { amount: { exclusiveMinimum: 0, maximum: 500 }, note: { minLength: 1, maxLength: 10, pattern: "^[a-z ]+$" } } });
    expect(checkValue(amount, "12", rules.amount)).toBe("must be a number");
    expect(checkValue(amount, 0, rules.amount)).toBe("must be more than 0");
    expect(checkValue(amount, 501, rules.amount)).toBe("must be at most 500");
    expect(checkValue(amount, 40, rules.amount)).toBeNull();
    expect(checkValue(note, "", rules.note)).toBe("must not be empty");
    expect(checkValue(note, "HELLO", rules.note)).toBe("must match the pattern ^[a-z ]+$");
    expect(checkValue(note, "a".repeat(11), rules.note)).toBe("must be at most 10 characters");
    expect(checkValue({ name: "c", label: "C", type: "string" }, "GBP", { enum: ["EUR", "USD"] })).toBe('must be one of "EUR", "USD"');
    expect(checkValue({ name: "n", label: "N", type: "number" }, 1.5, { integer: true })).toBe("must be a whole number");
    expect(checkValue({ name: "e", label: "E", type: "string" }, "nope", { format: "email" })).toBe("must be an email address");
    expect(checkValue({ name: "b", label: "B", type: "boolean" }, "yes")).toBe("must be yes or no");
    expect(checkValues({ amount: -1, note: "ok", other: 1 }, [amount, note], rules)).toEqual([{ path: "values.amount", message: "must be more than 0" }]);
  });

  it("parses what an approver typed, and shows it back", () => {
    expect(parseInput(amount, " 40,5 ")).toEqual({ ok: true, value: 40.5 });
    expect(parseInput(amount, "forty")).toEqual({ ok: false, message: "must be a number" });
    expect(parseInput(amount, "")).toEqual({ ok: false, message: "must be a number" });
    expect(parseInput({ name: "j", label: "J", type: "json" }, '{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseInput({ name: "j", label: "J", type: "json" }, "{")).toEqual({ ok: false, message: "must be valid JSON" });
    expect(parseInput({ name: "b", label: "B", type: "boolean" }, "true")).toEqual({ ok: true, value: true });
    expect(inputText(amount, 42.5)).toBe("42.5");
    expect(inputText({ name: "j", label: "J", type: "json" }, { a: 1 })).toBe('{\n  "a": 1\n}');
    expect(showValue({ a: 1 })).toBe('{"a":1}');
    expect(showValue(undefined)).toBe("—");
  });

  it("diffs only the values that changed, in field order", () => {
    const fields = [amount, note, { name: "currency", label: "", type: "string" as const }];
    expect(diffValues(fields, { amount: 42.5, note: "a", currency: "EUR" }, { currency: "USD", note: "a", amount: 40 })).toEqual([
      { name: "amount", label: "Amount", from: 42.5, to: 40 },
      { name: "currency", label: "currency", from: "EUR", to: "USD" },
    ]);
  });
});

describe("rules in words", () => {
  it("says what happens at expiry", () => {
    expect(atExpiry({ onTimeout: "reject", timeout: "24h", escalated: false })).toMatch(/rejected automatically/);
    expect(atExpiry({ onTimeout: "approve", timeout: "24h", escalated: false })).toMatch(/approved automatically/);
    expect(atExpiry({ onTimeout: "escalate", escalateTo: "admin", timeout: "2h", escalated: false })).toBe(
      "it is escalated to the admin role, who get 2 hours more before it is rejected",
    );
    expect(atExpiry({ onTimeout: "escalate", escalateTo: "admin", timeout: "2h", escalated: true })).toMatch(/rejected automatically/);
    expect(durationWords("1d")).toBe("1 day");
  });

  it("says what a rejection does to the run, as the graph is drawn", () => {
    const graph = missionGraphSchema.parse({
      format: "steward.mission/v1",
      name: "m",
      nodes: [
        { id: "start", kind: "trigger", position: { x: 0, y: 0 }, data: {} },
        { id: "review", kind: "approval", position: { x: 0, y: 0 }, data: {} },
        { id: "lonely", kind: "approval", position: { x: 0, y: 0 }, data: {} },
        { id: "send", kind: "action", position: { x: 0, y: 0 }, data: { tool: "mail.send" } },
        { id: "post", kind: "action", position: { x: 0, y: 0 }, data: { tool: "mail.post" } },
        { id: "agent", kind: "worker", position: { x: 0, y: 0 }, data: {} },
        { id: "done", kind: "verdict", position: { x: 0, y: 0 }, data: {} },
      ],
      edges: [
        { id: "e1", source: "review", sourceHandle: "rejected", target: "done" },
        { id: "e2", source: "lonely", sourceHandle: "approved", target: "done" },
        { id: "e3", source: "send", sourceHandle: "rejected", target: "done" },
        { id: "e4", source: "post", target: "done" },
      ],
    });
    expect(afterRejection(graph, "review")).toBe("rejected_path");
    expect(afterRejection(graph, "lonely")).toBe("dead_end");
    expect(afterRejection(graph, "send")).toBe("action_rejected_path");
    expect(afterRejection(graph, "post")).toBe("run_fails");
    expect(afterRejection(graph, "agent")).toBe("worker_told");
    expect(afterRejection(null, "review")).toBe("rejected_path");
    expect(atExpiry({ onTimeout: "reject", timeout: "24h", escalated: false, rejected: "run_fails" })).toBe(
      "it is rejected automatically: the tool is not called and the run fails (the action has no rejected path)",
    );
    expect(atExpiry({ onTimeout: "reject", timeout: "24h", escalated: false, rejected: "action_rejected_path" })).toBe(
      "it is rejected automatically: the tool is not called and the run takes the action's rejected path",
    );
    expect(whenRejected("worker_told")).toMatch(/Worker is told/);
    expect(durationWords("soon")).toBe("soon");
    expect(approvalProgress(1, 2)).toBe("1 of 2 approvals");
    expect(approvalProgress(0, 1)).toBe("0 of 1 approval");
  });
});
