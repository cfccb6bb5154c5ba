import { describe, expect, it } from "vitest";
import { largeMission } from "@/lib/mission/bench";
import { refundMission } from "@/lib/mission/templates/refund";
import type { MissionGraph } from "@/lib/mission/schema";
import { edgeLanes, lanePath, roundedPath, STUB } from "./edge-routes";
import { cardGeometry } from "./nodes/card-geometry";
import { nodeRect } from "./placement";

/** Points along an SVG path of M/L/Q commands, every few px. */
function sample(path: string): { x: number; y: number }[] {
  const tokens = path.split(" ");
  const out: { x: number; y: number }[] = [];
  let at = { x: 0, y: 0 };
  for (let i = 0; i < tokens.length; ) {
    const cmd = tokens[i++];
    const num = () => Number(tokens[i++]);
    if (cmd === "M") at = { x: num(), y: num() };
    else if (cmd === "L") {
      const to = { x: num(), y: num() };
      for (let t = 0; t <= 1; t += 0.02) out.push({ x: at.x + (to.x - at.x) * t, y: at.y + (to.y - at.y) * t });
      at = to;
    } else if (cmd === "Q") {
      const c = { x: num(), y: num() };
      const to = { x: num(), y: num() };
      for (let t = 0; t <= 1; t += 0.1) out.push({ x: (1 - t) ** 2 * at.x + 2 * (1 - t) * t * c.x + t * t * to.x, y: (1 - t) ** 2 * at.y + 2 * (1 - t) * t * c.y + t * t * to.y });
      at = to;
    }
  }
  return out;
}

/** The cards (other than its own ends) a laned connection passes through. */
function crossed(graph: MissionGraph, edgeId: string, lane: number): string[] {
  const edge = graph.edges.find((e) => e.id === edgeId)!;
  const source = graph.nodes.find((n) => n.id === edge.source)!;
  const target = graph.nodes.find((n) => n.id === edge.target)!;
  const s = nodeRect(source);
  const t = nodeRect(target);
  const out = cardGeometry(source).handles.find((h) => h.type === "source" && (h.id ?? undefined) === edge.sourceHandle);
  const sy = out ? s.y + out.y + 6 : s.y + s.height / 2;
  const { path } = lanePath(s.x + s.width + 6, sy, t.x - 6, t.y + t.height / 2, lane);
  const points = sample(path).slice(3, -3);
  return graph.nodes
    .filter((n) => n.id !== source.id && n.id !== target.id)
    .filter((n) => {
      const r = nodeRect(n);
      return points.some((p) => p.x > r.x && p.x < r.x + r.width && p.y > r.y && p.y < r.y + r.height);
    })
    .map((n) => n.id);
}

describe("edge routes", () => {
  it("sends the refund's long connections around the cards they would pass behind, and leaves the rest alone", () => {
    const graph = refundMission();
    const lanes = edgeLanes(graph, {});
    expect([...lanes.keys()].sort()).toEqual(["e-gate-denied-verdict", "e-refund-rejected-verdict"]);
    // "Denied" runs just above the row of the approval, the refund and the note.
    const refund = nodeRect(graph.nodes.find((n) => n.id === "refund")!);
    expect(lanes.get("e-gate-denied-verdict")).toBeLessThan(refund.y);
    expect(lanes.get("e-gate-denied-verdict")).toBeGreaterThan(refund.y - 30);
    for (const [id, lane] of lanes) expect(crossed(graph, id, lane), id).toEqual([]);
  });

  it("takes measured sizes over computed ones", () => {
    const graph = refundMission();
    // A taller refund card: the lane under it has to move down with it.
    const tall = edgeLanes(graph, { issue_refund: { width: 220, height: 400 } });
    const lane = tall.get("e-refund-rejected-verdict");
    expect(lane === undefined || lane < 260 || lane > 660).toBe(true);
  });

  it("draws a lane with rounded corners through its points, the label in the middle of the lane", () => {
    const { path, labelX, labelY } = lanePath(0, 100, 400, 50, 20);
    expect(path.startsWith("M 0 100 L")).toBe(true);
    expect(path.endsWith("L 400 50")).toBe(true);
    expect(labelX).toBe(200);
    expect(labelY).toBe(20);
    const points = sample(path);
    // It runs along the lane between the turns.
    expect(points.some((p) => Math.abs(p.y - 20) < 0.01 && p.x > STUB + 12 && p.x < 400 - STUB - 12)).toBe(true);
    expect(roundedPath([{ x: 0, y: 0 }], 10)).toBe("M 0 0 L 0 0");
  });

  it("finds a clear lane for every connection of a 1,000-step mission that needs one", () => {
    const graph = largeMission(1_000, 1_200);
    const lanes = edgeLanes(graph, {});
    // Its grid has a card between the ends of every "skip one" connection.
    expect(lanes.size).toBeGreaterThan(100);
    for (const [id, lane] of lanes) expect(crossed(graph, id, lane), id).toEqual([]);
  });
});
