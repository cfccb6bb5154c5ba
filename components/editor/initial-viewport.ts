import type { Viewport } from "@xyflow/react";
import type { MissionGraph } from "@/lib/mission/schema";
import { cardGeometry, NODE_WIDTH } from "./nodes/card-geometry";

/** Below this zoom a node's text cannot be read, so opening a big mission does not zoom further out. */
export const MIN_READABLE_ZOOM = 0.35;

/**
 * Room kept around a fitted graph, in screen px: the bottom leaves the minimap (168 × 112 at 15 px
 * from the corner) and the zoom controls clear, so a fitted card is never under them.
 */
export const FIT_PADDING = { top: 48, right: 48, bottom: 144, left: 48 } as const;

/**
 * Where the canvas opens: the whole mission when it fits at a readable zoom (`whole`), otherwise
 * a readable zoom with the trigger (where a run starts) at the left edge. Rendering only what is
 * in view then keeps opening a thousand-step mission fast.
 */
export function initialFit(graph: Pick<MissionGraph, "nodes">, width: number, height: number): { viewport: Viewport; whole: boolean } {
  if (!graph.nodes.length || width <= 0 || height <= 0) return { viewport: { x: 0, y: 0, zoom: 1 }, whole: false };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of graph.nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + NODE_WIDTH);
    maxY = Math.max(maxY, n.position.y + cardGeometry(n).height);
  }
  const room = { width: width - FIT_PADDING.left - FIT_PADDING.right, height: height - FIT_PADDING.top - FIT_PADDING.bottom };
  const fit = Math.min(1, room.width / (maxX - minX), room.height / (maxY - minY));
  if (fit >= MIN_READABLE_ZOOM) {
    return {
      viewport: {
        zoom: fit,
        x: FIT_PADDING.left + (room.width - (maxX - minX) * fit) / 2 - minX * fit,
        y: FIT_PADDING.top + (room.height - (maxY - minY) * fit) / 2 - minY * fit,
      },
      whole: true,
    };
  }
  const zoom = MIN_READABLE_ZOOM;
  const start = graph.nodes.find((n) => n.kind === "trigger") ?? graph.nodes.reduce((a, b) => (b.position.x < a.position.x ? b : a));
  return {
    viewport: {
      zoom,
      x: FIT_PADDING.left - start.position.x * zoom,
      // Level with the middle of the canvas: it is read from the trigger rightwards, not fitted.
      y: height / 2 - (start.position.y + cardGeometry(start).height / 2) * zoom,
    },
    whole: false,
  };
}

/** The opening viewport alone (see initialFit). */
export function initialViewport(graph: Pick<MissionGraph, "nodes">, width: number, height: number): Viewport {
  return initialFit(graph, width, height).viewport;
}
