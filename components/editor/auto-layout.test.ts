import { describe, expect, it } from "vitest";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import { autoLayout, DEFAULT_NODE_SIZE, labelGap } from "./auto-layout";

function overlaps(graph: MissionGraph, size = DEFAULT_NODE_SIZE): string[] {
  const found: string[] = [];
  graph.nodes.forEach((a, i) =>
    graph.nodes.slice(i + 1).forEach((b) => {
      const apart =
        a.position.x + size.width <= b.position.x ||
        b.position.x + size.width <= a.position.x ||
        a.position.y + size.height <= b.position.y ||
        b.position.y + size.height <= a.position.y;
      if (!apart) found.push(`${a.id}/${b.id}`);
    }),
  );
  return found;
}

describe("autoLayout", () => {
  it("lays a branching graph out left to right with no overlapping nodes, changing only positions", async () => {
    const stacked = missionGraphSchema.parse({
      format: "steward.mission/v1",
      name: "Stack",
      nodes: [
        { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: {} },
        { id: "ground", kind: "worker", position: { x: 0, y: 0 }, data: {} },
        { id: "check", kind: "condition", position: { x: 0, y: 0 }, data: { branches: [{ id: "big", expression: "true" }] } },
        { id: "gate", kind: "approval", position: { x: 0, y: 0 }, data: {} },
        { id: "pay", kind: "action", position: { x: 0, y: 0 }, data: {} },
        { id: "verdict", kind: "verdict", position: { x: 0, y: 0 }, data: {} },
        { id: "loose", kind: "worker", position: { x: 0, y: 0 }, data: {} },
      ],
      edges: [
        { id: "1", source: "trigger", target: "ground" },
        { id: "2", source: "ground", target: "check" },
        { id: "3", source: "check", target: "gate", sourceHandle: "big" },
        { id: "4", source: "check", target: "verdict", sourceHandle: "else" },
        { id: "5", source: "gate", target: "pay", sourceHandle: "approved" },
        { id: "6", source: "gate", target: "verdict", sourceHandle: "rejected" },
        { id: "7", source: "pay", target: "verdict" },
      ],
    });
    expect(overlaps(stacked).length).toBeGreaterThan(0);
    const laid = await autoLayout(stacked);
    expect(overlaps(laid)).toEqual([]);
    const x = (id: string) => laid.nodes.find((n) => n.id === id)?.position.x ?? NaN;
    expect(x("trigger")).toBeLessThan(x("ground"));
    expect(x("ground")).toBeLessThan(x("check"));
    expect(x("gate")).toBeLessThan(x("pay"));
    expect(x("pay")).toBeLessThan(x("verdict"));
    expect({ ...laid, nodes: laid.nodes.map((n) => ({ ...n, position: { x: 0, y: 0 } })) }).toEqual(stacked);
  });

  it("uses measured sizes so tall nodes do not overlap either", async () => {
    const g = missionGraphSchema.parse({
      format: "steward.mission/v1",
      name: "Tall",
      nodes: ["a", "b", "c"].map((id) => ({ id, kind: "worker", position: { x: 0, y: 0 }, data: {} })),
      edges: [],
    });
    const tall = { width: 300, height: 400 };
    const laid = await autoLayout(g, { a: tall, b: tall, c: tall });
    expect(overlaps(laid, tall)).toEqual([]);
  });

  it("leaves room for a branch's label between the two steps it joins, and only there", async () => {
    const g = missionGraphSchema.parse({
      format: "steward.mission/v1",
      name: "Labels",
      nodes: [
        { id: "start", kind: "trigger", position: { x: 0, y: 0 }, data: {} },
        { id: "gate", kind: "approval", position: { x: 0, y: 0 }, data: {} },
        { id: "pay", kind: "action", position: { x: 0, y: 0 }, data: {} },
        { id: "end", kind: "verdict", position: { x: 0, y: 0 }, data: {} },
      ],
      edges: [
        { id: "1", source: "start", target: "gate" },
        { id: "2", source: "gate", target: "pay", sourceHandle: "approved" },
        { id: "3", source: "pay", target: "end" },
      ],
    });
    const laid = await autoLayout(g);
    const x = (id: string) => laid.nodes.find((n) => n.id === id)?.position.x ?? NaN;
    const gap = (a: string, b: string) => x(b) - (x(a) + DEFAULT_NODE_SIZE.width);
    // "Approved" at the label's largest size is wider than the usual gap between columns…
    expect(labelGap("Approved")).toBeGreaterThan(gap("start", "gate"));
    expect(gap("gate", "pay")).toBeGreaterThanOrEqual(labelGap("Approved"));
    // …and unlabelled connections keep the usual gap.
    expect(gap("pay", "end")).toBe(gap("start", "gate"));
    expect(overlaps(laid)).toEqual([]);
  });
});

describe("autoLayout with a For each", () => {
  it("places the step after a group clear of the whole group, however small its measured box", async () => {
    const graph = missionGraphSchema.parse({
      format: "steward.mission/v1",
      name: "Digest",
      nodes: [
        { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: {} },
        { id: "loop", kind: "forEach", position: { x: 300, y: 0 }, data: { items: "[1]" } },
        { id: "fmt", kind: "transform", parentId: "loop", position: { x: 24, y: 138 }, data: {} },
        { id: "over", kind: "condition", parentId: "loop", position: { x: 284, y: 138 }, data: { branches: [{ id: "big", expression: "true" }] } },
        { id: "call", kind: "call", parentId: "loop", position: { x: 700, y: 138 }, data: {} },
        { id: "verdict", kind: "verdict", position: { x: 500, y: 0 }, data: {} },
      ],
      edges: [
        { id: "1", source: "trigger", target: "loop" },
        { id: "2", source: "loop", target: "verdict" },
        { id: "3", source: "fmt", target: "over" },
        { id: "4", source: "over", target: "call", sourceHandle: "big" },
      ],
    });
    // The editor may have measured the group before its last step went in, or only its card.
    const sizes: Record<string, { width: number; height: number }>[] = [{}, { loop: { width: 220, height: 90 } }];
    for (const measured of sizes) {
      const laid = await autoLayout(graph, measured);
      const at = (id: string) => laid.nodes.find((n) => n.id === id)?.position ?? { x: NaN, y: NaN };
      // The group reaches past its last step inside (call at x 700 in the group, ~200 wide).
      expect(at("verdict").x, JSON.stringify(measured)).toBeGreaterThanOrEqual(at("loop").x + 700 + 200);
      // Steps inside keep their place in the group.
      expect(at("call")).toEqual({ x: 700, y: 138 });
    }
  });
});
