import { describe, expect, it } from "vitest";
import { evaluateExpression } from "./expressions";
import { expressionScope } from "./scope";

const graph = {
  nodes: [{ id: "start", kind: "trigger" }, { id: "a" }, { id: "b" }, { id: "c" }, { id: "side" }, { id: "end" }],
  edges: [
    { source: "start", target: "a" },
    { source: "a", target: "b" },
    { source: "a", target: "c" },
    { source: "b", target: "end" },
    { source: "c", target: "end" },
    { source: "start", target: "side" },
  ],
};

describe("expressionScope", () => {
  it("holds the run input as trigger (and under the trigger's id), upstream outputs and skipped ids", () => {
    const scope = expressionScope(graph, "end", {
      input: { orderId: "A-1" },
      outputs: { a: { n: 1 }, b: { n: 2 }, side: { n: 9 } },
      skipped: ["c"],
    });
    expect(scope).toEqual({ trigger: { orderId: "A-1" }, start: { orderId: "A-1" }, a: { n: 1 }, b: { n: 2 }, skipped: ["c"] });
  });

  it("leaves out nodes that are not upstream, even when they ran or were skipped", () => {
    const scope = expressionScope(graph, "b", { input: {}, outputs: new Map([["a", 1], ["c", 3], ["side", 4]]), skipped: ["end"] });
    expect(Object.keys(scope).sort()).toEqual(["a", "skipped", "start", "trigger"]);
    expect(scope.skipped).toEqual([]);
  });

  it("sorts skipped ids and turns a missing output into null", () => {
    const scope = expressionScope(graph, "end", { input: undefined, outputs: { a: undefined }, skipped: ["c", "b"] });
    expect(scope).toMatchObject({ trigger: {}, a: null, skipped: ["b", "c"] });
  });

  it("is what expressions evaluate against", () => {
    const scope = expressionScope(graph, "end", { input: { x: 2 }, outputs: { a: { n: 1 }, b: { n: 40.5 } }, skipped: ["c"] });
    expect(evaluateExpression('"c" in skipped ? b.n + trigger.x : c.n', scope)).toBe(42.5);
  });
});
