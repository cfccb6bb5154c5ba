import { describe, expect, it } from "vitest";
import { largeMission } from "@/lib/mission/bench";
import { refundMission } from "@/lib/mission/templates";
import { FIT_PADDING, initialFit, initialViewport, MIN_READABLE_ZOOM } from "./initial-viewport";
import { cardGeometry } from "./nodes/card-geometry";

describe("initialViewport", () => {
  it("fits a mission that is readable whole, centred", () => {
    const v = initialViewport(refundMission(), 1600, 800);
    expect(v.zoom).toBeGreaterThanOrEqual(MIN_READABLE_ZOOM);
    expect(v.zoom).toBeLessThanOrEqual(1);
    // The trigger (left-most) and the verdict (right-most) are both on screen.
    const xs = refundMission().nodes.map((n) => n.position.x * v.zoom + v.x);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs) + 220 * v.zoom).toBeLessThanOrEqual(1600);
  });

  it("keeps a fitted mission clear of the minimap and zoom controls at the bottom, tallest cards included", () => {
    const graph = refundMission();
    const { viewport: v, whole } = initialFit(graph, 900, 800);
    expect(whole).toBe(true);
    for (const n of graph.nodes) {
      const top = n.position.y * v.zoom + v.y;
      const bottom = (n.position.y + cardGeometry(n).height) * v.zoom + v.y;
      expect(top, n.id).toBeGreaterThanOrEqual(FIT_PADDING.top - 0.01);
      expect(bottom, n.id).toBeLessThanOrEqual(800 - FIT_PADDING.bottom + 0.01);
    }
    expect(initialFit(largeMission(), 900, 800).whole).toBe(false);
  });

  it("opens a huge mission at a readable zoom with the trigger at the left", () => {
    const graph = largeMission();
    const v = initialViewport(graph, 900, 800);
    expect(v.zoom).toBe(MIN_READABLE_ZOOM);
    const trigger = graph.nodes.find((n) => n.kind === "trigger");
    const x = (trigger?.position.x ?? NaN) * v.zoom + v.x;
    const y = (trigger?.position.y ?? NaN) * v.zoom + v.y;
    expect(x).toBeGreaterThan(0);
    expect(x).toBeLessThan(100);
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(800);
  });

  it("keeps zoom 1 for a single step", () => {
    expect(initialViewport({ nodes: [refundMission().nodes[0]!] }, 800, 600).zoom).toBe(1);
    expect(initialViewport({ nodes: [] }, 800, 600)).toEqual({ x: 0, y: 0, zoom: 1 });
  });
});
