import { describe, expect, it } from "vitest";
import { missionGraphSchema, type MissionGraph } from "@/lib/mission/schema";
import {
  applyDimensionChanges,
  applyPositionChanges,
  connectionToEdge,
  createFlowMapper,
  fromFlow,
  REMOVED_PREFIX,
  toFlow,
  type MappingInput,
} from "./graph-mapping";

function sample(): MissionGraph {
  return missionGraphSchema.parse({
    format: "steward.mission/v1",
    name: "Sample",
    nodes: [
      { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: { fields: [{ name: "orderId", type: "string" }] } },
      { id: "check", kind: "condition", position: { x: 300, y: 0 }, data: { branches: [{ id: "big", label: "Big refund", expression: "trigger.amount > 100" }] } },
      { id: "gate", kind: "approval", position: { x: 600, y: -100 }, data: {} },
      { id: "verdict", kind: "verdict", position: { x: 900, y: 0 }, data: {} },
    ],
    edges: [
      { id: "e1", source: "trigger", target: "check" },
      { id: "e2", source: "check", target: "gate", sourceHandle: "big" },
      { id: "e3", source: "check", target: "verdict", sourceHandle: "else" },
      { id: "e4", source: "gate", target: "verdict", sourceHandle: "approved" },
    ],
  });
}

function input(graph: MissionGraph, over: Partial<MappingInput> = {}): MappingInput {
  return {
    graph,
    selectedNodes: new Set(),
    selectedEdges: new Set(),
    measured: {},
    problemsByNode: new Map(),
    problemsByEdge: new Map(),
    diff: null,
    readOnly: false,
    ...over,
  };
}

describe("graph mapping", () => {
  it("maps every domain node and edge to the canvas, keeping positions, kinds and ports", () => {
    const graph = sample();
    const { nodes, edges } = toFlow(input(graph));
    expect(nodes.map((n) => [n.id, n.type, n.position])).toEqual(graph.nodes.map((n) => [n.id, n.kind, n.position]));
    expect(nodes[1]?.data.node).toBe(graph.nodes[1]);
    expect(edges.map((e) => [e.id, e.source, e.target, e.sourceHandle, e.targetHandle])).toEqual([
      ["e1", "trigger", "check", null, null],
      ["e2", "check", "gate", "big", null],
      ["e3", "check", "verdict", "else", null],
      ["e4", "gate", "verdict", "approved", null],
    ]);
    // Branch edges are labelled as their port is on the card, so the canvas reads like the graph.
    expect(edges.map((e) => e.label)).toEqual([undefined, "Big refund", "Else", "Approved"]);
    expect(edges.every((e) => e.type === "routed" && e.data?.lane === null)).toBe(true);
    // Zoomed far out the labels are left off.
    expect(toFlow(input(graph, { edgeLabels: false })).edges.map((e) => e.label)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("round-trips: canvas back to domain gives the identical graph", () => {
    const graph = sample();
    const { nodes, edges } = toFlow(input(graph, { selectedNodes: new Set(["gate"]), measured: { gate: { width: 200, height: 80 } } }));
    expect(fromFlow(graph, nodes, edges)).toEqual(graph);
  });

  it("reads moved positions back into the domain graph and nothing else", () => {
    const graph = sample();
    const { nodes, edges } = toFlow(input(graph));
    const moved = nodes.map((n) => (n.id === "gate" ? { ...n, position: { x: 1, y: 2 } } : n));
    const back = fromFlow(graph, moved, edges);
    expect(back.nodes.find((n) => n.id === "gate")?.position).toEqual({ x: 1, y: 2 });
    expect(back.nodes.find((n) => n.id === "check")).toBe(graph.nodes[1]);
  });

  it("marks selection, problems, sizes and read-only on the canvas objects", () => {
    const graph = sample();
    const { nodes, edges } = toFlow(
      input(graph, {
        selectedNodes: new Set(["check"]),
        selectedEdges: new Set(["e2"]),
        measured: { check: { width: 240, height: 96 } },
        problemsByNode: new Map([["gate", ["title must not be empty"]]]),
        problemsByEdge: new Map([["e4", ["dangling"]]]),
        readOnly: true,
      }),
    );
    const check = nodes.find((n) => n.id === "check");
    expect(check?.selected).toBe(true);
    expect(check?.measured).toEqual({ width: 240, height: 96 });
    expect(check?.draggable).toBe(false);
    const gate = nodes.find((n) => n.id === "gate");
    expect(gate?.data.problems).toEqual(["title must not be empty"]);
    expect(gate?.className).toContain("has-problems");
    expect(edges.find((e) => e.id === "e2")?.selected).toBe(true);
    expect(edges.find((e) => e.id === "e4")?.className).toContain("has-problems");
  });

  it("reuses canvas objects whose inputs did not change, so a drag re-creates one node", () => {
    const mapper = createFlowMapper();
    const graph = sample();
    const first = mapper(input(graph));
    const dragged = applyPositionChanges(graph, [{ type: "position", id: "gate", position: { x: 10, y: 20 }, dragging: true }]);
    const second = mapper(input(dragged));
    const changed = second.nodes.filter((n, i) => n !== first.nodes[i]).map((n) => n.id);
    expect(changed).toEqual(["gate"]);
    expect(second.edges).toBe(first.edges);
    // Equal problem lists computed anew keep the old objects too.
    const third = mapper(input(dragged, { problemsByNode: new Map() }));
    expect(third.nodes.every((n, i) => n === second.nodes[i])).toBe(true);
  });

  it("re-labels edges when their source's branches change", () => {
    const mapper = createFlowMapper();
    const graph = sample();
    const first = mapper(input(graph));
    const renamed: MissionGraph = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.kind === "condition" ? { ...n, data: { ...n.data, branches: [{ id: "big", label: "Large", expression: "true" }] } } : n)),
    };
    const second = mapper(input(renamed));
    expect(second.edges.find((e) => e.id === "e2")?.label).toBe("Large");
    expect(second.edges.find((e) => e.id === "e1")).toBe(first.edges.find((e) => e.id === "e1"));
  });

  it("applies position changes, ignoring no-op moves and non-position changes", () => {
    const graph = sample();
    expect(applyPositionChanges(graph, [{ type: "select", id: "gate", selected: true }])).toBe(graph);
    expect(applyPositionChanges(graph, [{ type: "position", id: "gate", position: { x: 600, y: -100 } }])).toBe(graph);
    const moved = applyPositionChanges(graph, [{ type: "position", id: "gate", position: { x: 5, y: 6 } }]);
    expect(moved.nodes[2]?.position).toEqual({ x: 5, y: 6 });
    expect(graph.nodes[2]?.position).toEqual({ x: 600, y: -100 });
  });

  it("sizes a step React Flow has not measured from its card, and a measured one from the DOM", () => {
    const graph = sample();
    const { nodes } = toFlow(input(graph, { measured: { check: { width: 240, height: 200 } } }));
    const gate = nodes.find((n) => n.id === "gate");
    // Computed size and ports: React Flow can leave it unrendered until it scrolls into view.
    expect(gate?.measured).toEqual({ width: 220, height: 147 });
    expect(gate?.handles?.map((h) => h.id)).toEqual([null, "approved", "rejected"]);
    // Measured: the DOM's size, and no computed ports that would override the measured ones.
    const check = nodes.find((n) => n.id === "check");
    expect(check?.measured).toEqual({ width: 240, height: 200 });
    expect(check?.handles).toBeUndefined();
  });

  it("keeps measured sizes apart from the graph and only changes them when they differ", () => {
    const m0 = {};
    const m1 = applyDimensionChanges(m0, [{ type: "dimensions", id: "a", dimensions: { width: 10, height: 20 } }]);
    expect(m1).toEqual({ a: { width: 10, height: 20 } });
    expect(applyDimensionChanges(m1, [{ type: "dimensions", id: "a", dimensions: { width: 10, height: 20 } }])).toBe(m1);
  });

  it("turns a connection into a domain edge with a fresh id and only a named source port", () => {
    const graph = sample();
    const plain = connectionToEdge(graph, { source: "trigger", target: "verdict", sourceHandle: null, targetHandle: null });
    expect(plain).toEqual({ id: "trigger->verdict", source: "trigger", target: "verdict" });
    const branch = connectionToEdge({ edges: [...graph.edges, plain] }, { source: "gate", target: "verdict", sourceHandle: "rejected", targetHandle: null });
    expect(branch).toEqual({ id: "gate.rejected->verdict", source: "gate", target: "verdict", sourceHandle: "rejected" });
    const again = connectionToEdge({ edges: [...graph.edges, plain] }, { source: "trigger", target: "verdict", sourceHandle: null, targetHandle: null });
    expect(again.id).toBe("trigger->verdict#2");
  });

  it("draws a compared version's removed nodes and edges as ghosts that never reach the graph", () => {
    const graph = sample();
    const old = { id: "ground", kind: "worker", position: { x: 5, y: 5 }, data: { label: "Ground" } } as const;
    const parsedOld = missionGraphSchema.shape.nodes.element.parse(old);
    const { nodes, edges } = toFlow(
      input(graph, {
        diff: {
          added: new Set(["gate"]),
          changed: new Set(["check"]),
          moved: new Set(["verdict"]),
          removedNodes: [parsedOld],
          addedEdges: new Set(["e4"]),
          removedEdges: [{ id: "old", source: "trigger", target: "ground" }],
        },
      }),
    );
    expect(nodes.find((n) => n.id === "gate")?.data.diff).toBe("added");
    expect(nodes.find((n) => n.id === "check")?.className).toContain("diff-changed");
    expect(nodes.find((n) => n.id === "verdict")?.data.diff).toBe("moved");
    const ghost = nodes.find((n) => n.id === `${REMOVED_PREFIX}ground`);
    expect(ghost?.type).toBe("removed");
    expect(ghost?.selectable).toBe(false);
    const ghostEdge = edges.find((e) => e.id === `${REMOVED_PREFIX}old`);
    expect(ghostEdge?.target).toBe(`${REMOVED_PREFIX}ground`);
    expect(edges.find((e) => e.id === "e4")?.data?.diff).toBe("added");
    expect(fromFlow(graph, nodes, edges)).toEqual(graph);
  });
});

describe("graph mapping under many changes", () => {
  it("gives the same result through the drag fast path as a fresh mapping", () => {
    const mapper = createFlowMapper();
    let graph = sample();
    const base = { selectedNodes: new Set(["gate"]), measured: { gate: { width: 220, height: 90 } }, problemsByNode: new Map([["gate", ["x"]]]) };
    const view = input(graph, base);
    mapper(view);
    for (let i = 0; i < 5; i++) {
      graph = applyPositionChanges(graph, [{ type: "position", id: "gate", position: { x: i, y: i } }]);
      const out = mapper({ ...view, graph });
      expect(out).toEqual(toFlow({ ...view, graph }));
    }
    // Steps measured for the first time (scrolled into view) take the fast path too.
    const measured = { ...base.measured, verdict: { width: 220, height: 70 } };
    const resized = mapper({ ...view, graph, measured });
    expect(resized).toEqual(toFlow({ ...view, graph, measured }));
    expect(resized.nodes.find((n) => n.id === "verdict")?.measured).toEqual({ width: 220, height: 70 });
    // A data change after the fast path re-labels edges through the general pass.
    graph = { ...graph, nodes: graph.nodes.map((n) => (n.kind === "condition" ? { ...n, data: { ...n.data, branches: [{ id: "big", label: "Huge", expression: "true" }] } } : n)) };
    expect(mapper({ ...view, graph, measured }).edges.find((e) => e.id === "e2")?.label).toBe("Huge");
    // New lanes after a move re-create only the connections whose lane changed.
    const before = mapper({ ...view, graph, measured });
    const lanes = new Map([["e3", 420]]);
    const relaned = mapper({ ...view, graph, measured, lanes });
    expect(relaned).toEqual(toFlow({ ...view, graph, measured, lanes }));
    expect(relaned.edges.find((e) => e.id === "e3")?.data?.lane).toBe(420);
    expect(relaned.edges.filter((e, i) => e !== before.edges[i]).map((e) => e.id)).toEqual(["e3"]);
  });
});
