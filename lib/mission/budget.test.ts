import { describe, expect, it } from "vitest";
import { missionDraftSchema } from "./schema";
import { refundMission } from "./templates/refund";
import { validateMission } from "./validate";

describe("a mission's run budget", () => {
  it("is optional, and kept when set", () => {
    expect(validateMission(refundMission()).graph?.budget).toBeUndefined();
    const result = validateMission({ ...refundMission(), budget: { tokens: 20_000, cost: 0.5 } });
    expect(result.problems).toEqual([]);
    expect(result.graph?.budget).toEqual({ tokens: 20_000, cost: 0.5 });
  });

  it("names each limit a version gets wrong, while a draft keeps them to be fixed", () => {
    const bad = { ...refundMission(), budget: { tokens: 12.5, cost: -1 } };
    expect(validateMission(bad).problems.map((p) => [p.path, p.message])).toEqual([
      ["budget.tokens", "must be a whole number"],
      ["budget.cost", "must be more than 0"],
    ]);
    expect(missionDraftSchema.safeParse(bad).success).toBe(true);
  });

  it("for portal runs sits in the trigger's portal settings", () => {
    const g = refundMission();
    const trigger = g.nodes.find((n) => n.kind === "trigger");
    if (trigger?.kind !== "trigger") throw new Error("no trigger");
    trigger.data.portal = { title: "", intro: "", budget: { tokens: 0 } };
    expect(validateMission(g).problems).toContainEqual(expect.objectContaining({ path: "nodes[0].data.portal.budget.tokens", message: "must be at least 1" }));
  });
});
