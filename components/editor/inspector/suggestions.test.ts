import { describe, expect, it } from "vitest";
import { refundMission } from "@/lib/mission/templates";
import { expressionSuggestions, matchSuggestions, tokenBefore } from "./suggestions";

describe("expression autocomplete", () => {
  it("offers trigger inputs and only upstream outputs", () => {
    const texts = expressionSuggestions(refundMission(), "refund").map((s) => s.text);
    expect(texts).toContain("trigger.orderId");
    expect(texts).toContain("reason.amount");
    expect(texts).toContain("ground.currency");
    expect(texts).not.toContain("refund.approved");
    const verdict = expressionSuggestions(refundMission(), "verdict").map((s) => s.text);
    expect(verdict).toContain("refund.values.amount");
    expect(verdict).toContain("refund.approved");
    expect(verdict).toContain("issue_refund");
    const ground = expressionSuggestions(refundMission(), "ground").map((s) => s.text);
    expect(ground.filter((t) => t.startsWith("reason."))).toEqual([]);
  });

  it("finds the reference being typed, but not inside strings", () => {
    expect(tokenBefore("reason.am", 9)).toEqual({ start: 0, token: "reason.am" });
    expect(tokenBefore("x > 1 && reas", 13)).toEqual({ start: 9, token: "reas" });
    expect(tokenBefore('"reas', 5)).toEqual({ start: 5, token: "" });
    expect(tokenBefore("a + ", 4)).toEqual({ start: 4, token: "" });
  });

  it("ranks prefix matches first and skips exact matches", () => {
    const all = expressionSuggestions(refundMission(), "verdict");
    expect(matchSuggestions(all, "reason.").map((s) => s.text)).toEqual(["reason.decision", "reason.amount", "reason.rationale"]);
    expect(matchSuggestions(all, "amount").map((s) => s.text)).toEqual(["refund.values.amount", "reason.amount"]);
    expect(matchSuggestions(all, "")).toEqual([]);
  });
});
