import { wouldCreateCycle } from "@/lib/mission/graph";
import { createNode, getNodeKind, nextNodeId, nodeExprFields, nodeOutputs, type DataPath } from "@/lib/mission/node-kinds";
import {
  MISSION_FORMAT,
  missionEdgeSchema,
  missionNodeSchema,
  nodeIdSchema,
  type MissionEdge,
  type MissionGraph,
  type MissionNode,
  type NodeKind,
} from "@/lib/mission/schema";
import { renameRootIdentifier } from "./expression-rename";
import { newEdgeId } from "./graph-mapping";

/**
 * Pure operations on the domain graph, one per editor command. Each returns a new graph (or the
 * same object when nothing changed) so the store can keep snapshots for undo.
 */

export interface XY {
  x: number;
  y: number;
}

export function addNode(graph: MissionGraph, kind: NodeKind, position: XY): { graph: MissionGraph; id: string } {
  const id = nextNodeId(
    graph.nodes.map((n) => n.id),
    kind,
  );
  const node = createNode(kind, id, { x: Math.round(position.x), y: Math.round(position.y) });
  return { graph: { ...graph, nodes: [...graph.nodes, node] }, id };
}

/** Removes nodes (with every edge touching them) and edges. */
export function deleteElements(graph: MissionGraph, nodeIds: Iterable<string>, edgeIds: Iterable<string> = []): MissionGraph {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (!nodes.size && !edges.size) return graph;
  const keptNodes = graph.nodes.filter((n) => !nodes.has(n.id));
  const keptEdges = graph.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target));
  if (keptNodes.length === graph.nodes.length && keptEdges.length === graph.edges.length) return graph;
  return { ...graph, nodes: keptNodes, edges: keptEdges };
}

export interface ConnectionRequest {
  source: string;
  target: string;
  sourceHandle?: string | null;
}

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

/** The editor's connection rules, each refusal with a reason a builder can act on. */
export function checkConnection(graph: MissionGraph, c: ConnectionRequest): ConnectionCheck {
  const source = graph.nodes.find((n) => n.id === c.source);
  const target = graph.nodes.find((n) => n.id === c.target);
  if (!source || !target) return { ok: false, reason: "Both ends of a connection must be nodes on the canvas." };
  if (source.id === target.id) return { ok: false, reason: `A node cannot lead into itself (${source.id}).` };
  if (target.kind === "trigger") return { ok: false, reason: "Nothing can lead into a trigger: it is where a run starts." };
  if (source.kind === "verdict") return { ok: false, reason: "Nothing can follow a verdict: it is where a run ends." };
  if (!getNodeKind(target.kind)?.inputs) return { ok: false, reason: `${target.id} takes no inputs.` };
  const handle = c.sourceHandle ?? undefined;
  const ports = nodeOutputs(source);
  if (!ports.some((p) => p.handle === handle)) {
    return { ok: false, reason: `${source.id} has no output called ${handle ?? "(default)"}; connect from one of: ${ports.map((p) => p.label).join(", ")}.` };
  }
  if (graph.edges.some((e) => e.source === c.source && e.target === c.target && (e.sourceHandle ?? undefined) === handle)) {
    return { ok: false, reason: `${source.id} is already connected to ${target.id} from that output.` };
  }
  if (wouldCreateCycle(graph, c.source, c.target)) {
    return { ok: false, reason: `That would make a loop: ${target.id} already leads to ${source.id}. Missions run forward only.` };
  }
  return { ok: true };
}

export function connect(graph: MissionGraph, c: ConnectionRequest): { graph: MissionGraph; edge: MissionEdge } | { graph: MissionGraph; error: string } {
  const check = checkConnection(graph, c);
  if (!check.ok) return { graph, error: check.reason };
  const edge: MissionEdge = { id: newEdgeId(graph, c.source, c.target, c.sourceHandle), source: c.source, target: c.target };
  if (c.sourceHandle) edge.sourceHandle = c.sourceHandle;
  return { graph: { ...graph, edges: [...graph.edges, edge] }, edge };
}

/** Replaces a node's data. Edges leaving from output ports the new data no longer has are removed. */
export function updateNodeData(graph: MissionGraph, nodeId: string, data: MissionNode["data"]): MissionGraph {
  const index = graph.nodes.findIndex((n) => n.id === nodeId);
  const node = graph.nodes[index];
  if (!node || node.data === data) return graph;
  const updated = { ...node, data } as MissionNode;
  const nodes = graph.nodes.slice();
  nodes[index] = updated;
  const before = new Set(nodeOutputs(node).map((p) => p.handle));
  const after = new Set(nodeOutputs(updated).map((p) => p.handle));
  const gone = [...before].filter((h) => !after.has(h));
  const edges = gone.length ? graph.edges.filter((e) => e.source !== nodeId || !gone.includes(e.sourceHandle)) : graph.edges;
  return { ...graph, nodes, edges };
}

/** Renames an output port (a condition branch id) and moves the edges leaving it along. */
export function renameHandle(graph: MissionGraph, nodeId: string, from: string, to: string, data: MissionNode["data"]): MissionGraph {
  const withData = updateNodeDataKeepingEdges(graph, nodeId, data);
  return {
    ...withData,
    edges: withData.edges.map((e) => (e.source === nodeId && e.sourceHandle === from ? { ...e, sourceHandle: to } : e)),
  };
}

function updateNodeDataKeepingEdges(graph: MissionGraph, nodeId: string, data: MissionNode["data"]): MissionGraph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === nodeId ? ({ ...n, data } as MissionNode) : n)) };
}

function setAt(value: unknown, path: DataPath, next: unknown): unknown {
  if (!path.length) return next;
  const [head, ...rest] = path as [string | number, ...DataPath];
  if (Array.isArray(value)) {
    const copy = value.slice();
    copy[head as number] = setAt(copy[head as number], rest, next);
    return copy;
  }
  const obj = (value ?? {}) as Record<string, unknown>;
  return { ...obj, [head]: setAt(obj[head], rest, next) };
}

/** Rewrites every expression of a node whose references to `from` should now point at `to`. */
function renameReferences(node: MissionNode, from: string, to: string): MissionNode {
  let data: unknown = node.data;
  for (const field of nodeExprFields(node)) {
    const renamed = renameRootIdentifier(field.expression, from, to);
    if (renamed !== field.expression) data = setAt(data, field.path, renamed);
  }
  return data === node.data ? node : ({ ...node, data } as MissionNode);
}

/**
 * Changes a node's id (its name in expressions): edges and every expression that referred to it
 * follow. Returns an error naming the problem when the new id is not usable.
 */
export function renameNode(graph: MissionGraph, from: string, to: string): { graph: MissionGraph } | { error: string } {
  if (from === to) return { graph };
  const parsed = nodeIdSchema.safeParse(to);
  if (!parsed.success) return { error: `Node id ${parsed.error.issues[0]?.message ?? "is not valid"}` };
  if (graph.nodes.some((n) => n.id === to)) return { error: `Another node is already called ${to}` };
  if (!graph.nodes.some((n) => n.id === from)) return { error: `No node ${from}` };
  const nodes = graph.nodes.map((n) => renameReferences(n.id === from ? { ...n, id: to } : n, from, to));
  const edges = graph.edges.map((e) =>
    e.source === from || e.target === from ? { ...e, source: e.source === from ? to : e.source, target: e.target === from ? to : e.target } : e,
  );
  return { graph: { ...graph, nodes, edges } };
}

/** The selected nodes and the edges between them, as a mission document (what Ctrl+C copies). */
export function extractSubgraph(graph: MissionGraph, nodeIds: Iterable<string>): MissionGraph {
  const ids = new Set(nodeIds);
  return {
    format: MISSION_FORMAT,
    name: graph.name,
    description: "",
    nodes: graph.nodes.filter((n) => ids.has(n.id)),
    edges: graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
  };
}

function freshId(taken: Set<string>, id: string): string {
  if (!taken.has(id)) return id;
  const base = id.replace(/_\d+$/, "") || id;
  for (let n = 2; ; n++) {
    const candidate = `${base}_${n}`.slice(0, 64);
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Adds a subgraph's nodes and edges to the graph. Ids that are taken get fresh ones, and
 * expressions inside the pasted nodes follow the renames. `at` puts the subgraph's top-left
 * corner there; otherwise it lands `offset` from where it was.
 */
export function pasteSubgraph(
  graph: MissionGraph,
  sub: Pick<MissionGraph, "nodes" | "edges">,
  place: { at?: XY; offset?: XY } = {},
): { graph: MissionGraph; nodeIds: string[]; edgeIds: string[] } {
  if (!sub.nodes.length) return { graph, nodeIds: [], edgeIds: [] };
  const taken = new Set(graph.nodes.map((n) => n.id));
  const renames = new Map<string, string>();
  for (const n of sub.nodes) {
    if (renames.has(n.id)) continue;
    const id = freshId(taken, n.id);
    taken.add(id);
    renames.set(n.id, id);
  }
  const minX = Math.min(...sub.nodes.map((n) => n.position.x));
  const minY = Math.min(...sub.nodes.map((n) => n.position.y));
  const dx = place.at ? place.at.x - minX : (place.offset?.x ?? 40);
  const dy = place.at ? place.at.y - minY : (place.offset?.y ?? 40);
  const seen = new Set<string>();
  const added: MissionNode[] = [];
  for (const n of sub.nodes) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    let node: MissionNode = { ...n, id: renames.get(n.id) as string, position: { x: Math.round(n.position.x + dx), y: Math.round(n.position.y + dy) } };
    for (const [from, to] of renames) if (from !== to) node = renameReferences(node, from, to);
    added.push(node);
  }
  const edges = graph.edges.slice();
  const edgeIds: string[] = [];
  for (const e of sub.edges) {
    const source = renames.get(e.source);
    const target = renames.get(e.target);
    if (!source || !target) continue;
    const edge: MissionEdge = { id: newEdgeId({ edges }, source, target, e.sourceHandle), source, target };
    if (e.sourceHandle) edge.sourceHandle = e.sourceHandle;
    edges.push(edge);
    edgeIds.push(edge.id);
  }
  return { graph: { ...graph, nodes: [...graph.nodes, ...added], edges }, nodeIds: added.map((n) => n.id), edgeIds };
}

export type ClipboardParse = { ok: true; nodes: MissionNode[]; edges: MissionEdge[] } | { ok: false; reason: string };

/**
 * Reads pasted text as Steward nodes: a mission document (a whole mission or a copied part).
 * Anything else is refused with the reason, and nothing is added.
 */
export function parseClipboard(text: string): ClipboardParse {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, reason: "The clipboard is empty." };
  if (trimmed.length > 2_000_000) return { ok: false, reason: "The clipboard holds more than 2 MB; import large missions from a file instead." };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return { ok: false, reason: "The clipboard does not hold Steward nodes (it is not JSON). Copy nodes in a mission editor first." };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "The clipboard holds JSON, but not a Steward mission." };
  }
  const doc = value as Record<string, unknown>;
  if (doc.format !== MISSION_FORMAT) {
    return { ok: false, reason: `The clipboard holds JSON, but not a Steward mission (expected "format": "${MISSION_FORMAT}").` };
  }
  if (!Array.isArray(doc.nodes)) return { ok: false, reason: "The pasted mission has no nodes list." };
  const nodes: MissionNode[] = [];
  for (const [i, raw] of doc.nodes.entries()) {
    const parsed = missionNodeSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : `#${i + 1}`;
      return { ok: false, reason: `Pasted node ${id} is not valid: ${issue ? `${issue.path.join(".") || "node"} ${issue.message}` : "unknown problem"}.` };
    }
    nodes.push(parsed.data);
  }
  const edges: MissionEdge[] = [];
  for (const [i, raw] of (Array.isArray(doc.edges) ? doc.edges : []).entries()) {
    const parsed = missionEdgeSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { ok: false, reason: `Pasted edge #${i + 1} is not valid: ${issue ? `${issue.path.join(".") || "edge"} ${issue.message}` : "unknown problem"}.` };
    }
    edges.push(parsed.data);
  }
  if (!nodes.length) return { ok: false, reason: "The pasted mission has no nodes." };
  return { ok: true, nodes, edges };
}
