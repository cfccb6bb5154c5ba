import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import { nodeOutputs } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";
import type { Size } from "./graph-mapping";

/** Size assumed for a node the canvas has not measured yet (matches the node card's width). */
export const DEFAULT_NODE_SIZE: Size = { width: 220, height: 96 };

const LAYOUT_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": "90",
  "elk.spacing.nodeNode": "48",
  "elk.spacing.componentComponent": "80",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.crossingMinimization.semiInteractive": "true",
  "elk.separateConnectedComponents": "true",
};

/**
 * Lays the graph out left to right in layers (elkjs "layered"), keeping each node's output ports
 * in their drawn order so branch edges do not cross needlessly. Returns a graph with only positions
 * changed; nodes never overlap.
 */
export async function autoLayout(graph: MissionGraph, measured: Readonly<Record<string, Size>> = {}): Promise<MissionGraph> {
  if (!graph.nodes.length) return graph;
  // The bundled build runs without a Worker, in the browser and in Node alike.
  const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
  const elk = new ELK();
  const ids = new Set(graph.nodes.map((n) => n.id));
  const children: ElkNode[] = graph.nodes.map((node) => {
    const size = measured[node.id] ?? DEFAULT_NODE_SIZE;
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
  const positions = new Map((laidOut.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const p = positions.get(node.id);
      return p && (p.x !== node.position.x || p.y !== node.position.y) ? { ...node, position: p } : node;
    }),
  };
}
