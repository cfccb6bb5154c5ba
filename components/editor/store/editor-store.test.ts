import { afterEach, describe, expect, it, vi } from "vitest";
import { emptyMission, type MissionGraph } from "@/lib/mission/schema";
import { COALESCE_MS, createEditorStore } from "./editor-store";

function store(readOnly = false) {
  return createEditorStore({ missionId: "m1", graph: emptyMission("Test"), readOnly });
}

afterEach(() => {
  vi.useRealTimers();
});

describe("editor store", () => {
  it("undoes and redoes every kind of change back to each earlier graph exactly", () => {
    vi.useFakeTimers();
    const s = store();
    const snapshots: MissionGraph[] = [s.getState().graph];
    const step = (fn: () => void) => {
      fn();
      vi.advanceTimersByTime(COALESCE_MS + 1);
      snapshots.push(s.getState().graph);
    };
    step(() => s.getState().addNode("trigger", { x: 0, y: 0 }));
    step(() => s.getState().addNode("worker", { x: 300, y: 0 }));
    step(() => s.getState().connect({ source: "trigger", target: "worker" }));
    step(() => {
      s.getState().beginDrag();
      for (let x = 300; x <= 400; x += 10) s.getState().onNodesChange([{ type: "position", id: "worker", position: { x, y: 5 }, dragging: true }]);
      s.getState().endDrag();
    });
    step(() => {
      const worker = s.getState().graph.nodes.find((n) => n.id === "worker");
      if (worker?.kind !== "worker") throw new Error("no worker");
      s.getState().updateNodeData("worker", { ...worker.data, instructions: "Check the order" }, "instructions");
    });
    step(() => s.getState().renameNode("worker", "ground"));
    step(() => {
      s.getState().select(["ground"]);
      s.getState().deleteSelection();
    });
    step(() => s.getState().paste({ nodes: snapshots[6]?.nodes ?? [], edges: snapshots[6]?.edges ?? [] }, { offset: { x: 50, y: 50 } }));
    step(() => s.getState().setName("Renamed"));

    expect(new Set(snapshots).size).toBe(snapshots.length);
    for (let i = snapshots.length - 1; i > 0; i--) {
      s.getState().undo();
      expect(s.getState().graph).toEqual(snapshots[i - 1]);
    }
    s.getState().undo();
    expect(s.getState().graph).toEqual(snapshots[0]);
    for (let i = 1; i < snapshots.length; i++) {
      s.getState().redo();
      expect(s.getState().graph).toEqual(snapshots[i]);
    }
  });

  it("takes one undo step per drag, not one per frame", () => {
    const s = store();
    s.getState().addNode("trigger", { x: 0, y: 0 });
    const before = s.getState().graph;
    const depth = s.getState().past.length;
    s.getState().beginDrag();
    s.getState().onNodesChange([{ type: "position", id: "trigger", position: { x: 5, y: 5 }, dragging: true }]);
    s.getState().onNodesChange([{ type: "position", id: "trigger", position: { x: 9, y: 9 }, dragging: true }]);
    s.getState().endDrag();
    expect(s.getState().past.length).toBe(depth + 1);
    s.getState().undo();
    expect(s.getState().graph).toBe(before);
  });

  it("merges quick edits of one field into one step, but not edits of different fields", () => {
    vi.useFakeTimers();
    const s = store();
    s.getState().addNode("worker", { x: 0, y: 0 });
    const start = s.getState().graph;
    const edit = (field: string, value: string) => {
      const w = s.getState().graph.nodes[0];
      if (w?.kind !== "worker") throw new Error("no worker");
      s.getState().updateNodeData("worker", { ...w.data, [field]: value }, field);
    };
    edit("instructions", "a");
    vi.advanceTimersByTime(200);
    edit("instructions", "ab");
    vi.advanceTimersByTime(200);
    edit("instructions", "abc");
    edit("label", "Reason");
    s.getState().undo();
    const w = s.getState().graph.nodes[0];
    expect(w?.kind === "worker" && w.data.instructions).toBe("abc");
    s.getState().undo();
    expect(s.getState().graph).toBe(start);
  });

  it("refuses a bad connection with the reason and changes nothing", () => {
    const s = store();
    s.getState().addNode("trigger", { x: 0, y: 0 });
    s.getState().addNode("verdict", { x: 200, y: 0 });
    const before = s.getState().graph;
    expect(s.getState().connect({ source: "verdict", target: "trigger" })).toMatch(/verdict|trigger/);
    expect(s.getState().graph).toBe(before);
  });

  it("tracks selection from canvas changes and prunes it when nodes go away", () => {
    const s = store();
    s.getState().addNode("trigger", { x: 0, y: 0 });
    s.getState().addNode("verdict", { x: 200, y: 0 });
    s.getState().onNodesChange([{ type: "select", id: "trigger", selected: true }]);
    expect([...s.getState().selectedNodes].sort()).toEqual(["trigger", "verdict"]);
    s.getState().onNodesChange([{ type: "select", id: "verdict", selected: false }]);
    expect([...s.getState().selectedNodes]).toEqual(["trigger"]);
    s.getState().deleteSelection();
    expect(s.getState().selectedNodes.size).toBe(0);
    s.getState().undo();
    expect(s.getState().graph.nodes.map((n) => n.id)).toEqual(["trigger", "verdict"]);
  });

  it("knows whether the graph is saved", () => {
    const s = store();
    expect(s.getState().saveStatus).toBe("saved");
    s.getState().addNode("trigger", { x: 0, y: 0 });
    expect(s.getState().saveStatus).toBe("dirty");
    const sent = s.getState().graph;
    s.getState().markSaving();
    s.getState().addNode("verdict", { x: 0, y: 0 });
    expect(s.getState().saveStatus).toBe("saving");
    s.getState().markSaved(sent);
    expect(s.getState().saveStatus).toBe("dirty");
    s.getState().markSaved(s.getState().graph);
    expect(s.getState().saveStatus).toBe("saved");
    s.getState().undo();
    expect(s.getState().saveStatus).toBe("dirty");
  });

  it("changes nothing when read-only", () => {
    const s = store(true);
    expect(s.getState().addNode("trigger", { x: 0, y: 0 })).toBeNull();
    s.getState().onNodesChange([{ type: "position", id: "x", position: { x: 1, y: 1 } }]);
    expect(s.getState().graph.nodes).toEqual([]);
    expect(s.getState().past).toEqual([]);
  });

  it("groups problems by node and edge", () => {
    const s = store();
    const g = s.getState().graph;
    s.getState().setProblems(g, [
      { path: "nodes[0].data.title", message: "must not be empty", nodeId: "gate" },
      { path: "nodes[0].data.x", message: "second", nodeId: "gate" },
      { path: "edges[0].target", message: "dangling", edgeId: "e1" },
      { path: "", message: "no trigger" },
    ]);
    expect(s.getState().problemsByNode.get("gate")).toHaveLength(2);
    expect(s.getState().problemsByEdge.get("e1")).toHaveLength(1);
    expect(s.getState().problems).toHaveLength(4);
    expect(s.getState().validatedGraph).toBe(g);
  });
});
