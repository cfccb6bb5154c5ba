import type { Viewport } from "@xyflow/react";
import type { MissionGraph } from "@/lib/mission/schema";
import { DEFAULT_NODE_SIZE } from "./auto-layout";

/** Below this zoom a node's text cannot be read, so opening a big mission does not zoom further out. */
export const MIN_READABLE_ZOOM = 0.35;
const PADDING = 48;

/**
 * Where the canvas opens: the whole mission when it fits at a readable zoom, otherwise a readable
 * zoom with the trigger (where a run starts) at the left edge. Rendering only what is in view then
 * keeps opening a thousand-step mission fast.
 */
export function initialViewport(graph: Pick<MissionGraph, "nodes">, width: number, height: number): Viewport {
  if (!graph.nodes.length || width <= 0 || height <= 0) return { x: 0, y: 0, zoom: 1 };
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of graph.nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + DEFAULT_NODE_SIZE.width);
    maxY = Math.max(maxY, n.position.y + DEFAULT_NODE_SIZE.height);
  }
  const fit = Math.min(1, (width - 2 * PADDING) / (maxX - minX), (height - 2 * PADDING) / (maxY - minY));
  if (fit >= MIN_READABLE_ZOOM) {
    return {
      zoom: fit,
      x: (width - (maxX - minX) * fit) / 2 - minX * fit,
      y: (height - (maxY - minY) * fit) / 2 - minY * fit,
    };
  }
  const zoom = MIN_READABLE_ZOOM;
  const start = graph.nodes.find((n) => n.kind === "trigger") ?? graph.nodes.reduce((a, b) => (b.position.x < a.position.x ? b : a));
  return {
    zoom,
    x: PADDING - start.position.x * zoom,
    y: height / 2 - (start.position.y + DEFAULT_NODE_SIZE.height / 2) * zoom,
  };
}
