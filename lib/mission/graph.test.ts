import { describe, expect, it } from "vitest";
import {
  CycleError,
  downstreamOf,
  findCycles,
  incomingEdges,
  outgoingEdges,
  reachableFrom,
  topologicalOrder,
  upstreamOf,
  upstreamQuery,
  wouldCreateCycle,
  type GraphLike,
} from "./graph";
import { refundMission } from "./templates/refund";

function graph(ids: string[], pairs: [string, string][]): GraphLike {
  return { nodes: ids.map((id) => ({ id })), edges: pairs.map(([source, target], i) => ({ id: `e${i}`, source, target })) };
}

const diamond = graph(["a", "b", "c", "d"], [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"]]);

describe("edges of a node", () => {
  it("lists incoming and outgoing edges", () => {
    expect(incomingEdges(diamond, "d").map((e) => e.source)).toEqual(["b", "c"]);
    expect(outgoingEdges(diamond, "a").map((e) => e.target)).toEqual(["b", "c"]);
    expect(incomingEdges(diamond, "a")).toEqual([]);
  });
});

describe("upstreamOf / downstreamOf", () => {
  it("walks ancestors and descendants, nearest first", () => {
    expect(upstreamOf(diamond, "d")).toEqual(["b", "c", "a"]);
    expect(downstreamOf(diamond, "a")).toEqual(["b", "c", "d"]);
    expect(upstreamOf(diamond, "a")).toEqual([]);
  });

  it("knows the refund mission's dependencies", () => {
    const refund = refundMission();
    expect(upstreamOf(refund, "gate").sort()).toEqual(["ground", "reason", "trigger"]);
    expect(downstreamOf(refund, "refund").sort()).toEqual(["crm_note", "issue_refund", "verdict"]);
    expect(upstreamOf(refund, "verdict")).toHaveLength(7);
  });

  it("ignores edges to nodes that do not exist", () => {
    const g = graph(["a", "b"], [["a", "b"], ["ghost", "b"], ["b", "nowhere"]]);
    expect(upstreamOf(g, "b")).toEqual(["a"]);
    expect(downstreamOf(g, "b")).toEqual([]);
  });
});

describe("topologicalOrder", () => {
  it("puts every node after the nodes it depends on, ties in document order", () => {
    expect(topologicalOrder(diamond)).toEqual(["a", "b", "c", "d"]);
    const g = graph(["d", "c", "b", "a"], [["a", "b"], ["a", "c"], ["b", "d"], ["c", "d"]]);
    expect(topologicalOrder(g)).toEqual(["a", "c", "b", "d"]);
  });

  it("orders the refund mission", () => {
    const order = topologicalOrder(refundMission());
    const before = (a: string, b: string) => order.indexOf(a) < order.indexOf(b);
    expect(order[0]).toBe("trigger");
    expect(order[order.length - 1]).toBe("verdict");
    expect(before("gate", "refund") && before("refund", "issue_refund") && before("issue_refund", "crm_note")).toBe(true);
  });

  it("throws a CycleError naming the cycle", () => {
    const g = graph(["a", "b", "c"], [["a", "b"], ["b", "c"], ["c", "b"]]);
    expect(() => topologicalOrder(g)).toThrow(CycleError);
    expect(() => topologicalOrder(g)).toThrow(/b → c → b/);
  });
});

describe("findCycles", () => {
  it("finds one cycle per strongly connected group, and self loops", () => {
    const g = graph(["a", "b", "c", "d", "e"], [["a", "b"], ["b", "c"], ["c", "a"], ["d", "d"], ["c", "e"]]);
    expect(findCycles(g)).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("finds none in a DAG", () => {
    expect(findCycles(diamond)).toEqual([]);
  });

  it("handles long chains without recursion limits", () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `n${i}`);
    const pairs = ids.slice(1).map((id, i) => [ids[i] as string, id] as [string, string]);
    expect(findCycles(graph(ids, pairs))).toEqual([]);
    expect(findCycles(graph(ids, [...pairs, ["n19999", "n0"]]))[0]).toHaveLength(20_000);
  });
});

describe("wouldCreateCycle", () => {
  it("refuses connections back upstream and onto the node itself", () => {
    expect(wouldCreateCycle(diamond, "d", "a")).toBe(true);
    expect(wouldCreateCycle(diamond, "c", "b")).toBe(false);
    expect(wouldCreateCycle(diamond, "b", "b")).toBe(true);
    expect(wouldCreateCycle(diamond, "a", "d")).toBe(false);
  });
});

describe("reachableFrom", () => {
  it("collects roots and their descendants", () => {
    const g = graph(["a", "b", "c", "x"], [["a", "b"], ["b", "c"]]);
    expect([...reachableFrom(g, ["a"])].sort()).toEqual(["a", "b", "c"]);
    expect([...reachableFrom(g, ["missing"])]).toEqual([]);
  });
});

describe("upstreamQuery", () => {
  it("agrees with upstreamOf for every pair", () => {
    const g = graph(
      ["a", "b", "c", "d", "e", "f", "g"],
      [["a", "b"], ["b", "c"], ["c", "b"], ["c", "d"], ["a", "e"], ["e", "d"], ["f", "g"], ["g", "g"]],
    );
    const query = upstreamQuery(g);
    for (const n of g.nodes) {
      const ancestors = new Set(upstreamOf(g, n.id));
      for (const m of g.nodes) expect(query(n.id, m.id), `${m.id} upstream of ${n.id}`).toBe(ancestors.has(m.id));
    }
  });

  it("answers false for unknown ids", () => {
    expect(upstreamQuery(diamond)("d", "zzz")).toBe(false);
  });
});
