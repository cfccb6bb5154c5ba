import type { MissionGraph, MissionNode } from "@/lib/mission/schema";
import type { Size } from "./graph-mapping";
import { cardGeometry } from "./nodes/card-geometry";
import { bounds, RectIndex, type Rect, type XY } from "./rect-index";

export type { Rect, XY };

/**
 * Where new, pasted and duplicated steps go: the free spot nearest to where they were asked for,
 * so nothing lands on top of a card already there.
 */

/** The clear space kept between a placed card and its neighbours. */
export const PLACEMENT_GAP = 32;
/** Candidate spots are this far apart: fine enough to stay close, coarse enough to be quick. */
const GRID = 24;
/** How far from the wanted spot the search looks (in grid steps) before giving up on nearness. */
const MAX_RINGS = 60;

/** A step's card on the canvas: its measured size when the canvas has one, else the computed one. */
export function nodeRect(node: Pick<MissionNode, "kind" | "data" | "position" | "id">, measured?: Readonly<Record<string, Size>>): Rect {
  const size = measured?.[node.id] ?? cardGeometry(node);
  return { x: node.position.x, y: node.position.y, width: size.width, height: size.height };
}

export function graphRects(graph: Pick<MissionGraph, "nodes">, measured?: Readonly<Record<string, Size>>, except?: ReadonlySet<string>): Rect[] {
  const out: Rect[] = [];
  for (const n of graph.nodes) if (!except?.has(n.id)) out.push(nodeRect(n, measured));
  return out;
}

/**
 * The offset nearest to `wanted` at which every shape (cards placed together, in their own
 * coordinates) keeps PLACEMENT_GAP from every occupied rectangle. `allow` can rule offsets out
 * (e.g. "not left of the step it follows"). Candidates are searched ring by ring around `wanted`
 * on a grid, and the nearest free one wins; if none is free nearby, the shapes go to the right of
 * everything, which is always free.
 */
export function freeOffset(occupied: readonly Rect[], shapes: readonly Rect[], wanted: XY, allow: (offset: XY) => boolean = () => true): XY {
  if (!shapes.length) return wanted;
  const group = bounds(shapes);
  const index = new RectIndex(occupied);
  const fits = (o: XY) => allow(o) && shapes.every((s) => !index.clashes({ ...s, x: s.x + o.x, y: s.y + o.y }, PLACEMENT_GAP));
  let best: XY | null = null;
  let bestDistance = Infinity;
  for (let ring = 0; ring <= MAX_RINGS; ring++) {
    // A ring's nearest spot is `ring` steps away: once that is farther than the best, stop.
    if (ring * GRID > bestDistance) break;
    for (let i = -ring; i <= ring; i++) {
      for (let j = -ring; j <= ring; j++) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        const o = { x: wanted.x + i * GRID, y: wanted.y + j * GRID };
        const distance = Math.hypot(i * GRID, j * GRID);
        if (distance < bestDistance && fits(o)) {
          best = o;
          bestDistance = distance;
        }
      }
    }
  }
  if (best) return best;
  const all = occupied.length ? bounds(occupied) : group;
  return { x: all.x + all.width + PLACEMENT_GAP - group.x, y: wanted.y };
}

/** The top-left corner nearest to `wanted` where a card of `size` keeps clear of every occupied one. */
export function freeSpot(occupied: readonly Rect[], size: Size, wanted: XY, allow?: (at: XY) => boolean): XY {
  return freeOffset(occupied, [{ x: 0, y: 0, ...size }], wanted, allow);
}
