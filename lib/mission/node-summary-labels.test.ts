import { describe, expect, it } from "vitest";
import { createNode, nodeSummary } from "./node-kinds";

describe("nodeSummary of a verdict", () => {
  it("lists the outcomes as people read them: labels, else identifiers", () => {
    const verdict = createNode("verdict", "verdict", { x: 0, y: 0 });
    verdict.data.outcomes = ["auto_approved", "deny"];
    verdict.data.outcomeLabels = { auto_approved: "auto-approved" };
    expect(nodeSummary(verdict)).toBe("auto-approved / deny");
  });
});
