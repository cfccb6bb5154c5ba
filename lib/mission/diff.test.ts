import { describe, expect, it } from "vitest";
import { diffMissions } from "./diff";
import type { MissionGraph } from "./schema";
import { refundMission } from "./templates/refund";

function changed(f: (g: MissionGraph) => void): MissionGraph {
  const g = structuredClone(refundMission());
  f(g);
  return g;
}

describe("diffMissions", () => {
  it("finds nothing between equal graphs", () => {
    const d = diffMissions(refundMission(), refundMission());
    expect(d).toEqual({
      nodes: { added: [], removed: [], changed: [], moved: [] },
      edges: { added: [], removed: [], changed: [] },
      meta: {},
      identical: true,
    });
  });

  it("lists added and removed nodes and edges", () => {
    const b = changed((g) => {
      g.nodes = g.nodes.filter((n) => n.id !== "crm_note");
      g.edges = g.edges.filter((e) => e.source !== "crm_note" && e.target !== "crm_note");
      g.edges.push({ id: "e-issue-verdict", source: "issue_refund", target: "verdict" });
      g.nodes.push({ id: "notify", kind: "action", position: { x: 0, y: 0 }, data: { label: "Notify", tool: "crm.add_note", args: {} } });
    });
    const d = diffMissions(refundMission(), b);
    expect(d.nodes).toEqual({ added: ["notify"], removed: ["crm_note"], changed: [], moved: [] });
    expect(d.edges).toEqual({ added: ["e-issue-verdict"], removed: ["e-issue_refund-crm_note", "e-crm_note-verdict"], changed: [] });
    expect(d.identical).toBe(false);
  });

  it("names the data fields that changed", () => {
    const b = changed((g) => {
      const reason = g.nodes.find((n) => n.id === "reason");
      if (reason?.kind === "worker") {
        reason.data.instructions += " Be brief.";
        reason.data.maxSteps = 3;
      }
    });
    expect(diffMissions(refundMission(), b).nodes.changed).toEqual([{ id: "reason", fields: ["data.instructions", "data.maxSteps"] }]);
  });

  it("reports position-only changes as moved, apart from real changes", () => {
    const b = changed((g) => {
      g.nodes[1]!.position = { x: 999, y: 1 };
      g.nodes[3]!.position = { x: 5, y: 5 };
      g.nodes[3]!.data.label = "Deny?";
    });
    const d = diffMissions(refundMission(), b);
    expect(d.nodes.moved).toEqual(["ground"]);
    expect(d.nodes.changed).toEqual([{ id: "gate", fields: ["data.label", "position"] }]);
  });

  it("reports a changed kind", () => {
    const b = changed((g) => {
      g.nodes[6] = { id: "crm_note", kind: "worker", position: g.nodes[6]!.position, data: { label: "Note", instructions: "", model: "", tools: [], outputs: [], maxSteps: 8 } };
    });
    expect(diffMissions(refundMission(), b).nodes.changed[0]?.fields).toContain("kind");
  });

  it("reports rewired edges by field", () => {
    const b = changed((g) => {
      g.edges[3]!.target = "refund";
      g.edges[4]!.sourceHandle = "denied";
    });
    expect(diffMissions(refundMission(), b).edges.changed).toEqual([
      { id: "e-gate-denied-verdict", fields: ["target"] },
      { id: "e-gate-else-refund", fields: ["sourceHandle"] },
    ]);
  });

  it("reports name and description changes", () => {
    const b = changed((g) => {
      g.name = "Refunds v2";
      g.description = "";
    });
    const d = diffMissions(refundMission(), b);
    expect(d.meta).toEqual({ name: { from: "Refund adjudication", to: "Refunds v2" }, description: { from: refundMission().description, to: "" } });
  });

  it("ignores key order inside data", () => {
    const b = changed((g) => {
      const node = g.nodes[5]!;
      node.data = Object.fromEntries(Object.entries(node.data).reverse()) as typeof node.data;
    });
    expect(diffMissions(refundMission(), b).identical).toBe(true);
  });
});
