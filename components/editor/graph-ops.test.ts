import { describe, expect, it } from "vitest";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import { validateMission } from "@/lib/mission/validate";
import {
  addNode,
  checkConnection,
  connect,
  deleteElements,
  extractSubgraph,
  parseClipboard,
  pasteSubgraph,
  renameHandle,
  renameNode,
  updateNodeData,
} from "./graph-ops";

function graph(): MissionGraph {
  return missionGraphSchema.parse({
    format: "steward.mission/v1",
    name: "Ops",
    nodes: [
      { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: { fields: [{ name: "amount", type: "number" }] } },
      {
        id: "reason",
        kind: "worker",
        position: { x: 250, y: 0 },
        data: { instructions: "Decide", outputs: [{ name: "amount", type: "number" }] },
      },
      { id: "check", kind: "condition", position: { x: 500, y: 0 }, data: { branches: [{ id: "big", expression: "reason.amount > 100" }] } },
      { id: "gate", kind: "approval", position: { x: 750, y: 0 }, data: { proposed: [{ name: "amount", type: "number", expression: "reason.amount" }] } },
      { id: "verdict", kind: "verdict", position: { x: 1000, y: 0 }, data: { outcome: 'reason.amount > 0 ? "approve" : "deny"' } },
    ],
    edges: [
      { id: "a", source: "trigger", target: "reason" },
      { id: "b", source: "reason", target: "check" },
      { id: "c", source: "check", target: "gate", sourceHandle: "big" },
      { id: "d", source: "check", target: "verdict", sourceHandle: "else" },
      { id: "e", source: "gate", target: "verdict", sourceHandle: "approved" },
    ],
  });
}

describe("graph operations", () => {
  it("adds nodes with registry defaults and readable unused ids", () => {
    const g0 = graph();
    const { graph: g1, id } = addNode(g0, "worker", { x: 10.4, y: 20.6 });
    expect(id).toBe("worker");
    const { id: id2 } = addNode(g1, "worker", { x: 0, y: 0 });
    expect(id2).toBe("worker_2");
    const added = g1.nodes.at(-1);
    expect(added).toMatchObject({ id: "worker", kind: "worker", position: { x: 10, y: 21 }, data: { maxSteps: 8 } });
    expect(g0.nodes).toHaveLength(5);
  });

  it("deletes nodes with their edges, and single edges", () => {
    const g = graph();
    const without = deleteElements(g, ["check"]);
    expect(without.nodes.map((n) => n.id)).toEqual(["trigger", "reason", "gate", "verdict"]);
    expect(without.edges.map((e) => e.id)).toEqual(["a", "e"]);
    expect(deleteElements(g, [], ["e"]).edges.map((e) => e.id)).toEqual(["a", "b", "c", "d"]);
    expect(deleteElements(g, [], [])).toBe(g);
  });

  it("a deleted node still referenced by expressions shows up as a problem on the referencing nodes", () => {
    const without = deleteElements(graph(), ["reason"]);
    const { problems } = validateMission(without);
    const onGate = problems.filter((p) => p.nodeId === "gate");
    expect(onGate.length).toBeGreaterThan(0);
    expect(onGate.map((p) => p.message).join(" ")).toMatch(/reason/);
  });

  it.each([
    [{ source: "verdict", target: "gate" }, /Nothing can follow a verdict/],
    [{ source: "reason", target: "trigger" }, /Nothing can lead into a trigger/],
    [{ source: "gate", target: "reason", sourceHandle: "approved" }, /loop/],
    [{ source: "gate", target: "gate", sourceHandle: "approved" }, /itself/],
    [{ source: "trigger", target: "reason" }, /already connected/],
    [{ source: "gate", target: "verdict" }, /no output called \(default\)/],
    [{ source: "check", target: "verdict", sourceHandle: "nope" }, /no output called nope/],
    [{ source: "ghost", target: "verdict" }, /Both ends/],
  ])("refuses %o with a reason", (c, reason) => {
    const check = checkConnection(graph(), c);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it("connects allowed pairs, naming the source port", () => {
    const result = connect(graph(), { source: "gate", target: "verdict", sourceHandle: "rejected" });
    expect("edge" in result && result.edge).toEqual({ id: "gate.rejected->verdict", source: "gate", target: "verdict", sourceHandle: "rejected" });
  });

  it("removes edges from ports that disappear, and moves edges with renamed ports", () => {
    const g = graph();
    const check = g.nodes.find((n) => n.id === "check");
    if (check?.kind !== "condition") throw new Error("fixture");
    const noBranches = updateNodeData(g, "check", { ...check.data, branches: [] });
    expect(noBranches.edges.map((e) => e.id)).toEqual(["a", "b", "d", "e"]);
    const renamed = renameHandle(g, "check", "big", "large", { ...check.data, branches: [{ id: "large", label: "", expression: "true" }] });
    expect(renamed.edges.find((e) => e.id === "c")?.sourceHandle).toBe("large");
  });

  it("renames a node: edges and every expression referring to it follow", () => {
    const result = renameNode(graph(), "reason", "assess");
    if (!("graph" in result)) throw new Error(result.error);
    const g = result.graph;
    expect(g.edges.filter((e) => e.source === "assess" || e.target === "assess").map((e) => e.id)).toEqual(["a", "b"]);
    const check = g.nodes.find((n) => n.id === "check");
    expect(check?.kind === "condition" && check.data.branches[0]?.expression).toBe("assess.amount > 100");
    const verdict = g.nodes.find((n) => n.id === "verdict");
    expect(verdict?.kind === "verdict" && verdict.data.outcome).toBe('assess.amount > 0 ? "approve" : "deny"');
    expect(validateMission(g).problems).toEqual(validateMission(graph()).problems);
    expect(renameNode(graph(), "reason", "gate")).toEqual({ error: "Another node is already called gate" });
    expect("error" in renameNode(graph(), "reason", "9x")).toBe(true);
  });

  it("pastes a copied subgraph with fresh ids, offset, inner edges and renamed references", () => {
    const g = graph();
    const copied = extractSubgraph(g, ["reason", "check", "verdict"]);
    expect(copied.edges.map((e) => e.id)).toEqual(["b", "d"]);
    const pasted = pasteSubgraph(g, copied);
    expect(pasted.nodeIds).toEqual(["reason_2", "check_2", "verdict_2"]);
    const check2 = pasted.graph.nodes.find((n) => n.id === "check_2");
    expect(check2?.position).toEqual({ x: 540, y: 40 });
    expect(check2?.kind === "condition" && check2.data.branches[0]?.expression).toBe("reason_2.amount > 100");
    expect(pasted.graph.edges.slice(-2)).toEqual([
      { id: "reason_2->check_2", source: "reason_2", target: "check_2" },
      { id: "check_2.else->verdict_2", source: "check_2", target: "verdict_2", sourceHandle: "else" },
    ]);
    const verdict2 = pasted.graph.nodes.find((n) => n.id === "verdict_2");
    expect(verdict2?.kind === "verdict" && verdict2.data.outcome).toBe('reason_2.amount > 0 ? "approve" : "deny"');
    // Into another mission where the ids are free, they are kept.
    const other = missionGraphSchema.parse({ format: "steward.mission/v1", name: "Other", nodes: [], edges: [] });
    const into = pasteSubgraph(other, copied, { at: { x: 0, y: 0 } });
    expect(into.nodeIds).toEqual(["reason", "check", "verdict"]);
    expect(into.graph.nodes[0]?.position).toEqual({ x: 0, y: 0 });
  });

  it("reads the clipboard: a copied subgraph round-trips, garbage is refused with a reason", () => {
    const copied = extractSubgraph(graph(), ["reason", "check"]);
    const parsed = parseClipboard(JSON.stringify(copied));
    expect(parsed).toEqual({ ok: true, nodes: copied.nodes, edges: copied.edges });
    expect(parseClipboard("hello")).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
    expect(parseClipboard("[1,2]")).toMatchObject({ ok: false, reason: expect.stringMatching(/not a Steward mission/) });
    expect(parseClipboard('{"a":1}')).toMatchObject({ ok: false, reason: expect.stringMatching(/steward.mission\/v1/) });
    expect(parseClipboard('{"format":"steward.mission/v1","nodes":[{"id":"x","kind":"teleport","position":{"x":0,"y":0},"data":{}}],"edges":[]}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Pasted node x is not valid/),
    });
    expect(parseClipboard("")).toMatchObject({ ok: false });
  });
});
