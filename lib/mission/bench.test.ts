import { describe, expect, it } from "vitest";
import { benchmarkValidation, largeMission } from "./bench";
import { NODE_KIND_NAMES } from "./node-kinds";
import { validateMission } from "./validate";

describe("largeMission", () => {
  it("builds a valid mission of the requested size, using every node kind", () => {
    const g = largeMission(1_000, 1_200);
    expect(g.nodes).toHaveLength(1_000);
    expect(g.edges).toHaveLength(1_200);
    expect(new Set(g.nodes.map((n) => n.kind))).toEqual(new Set(NODE_KIND_NAMES));
    expect(validateMission(g).problems).toEqual([]);
  });

  it("refuses sizes too small to hold a trigger, a step and a verdict", () => {
    expect(() => largeMission(2)).toThrow(/at least 3/);
  });
});

describe("benchmarkValidation", () => {
  it("reports the graph it validated and its problem count (timings are for the benchmark script to judge)", () => {
    const r = benchmarkValidation(2, largeMission(50, 60));
    expect(r).toMatchObject({ nodes: 50, edges: 60, problems: 0 });
    expect(r.coldMs).toBeGreaterThan(0);
    expect(r.maxMs).toBeGreaterThanOrEqual(r.meanMs);
  });
});
