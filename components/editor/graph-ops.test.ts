import { describe, expect, it } from "vitest";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import { validateMission } from "@/lib/mission/validate";
import {
  addInside,
  addNode,
  addNodeAfter,
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
import { nodeRect } from "./placement";

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

/** Pairs of cards that touch, by their drawn size. */
function overlapping(g: MissionGraph): string[] {
  const rects = g.nodes.map((n) => ({ id: n.id, ...nodeRect(n) }));
  return rects.flatMap((a, i) =>
    rects.slice(i + 1).filter((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height).map((b) => `${a.id}/${b.id}`),
  );
}

const edgeList = (g: MissionGraph) => g.edges.map((e) => `${e.source}${e.sourceHandle ? `.${e.sourceHandle}` : ""}->${e.target}`).sort();
const position = (g: MissionGraph, id: string) => g.nodes.find((n) => n.id === id)?.position;

describe("graph operations", () => {
  it("adds nodes with registry defaults and readable unused ids, where asked when that spot is free", () => {
    const g0 = graph();
    const { graph: g1, id } = addNode(g0, "worker", { x: 10.4, y: 300.6 });
    expect(id).toBe("worker");
    const { id: id2 } = addNode(g1, "worker", { x: 0, y: 600 });
    expect(id2).toBe("worker_2");
    const added = g1.nodes.at(-1);
    expect(added).toMatchObject({ id: "worker", kind: "worker", position: { x: 10, y: 301 }, data: { maxSteps: 8 } });
    expect(g0.nodes).toHaveLength(5);
  });

  it("puts a step asked for on top of another in the nearest free spot", () => {
    const g0 = graph();
    const wanted = { x: 250, y: 0 };
    let g = g0;
    // Five in a row on the same crowded spot: none lands on a card, each stays close.
    for (let i = 0; i < 5; i++) g = addNode(g, "action", wanted).graph;
    expect(overlapping(g)).toEqual([]);
    for (const n of g.nodes.slice(5)) expect(Math.hypot(n.position.x - wanted.x, n.position.y - wanted.y)).toBeLessThan(600);
  });

  it("+ on an output that leads nowhere adds the next step connected, right of it and clear of the others", () => {
    const result = addNodeAfter(graph(), "gate", "rejected", "verdict");
    if ("error" in result) throw new Error(result.error);
    expect(result.id).toBe("verdict_2");
    expect(edgeList(result.graph)).toContain("gate.rejected->verdict_2");
    expect(result.graph.edges).toHaveLength(6);
    const gate = nodeRect(graph().nodes.find((n) => n.id === "gate")!);
    expect(position(result.graph, "verdict_2")!.x).toBeGreaterThanOrEqual(gate.x + gate.width + 40);
    expect(overlapping(result.graph)).toEqual([]);
    // The steps already there did not move.
    for (const n of graph().nodes) expect(position(result.graph, n.id)).toEqual(n.position);
  });

  it("+ on a connected output puts the new step in between and moves what follows to the right", () => {
    const result = addNodeAfter(graph(), "trigger", undefined, "worker");
    if ("error" in result) throw new Error(result.error);
    const g = result.graph;
    expect(edgeList(g)).toEqual(["check.big->gate", "check.else->verdict", "gate.approved->verdict", "reason->check", "trigger->worker", "worker->reason"]);
    expect(overlapping(g)).toEqual([]);
    // Level with the trigger, and everything from "reason" on moved right by the same amount.
    expect(position(g, "worker")!.y).toBe(0);
    const shift = position(g, "reason")!.x - 250;
    expect(shift).toBeGreaterThan(0);
    for (const id of ["check", "gate", "verdict"]) expect(position(g, id)!.x - position(graph(), id)!.x).toBe(shift);
    expect(position(g, "trigger")).toEqual({ x: 0, y: 0 });
    expect(validateMission(g).problems).toEqual(validateMission(graph()).problems);
  });

  it("a step without a default output goes in between through its first one", () => {
    const condition = addNodeAfter(graph(), "reason", undefined, "condition");
    if ("error" in condition) throw new Error(condition.error);
    expect(edgeList(condition.graph)).toEqual(expect.arrayContaining(["reason->condition", "condition.else->check"]));
    expect(edgeList(condition.graph)).not.toContain("reason->check");
    const approval = addNodeAfter(graph(), "check", "big", "approval");
    if ("error" in approval) throw new Error(approval.error);
    expect(edgeList(approval.graph)).toEqual(expect.arrayContaining(["check.big->approval", "approval.approved->gate"]));
    // A verdict has no output: it is added beside what the output already leads to.
    const verdict = addNodeAfter(graph(), "reason", undefined, "verdict");
    if ("error" in verdict) throw new Error(verdict.error);
    expect(edgeList(verdict.graph)).toEqual(expect.arrayContaining(["reason->check", "reason->verdict_2"]));
    expect(overlapping(verdict.graph)).toEqual([]);
  });

  it("+ refuses what cannot be, with a reason", () => {
    expect(addNodeAfter(graph(), "reason", undefined, "trigger")).toEqual({ error: "A trigger cannot follow another step: it is where a run starts." });
    expect(addNodeAfter(graph(), "ghost", undefined, "worker")).toEqual({ error: "There is no step ghost." });
    expect(addNodeAfter(graph(), "gate", undefined, "worker")).toEqual({ error: "gate has no output called (default)." });
    expect(addNodeAfter(graph(), "verdict", undefined, "worker")).toEqual({ error: "verdict has no output called (default)." });
  });

  it("adds steps inside a For each, each after the last and connected, and deletes them with it", () => {
    const { graph: withLoop } = addNode(graph(), "forEach", { x: 0, y: 600 });
    const first = addInside(withLoop, "forEach", "transform");
    if ("error" in first) throw new Error(first.error);
    const firstNode = first.graph.nodes.find((n) => n.id === first.id);
    expect(firstNode).toMatchObject({ kind: "transform", parentId: "forEach", position: { x: 24, y: 138 } });
    const second = addInside(first.graph, "forEach", "condition");
    if ("error" in second) throw new Error(second.error);
    expect(second.graph.nodes.find((n) => n.id === second.id)).toMatchObject({ parentId: "forEach", position: { y: 138 } });
    expect(second.graph.edges.at(-1)).toMatchObject({ source: first.id, target: second.id });
    // The "+" on a step inside keeps the new step inside.
    const third = addNodeAfter(second.graph, second.id, "else", "wait");
    if ("error" in third) throw new Error(third.error);
    expect(third.graph.nodes.find((n) => n.id === third.id)).toMatchObject({ parentId: "forEach" });
    expect(third.graph.edges.at(-1)).toMatchObject({ source: second.id, sourceHandle: "else", target: third.id });
    expect(addInside(third.graph, "forEach", "approval")).toEqual({ error: "Approval steps cannot run inside a For each." });
    const deleted = deleteElements(third.graph, ["forEach"]);
    expect(deleted.nodes.map((n) => n.id)).toEqual(graph().nodes.map((n) => n.id));
    expect(deleted.edges).toEqual(graph().edges);
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
    expect(renameNode(graph(), "reason", "gate")).toEqual({ error: "Another step is already called gate" });
    expect("error" in renameNode(graph(), "reason", "9x")).toBe(true);
  });

  it("pastes a copied subgraph with fresh ids, labelled copies clear of the originals, inner edges and renamed references", () => {
    const g = graph();
    const copied = extractSubgraph(g, ["reason", "check", "verdict"]);
    expect(copied.edges.map((e) => e.id)).toEqual(["b", "d"]);
    const pasted = pasteSubgraph(g, copied);
    expect(pasted.nodeIds).toEqual(["reason_2", "check_2", "verdict_2"]);
    expect(overlapping(pasted.graph)).toEqual([]);
    const check2 = pasted.graph.nodes.find((n) => n.id === "check_2");
    expect(check2?.data.label).toBe("Condition (copy)");
    expect(pasted.graph.nodes.find((n) => n.id === "reason_2")?.data.label).toBe("Worker (copy)");
    // The copies keep their shape: each moved by the same offset.
    const offset = { x: check2!.position.x - 500, y: check2!.position.y };
    expect(offset).not.toEqual({ x: 0, y: 0 });
    expect(position(pasted.graph, "reason_2")).toEqual({ x: 250 + offset.x, y: offset.y });
    // A copy of a copy is not a "(copy) (copy)".
    const again = pasteSubgraph(pasted.graph, extractSubgraph(pasted.graph, ["check_2"]));
    expect(again.graph.nodes.at(-1)?.data.label).toBe("Condition (copy)");
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
    expect(into.graph.nodes.map((n) => n.data)).toEqual(copied.nodes.map((n) => n.data));
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
      reason: expect.stringMatching(/Pasted step x is not valid/),
    });
    expect(parseClipboard("")).toMatchObject({ ok: false });
  });
});
