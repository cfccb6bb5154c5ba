import { Position, type NodeHandle } from "@xyflow/react";
import { getNodeKind, nodeOutputs, type OutputPort } from "@/lib/mission/node-kinds";
import type { MissionNode } from "@/lib/mission/schema";

/**
 * The size of a step's card and where its ports sit, computed from node-card.tsx's layout (CSS px
 * at zoom 1) instead of measured from the DOM.
 *
 * React Flow draws every step it has not measured yet, visible or not, so a thousand-step mission
 * would mount a thousand cards to show the eighty in view. Handing it this geometry up front lets
 * it render only what is in view on the first frame and lay edges out at once. Every card it does
 * render is still measured (a ResizeObserver), and a measured size replaces this one.
 * e2e/editor-large.spec.ts checks these figures against the cards the browser draws.
 */

export const NODE_WIDTH = 220;
/** Handles are 12 px squares centred on the card's edge, inside its 1 px border. */
const HANDLE = 12;
const BORDER = 1;
/** Border, header (icon, title, kind and id) and the one-line summary. */
const BASE_HEIGHT = 89.5;
/** The header and summary alone: what a far-out card draws as one block of this height. */
export const HEAD_HEIGHT = BASE_HEIGHT - 2 * BORDER;
/** The output list's top border and padding above its rows, and its padding below (`border-t py-1`). */
const PORTS_ABOVE = 5;
const PORTS_BELOW = 4;
/** One output row (`h-6`). */
const PORT_ROW = 24;
/** The first problem, shown under a selected card. */
export const PROBLEM_LINE = 25.5;

/**
 * The outputs a card lists as labelled rows, each with its handle: every port once any is named
 * (an action's "Done" and "Rejected"); none for a step with only its default port, whose one
 * handle sits in the middle of its right side.
 */
export function portRows(ports: readonly OutputPort[]): readonly OutputPort[] {
  return ports.some((p) => p.handle !== undefined) ? ports : [];
}

export interface CardGeometry {
  /** What the DOM reports (offsetWidth/offsetHeight, whole pixels). */
  width: number;
  height: number;
  handles: NodeHandle[];
}

export function cardGeometry(node: Pick<MissionNode, "kind" | "data">, marks: { selected?: boolean; problems?: number } = {}): CardGeometry {
  const ports = nodeOutputs(node as MissionNode);
  const rows = portRows(ports);
  // The output list starts where the summary ends, above the card's bottom border.
  const rowsTop = BASE_HEIGHT - BORDER + PORTS_ABOVE;
  let height = BASE_HEIGHT;
  if (rows.length) height += PORTS_ABOVE + PORTS_BELOW + PORT_ROW * rows.length;
  if (marks.selected && marks.problems) height += PROBLEM_LINE;
  const middle = height / 2 - HANDLE / 2;
  const left = BORDER - HANDLE / 2;
  const right = NODE_WIDTH - BORDER - HANDLE / 2;
  const handles: NodeHandle[] = [];
  if (getNodeKind(node.kind).inputs) handles.push({ id: null, type: "target", position: Position.Left, x: left, y: middle, width: HANDLE, height: HANDLE });
  rows.forEach((port, i) => {
    const y = rowsTop + i * PORT_ROW + PORT_ROW / 2 - HANDLE / 2;
    handles.push({ id: port.handle ?? null, type: "source", position: Position.Right, x: right, y, width: HANDLE, height: HANDLE });
  });
  if (!rows.length && ports.length) handles.push({ id: null, type: "source", position: Position.Right, x: right, y: middle, width: HANDLE, height: HANDLE });
  return { width: NODE_WIDTH, height: Math.round(height), handles };
}
