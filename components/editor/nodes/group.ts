import { holdsSteps } from "@/lib/mission/groups";
import type { MissionGraph } from "@/lib/mission/schema";
import type { Size } from "../graph-mapping";
import { cardGeometry } from "./card-geometry";

/**
 * A step that holds steps (a For each) is drawn as a group: its own card in the top-left corner and, below it, the steps
 * inside it (React Flow child nodes, positioned relative to the group). The group is as large as
 * its card and every step inside, plus a margin.
 */

export const GROUP_PAD = 24;
/** Where the first step inside a group goes, below the For each's card. */
export const GROUP_FIRST = { x: GROUP_PAD, y: 89.5 + 2 * GROUP_PAD };

/**
 * How far a group's card's ports reach past the card: to the group's border, so a connection into
 * or out of the group meets its box, not its card inside it (and does not cross the box).
 */
export interface PortReach {
  left: number;
  right: number;
}

/** The reach of a card `cardWidth` wide whose left border is `inset` in from its group's (`width` wide) outer left edge. */
export function portReach(width: number, cardWidth: number, inset: number): PortReach {
  return { left: inset, right: Math.max(0, width - inset - cardWidth) };
}

/** Each group's size, by id, from the cards inside it (measured, else computed). */
export function groupSizes(graph: Pick<MissionGraph, "nodes">, measured: Readonly<Record<string, Size>>): Map<string, Size> {
  const sizes = new Map<string, Size>();
  for (const n of graph.nodes) {
    if (!holdsSteps(n.kind)) continue;
    const card = cardGeometry(n);
    sizes.set(n.id, { width: card.width + 2 * GROUP_PAD, height: card.height + 2 * GROUP_PAD });
  }
  for (const n of graph.nodes) {
    const group = n.parentId === undefined ? undefined : sizes.get(n.parentId);
    if (!group) continue;
    const size = measured[n.id] ?? cardGeometry(n);
    group.width = Math.max(group.width, n.position.x + size.width + GROUP_PAD);
    group.height = Math.max(group.height, n.position.y + size.height + GROUP_PAD);
  }
  return sizes;
}
