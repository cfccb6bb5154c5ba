import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import { topLevel } from "@/lib/mission/groups";
import { nodeOutputs } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";
import type { Size } from "./graph-mapping";
import { groupSizes } from "./nodes/group";

/** Size assumed for a node the canvas has not measured yet (matches the node card's width). */
export const DEFAULT_NODE_SIZE: Size = { width: 220, height: 96 };

/** Space between two columns of steps; wider where a branch's label sits between them (labelGap). */
const COLUMN_GAP = 90;

const LAYOUT_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": String(COLUMN_GAP),
  "elk.spacing.nodeNode": "48",
  "elk.spacing.componentComponent": "80",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.crossingMinimization.semiInteractive": "true",
  "elk.separateConnectedComponents": "true",
};

/**
 * Lays the graph out left to right in layers (elkjs "layered"), keeping each node's output ports
 * in their drawn order so branch edges do not cross needlessly, then widens the gaps that a branch
 * label must fit in (widenForLabels). Returns a graph with only positions changed; nodes never overlap.
 */
export async function autoLayout(graph: MissionGraph, measured: Readonly<Record<string, Size>> = {}): Promise<MissionGraph> {
  if (!graph.nodes.length) return graph;
  // The bundled build runs without a Worker, in the browser and in Node alike.
  const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
  const elk = new ELK();
  // Steps inside a For each keep their place in its group, which is laid out as one (measured) box.
  const top = topLevel(graph.nodes);
  const ids = new Set(top.map((n) => n.id));
  // A group's box from the steps inside it now: what was measured may be its card or an older size.
  const groups = groupSizes(graph, measured);
  const children: ElkNode[] = top.map((node) => {
    const size = groups.get(node.id) ?? measured[node.id] ?? DEFAULT_NODE_SIZE;
    const outputs = nodeOutputs(node);
    return {
      id: node.id,
      width: size.width,
      height: size.height,
      layoutOptions: { "elk.portConstraints": "FIXED_ORDER" },
      ports: [
        { id: `${node.id}::in`, layoutOptions: { "elk.port.side": "WEST" } },
        ...outputs.map((p, i) => ({ id: `${node.id}::out::${p.handle ?? ""}`, layoutOptions: { "elk.port.side": "EAST", "elk.port.index": String(outputs.length - i) } })),
      ],
    };
  });
  const ports = new Set(children.flatMap((c) => (c.ports ?? []).map((p) => p.id)));
  const edges: ElkExtendedEdge[] = graph.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => {
      const sourcePort = `${e.source}::out::${e.sourceHandle ?? ""}`;
      return { id: e.id, sources: [ports.has(sourcePort) ? sourcePort : e.source], targets: [`${e.target}::in`] };
    });
  const laidOut = await elk.layout({ id: "root", layoutOptions: LAYOUT_OPTIONS, children, edges });
  const placed = (laidOut.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? DEFAULT_NODE_SIZE.width }));
  const shift = widenForLabels(graph, placed);
  const positions = new Map(placed.map((c) => [c.id, { x: Math.round(c.x + (shift.get(c.id) ?? 0)), y: Math.round(c.y) }]));
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const p = positions.get(node.id);
      return p && (p.x !== node.position.x || p.y !== node.position.y) ? { ...node, position: p } : node;
    }),
  };
}

/**
 * A connection's label is drawn half-way along it at a size that stays readable when zoomed out
 * (edges/routed-edge.css: up to 32 flow px, 16em at most). Its width at that largest size, plus
 * clear space either side: what the gap between its two steps must hold so it covers neither.
 */
const LABEL_FONT = 32;
const LABEL_CLEAR = 16;
export function labelGap(label: string): number {
  const em = Math.min(16, label.length * 0.6 + 1);
  return Math.ceil(em * LABEL_FONT + 2 + 2 * LABEL_CLEAR);
}

type Placed = { id: string; x: number; y: number; width: number };

/**
 * How far right to move each step so that every labelled connection between two neighbouring
 * columns has room for its label. Columns are the layers ELK drew (steps whose spans overlap);
 * widening a gap moves every column right of it, so no two steps come to overlap.
 */
function widenForLabels(graph: MissionGraph, placed: Placed[]): Map<string, number> {
  const sorted = [...placed].sort((a, b) => a.x - b.x);
  const column = new Map<string, number>();
  const columns: { left: number; right: number }[] = [];
  for (const p of sorted) {
    const last = columns.at(-1);
    if (last && p.x < last.right) last.right = Math.max(last.right, p.x + p.width);
    else columns.push({ left: p.x, right: p.x + p.width });
    column.set(p.id, columns.length - 1);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const needed = new Array<number>(columns.length).fill(0);
  for (const e of graph.edges) {
    const from = column.get(e.source);
    const to = column.get(e.target);
    const source = byId.get(e.source);
    if (from === undefined || to !== from + 1 || !source || !e.sourceHandle) continue;
    const label = nodeOutputs(source).find((p) => p.handle === e.sourceHandle)?.label ?? e.sourceHandle;
    needed[to] = Math.max(needed[to] ?? 0, labelGap(label));
  }
  const offsets: number[] = [];
  let offset = 0;
  columns.forEach((c, i) => {
    const prev = columns[i - 1];
    if (prev) offset += Math.max(0, (needed[i] ?? 0) - (c.left - prev.right));
    offsets.push(offset);
  });
  return new Map(placed.map((p) => [p.id, offsets[column.get(p.id) ?? 0] ?? 0]));
}
