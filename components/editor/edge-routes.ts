import type { MissionGraph } from "@/lib/mission/schema";
import type { Size } from "./graph-mapping";
import { cardGeometry, type CardGeometry } from "./nodes/card-geometry";
import { RectIndex, type Rect } from "./rect-index";

/**
 * Connections that would pass behind a card go around it instead. A connection is drawn as React
 * Flow's bezier curve unless that curve crosses a card that is neither its source nor its target;
 * then it leaves its source, runs along a horizontal lane clear of every card between the two
 * steps, and comes back level with its target. The lane is the `y` this file works out; the edge
 * component draws the path from its live end points (edges/routed-edge.tsx).
 */

/** How far a detour runs straight out of its source (and into its target) before it turns. */
export const STUB = 24;
/** Clear space kept between a connection and a card it passes: room for its label on the lane. */
const MARGIN = 24;
/** Samples taken along a curve to see whether it crosses a card. */
const SAMPLES = 20;
/** Handles stick out of the card's side by half their 12 px width. */
const HANDLE_OUT = 6;

interface Card extends Rect {
  id: string;
}

/** A bezier edge as React Flow draws it (curvature for a forward edge: control points half-way). */
function bezierAt(sx: number, sy: number, tx: number, ty: number, t: number): { x: number; y: number } {
  const mid = sx + (tx - sx) / 2;
  const u = 1 - t;
  const x = u * u * u * sx + 3 * u * u * t * mid + 3 * u * t * t * mid + t * t * t * tx;
  const y = u * u * u * sy + 3 * u * u * t * sy + 3 * u * t * t * ty + t * t * t * ty;
  return { x, y };
}

function inside(r: Rect, p: { x: number; y: number }, pad: number): boolean {
  return p.x > r.x - pad && p.x < r.x + r.width + pad && p.y > r.y - pad && p.y < r.y + r.height + pad;
}

/** Where a connection leaves its source: its output's handle (a row of the card, or the middle of its side). */
function sourceY(card: Rect, geometry: CardGeometry, handle: string | undefined): number {
  const out = geometry.handles.find((h) => h.type === "source" && (h.id ?? undefined) === handle);
  return out ? card.y + out.y + (out.height ?? 0) / 2 : card.y + card.height / 2;
}

/**
 * The lane (a flow `y`) of every connection that must go around a card; connections that need not
 * are left out. `measured` are the sizes React Flow measured; the rest are computed.
 */
export function edgeLanes(graph: Pick<MissionGraph, "nodes" | "edges">, measured: Readonly<Record<string, Size>>): ReadonlyMap<string, number> {
  const lanes = new Map<string, number>();
  if (graph.nodes.length < 3 || !graph.edges.length) return lanes;
  const byId = new Map<string, { geometry: CardGeometry; card: Card }>();
  for (const node of graph.nodes) {
    const geometry = cardGeometry(node);
    const size = measured[node.id] ?? geometry;
    byId.set(node.id, { geometry, card: { id: node.id, x: node.position.x, y: node.position.y, width: size.width, height: size.height } });
  }
  const index = new RectIndex([...byId.values()].map((v) => v.card));
  for (const edge of graph.edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) continue;
    const sx = source.card.x + source.card.width + HANDLE_OUT;
    const sy = sourceY(source.card, source.geometry, edge.sourceHandle);
    const tx = target.card.x - HANDLE_OUT;
    const ty = target.card.y + target.card.height / 2;
    // Backwards or side by side: React Flow's own curve is the best there is.
    if (tx - sx < 2 * STUB + 2 * MARGIN) continue;
    const own = (c: Card) => c.id === edge.source || c.id === edge.target;
    const box = { x: sx, y: Math.min(sy, ty), width: tx - sx, height: Math.abs(ty - sy) };
    const inTheWay = index.near(box, MARGIN).filter((c) => !own(c));
    if (!inTheWay.length) continue;
    let crosses = false;
    for (let i = 1; i < SAMPLES && !crosses; i++) {
      const p = bezierAt(sx, sy, tx, ty, i / SAMPLES);
      crosses = inTheWay.some((c) => inside(c, p, MARGIN / 2));
    }
    if (!crosses) continue;
    const lane = freeLane(index, own, sx + STUB - MARGIN, tx - STUB + MARGIN, sy, ty);
    if (lane !== null) lanes.set(edge.id, lane);
  }
  return lanes;
}

/**
 * The `y` nearest to both ends (`sy`, `ty`) where no card between `left` and `right` is in the way:
 * just above or below a run of overlapping cards. Looks in a window around the ends first and
 * widens it until it finds one: a boundary strictly inside the window is certain (any card
 * reaching it would be in the window), and nothing outside the window can be nearer.
 */
function freeLane(index: RectIndex<Card>, skip: (c: Card) => boolean, left: number, right: number, sy: number, ty: number): number | null {
  const low = Math.min(sy, ty);
  const high = Math.max(sy, ty);
  for (let reach = 320; reach < 1e7; reach *= 4) {
    const window = { x: left, y: low - reach, width: right - left, height: high - low + 2 * reach };
    const spans = index
      .near(window)
      .filter((c) => !skip(c))
      .map((c) => [c.y - MARGIN, c.y + c.height + MARGIN] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [top, bottom] of spans) {
      const last = merged[merged.length - 1];
      if (last && top <= last[1]) last[1] = Math.max(last[1], bottom);
      else merged.push([top, bottom]);
    }
    let best: number | null = null;
    let cost = Infinity;
    for (const [top, bottom] of merged) {
      for (const y of [top, bottom]) {
        if (y <= window.y || y >= window.y + window.height) continue;
        // Nearest to both ends; of two as near, the one nearer the source (fewer turns in its way).
        const c = Math.abs(y - sy) + Math.abs(y - ty) + Math.abs(y - sy) / 1000;
        if (c < cost) {
          cost = c;
          best = y;
        }
      }
    }
    if (best !== null) return best;
  }
  return null;
}

/** An SVG path through `points` with its corners rounded (each radius at most half of either side). */
export function roundedPath(points: readonly { x: number; y: number }[], radius: number): string {
  const [first] = points;
  if (!first) return "";
  let d = `M ${first.x} ${first.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const prev = points[i - 1] as { x: number; y: number };
    const at = points[i] as { x: number; y: number };
    const next = points[i + 1] as { x: number; y: number };
    const r = Math.min(radius, Math.hypot(at.x - prev.x, at.y - prev.y) / 2, Math.hypot(next.x - at.x, next.y - at.y) / 2);
    const toward = (from: { x: number; y: number }, len: number) => {
      const l = Math.hypot(from.x - at.x, from.y - at.y) || 1;
      return { x: at.x + ((from.x - at.x) / l) * len, y: at.y + ((from.y - at.y) / l) * len };
    };
    const a = toward(prev, r);
    const b = toward(next, r);
    d += ` L ${a.x} ${a.y} Q ${at.x} ${at.y} ${b.x} ${b.y}`;
  }
  const last = points[points.length - 1] as { x: number; y: number };
  return `${d} L ${last.x} ${last.y}`;
}

/** The detour of a connection along `lane`, and where its label sits (the middle of the lane). */
export function lanePath(sx: number, sy: number, tx: number, ty: number, lane: number): { path: string; labelX: number; labelY: number } {
  const x1 = sx + STUB;
  const x2 = tx - STUB;
  const path = roundedPath(
    [
      { x: sx, y: sy },
      { x: x1, y: sy },
      { x: x1, y: lane },
      { x: x2, y: lane },
      { x: x2, y: ty },
      { x: tx, y: ty },
    ],
    12,
  );
  return { path, labelX: (x1 + x2) / 2, labelY: lane };
}

const NO_LANES: ReadonlyMap<string, number> = new Map();

/**
 * Lanes for the canvas: worked out again when steps or connections change, but not on every frame
 * of a drag. While steps are dragged, the connections of the dragged steps are plain curves and
 * the others keep their lanes; on the drop everything is worked out again.
 */
export function createLaneCache(): (graph: Pick<MissionGraph, "nodes" | "edges">, dragged: ReadonlySet<string> | null) => ReadonlyMap<string, number> {
  let nodes: unknown = null;
  let edges: unknown = null;
  let lanes = NO_LANES;
  let frozen: { from: ReadonlyMap<string, number>; dragged: ReadonlySet<string>; lanes: ReadonlyMap<string, number> } | null = null;
  return (graph, dragged) => {
    if (dragged) {
      if (frozen?.from !== lanes || frozen.dragged !== dragged) {
        const kept = new Map<string, number>();
        for (const e of graph.edges) {
          const lane = lanes.get(e.id);
          if (lane !== undefined && !dragged.has(e.source) && !dragged.has(e.target)) kept.set(e.id, lane);
        }
        frozen = { from: lanes, dragged, lanes: kept };
      }
      return frozen.lanes;
    }
    frozen = null;
    if (graph.nodes !== nodes || graph.edges !== edges) {
      nodes = graph.nodes;
      edges = graph.edges;
      lanes = edgeLanes(graph, {});
    }
    return lanes;
  };
}
