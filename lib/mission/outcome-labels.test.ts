import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical";
import { missionDraftSchema, missionGraphSchema, outcomeLabel, outcomeLabelsOf, verdictDataSchema, type MissionGraph } from "./schema";
import { listTemplates } from "./templates";
import { refundMission } from "./templates/refund";
import { validateMission } from "./validate";

/** A mission as saved before outcomes had labels: plain identifiers, no `outcomeLabels`. */
function stored(): MissionGraph {
  return JSON.parse(JSON.stringify(refundMission())) as MissionGraph;
}

function labelled(): MissionGraph {
  const g = stored();
  const v = g.nodes.find((n) => n.kind === "verdict");
  if (v?.kind !== "verdict") throw new Error("no verdict");
  v.data.outcomes = ["auto_approved", "partial", "deny"];
  v.data.outcomeLabels = { auto_approved: "auto-approved", partial: "Partly refunded" };
  v.data.outcome = v.data.outcome.replace('"approve"', '"auto_approved"');
  return g;
}

describe("verdict outcome labels in the mission format", () => {
  it("loads documents and stored versions with plain outcomes exactly as they are", () => {
    const doc = stored();
    const parsed = missionGraphSchema.parse(doc);
    // Nothing is added: the content hash of a stored version and version diffs stay as they were.
    expect(canonicalJson(parsed)).toBe(canonicalJson(doc));
    expect(validateMission(doc).problems).toEqual([]);
    for (const t of listTemplates()) expect(canonicalJson(missionGraphSchema.parse(t.graph())), t.id).toBe(canonicalJson(t.graph()));
  });

  it("keeps labels through parsing, and a labelled mission is valid", () => {
    const doc = labelled();
    const parsed = missionGraphSchema.parse(doc);
    expect(parsed.nodes.find((n) => n.kind === "verdict")?.data).toMatchObject({ outcomeLabels: { auto_approved: "auto-approved", partial: "Partly refunded" } });
    expect(validateMission(doc).problems).toEqual([]);
  });

  it("reads the label, else the identifier", () => {
    const data = verdictDataSchema.parse({ outcomes: ["auto_approved", "deny"], outcomeLabels: { auto_approved: "auto-approved" } });
    expect(outcomeLabel(data, "auto_approved")).toBe("auto-approved");
    expect(outcomeLabel(data, "deny")).toBe("deny");
    expect(outcomeLabel({}, "deny")).toBe("deny");
    expect(outcomeLabel({ outcomeLabels: { deny: "  " } }, "deny")).toBe("deny");
    // Not an own label: inherited properties of objects are no labels.
    expect(outcomeLabel({ outcomeLabels: {} }, "constructor")).toBe("constructor");
    expect(outcomeLabelsOf(labelled())).toEqual(new Map([["auto_approved", "auto-approved"], ["partial", "Partly refunded"], ["deny", "deny"]]));
  });

  it("still requires identifiers as outcomes in a version, and labels only for listed outcomes", () => {
    const bad = verdictDataSchema.safeParse({ outcomes: ["auto-approved"] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ["outcomes", 0], message: expect.stringMatching(/identifier/) });

    const stray = validateMission({ ...labelled(), nodes: labelled().nodes.map((n) => (n.kind === "verdict" ? { ...n, data: { ...n.data, outcomeLabels: { auto_aproved: "typo" } } } : n)) });
    expect(stray.problems).toContainEqual(expect.objectContaining({ path: "nodes[7].data.outcomeLabels.auto_aproved", message: expect.stringMatching(/not one of the outcomes/) }));

    const longLabel = verdictDataSchema.safeParse({ outcomes: ["a"], outcomeLabels: { a: "x".repeat(121) } });
    expect(longLabel.success).toBe(false);
  });

  it("lets a draft hold what a version refuses, with the same shape", () => {
    const g = stored();
    const v = g.nodes.find((n) => n.kind === "verdict");
    if (v?.kind !== "verdict") throw new Error("no verdict");
    v.data.outcomes = ["auto-approved", ""];
    v.data.outcomeLabels = { "auto-approved": "whatever" };
    expect(missionGraphSchema.safeParse(g).success).toBe(false);
    expect(missionDraftSchema.parse(g)).toEqual(g);
    // The shape is still required.
    expect(missionDraftSchema.safeParse({ ...g, nodes: [{ ...g.nodes[0], kind: "webhook" }] }).success).toBe(false);
    expect(missionDraftSchema.safeParse({ ...g, edges: [{ id: "e", source: 1, target: "x" }] }).success).toBe(false);
  });
});
