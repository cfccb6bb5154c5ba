import { describe, expect, it } from "vitest";
import { nodeSummary } from "./node-kinds";
import { refundMission } from "./templates";

describe("nodeSummary", () => {
  it("describes each refund node in one line", () => {
    const lines = Object.fromEntries(refundMission().nodes.map((n) => [n.id, nodeSummary(n)]));
    expect(lines).toEqual({
      trigger: "3 inputs · manual, portal, API",
      ground: "6 outputs · 3 tools · replay:refund-demo",
      reason: "3 outputs · 1 tool · replay:refund-demo",
      gate: 'If reason.decision == "deny"',
      refund: "Refund for order · an approver · 72h",
      issue_refund: "commerce.issue_refund(4 args)",
      crm_note: "crm.add_note(2 args)",
      verdict: "approve / partial / deny",
    });
  });
});
