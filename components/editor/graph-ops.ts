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
import { bodyOf, mayBeInGroup } from "@/lib/mission/groups";
import { renameRootIdentifier } from "./expression-rename";
import { GROUP_FIRST } from "./nodes/group";
import { newEdgeId, type Size } from "./graph-mapping";
import { cardGeometry } from "./nodes/card-geometry";
import { freeOffset, freeSpot, graphRects, nodeRect, type XY } from "./placement";

export type { XY };

/**
 * Pure operations on the domain graph, one per editor command. Each returns a new graph (or the
 * same object when nothing changed) so the store can keep snapshots for undo.
 */

/** Card sizes the canvas has measured, by step id; steps it has not get their computed size. */
export type Measured = Readonly<Record<string, Size>>;

// `|| 0` turns -0 (from rounding -0.4) into 0, which is what a person would write.
const round = (p: XY): XY => ({ x: Math.round(p.x) || 0, y: Math.round(p.y) || 0 });

/** Adds a step of `kind` at the free spot nearest to `position` (its card's top-left corner). */
export function addNode(graph: MissionGraph, kind: NodeKind, position: XY, measured: Measured = {}): { graph: MissionGraph; id: string } {
  const id = nextNodeId(
    graph.nodes.map((n) => n.id),
    kind,
  );
  const fresh = createNode(kind, id, { x: 0, y: 0 });
  const at = freeSpot(graphRects(graph, measured), cardGeometry(fresh), round(position));
  const node = { ...fresh, position: round(at) };
  return { graph: { ...graph, nodes: [...graph.nodes, node] }, id };
}

/** Space between a step and the one it leads to, as auto-layout leaves it. */
export const LAYER_GAP = 90;
/** A step added after another stays at least this far right of it. */
const PLACEMENT_GAP_AFTER = 40;

/** The port a step added between two others continues through: its default one, else its first. */
function throughPort(node: MissionNode): string | undefined | null {
  const ports = nodeOutputs(node);
  if (!ports.length) return null;
  return ports.some((p) => p.handle === undefined) ? undefined : (ports[0]?.handle ?? null);
}

/**
 * The "+" on a step's output: adds a step of `kind` after it, already connected from that output.
 * When the output already leads somewhere and the new step has an output of its own, the new step
 * goes in between (what followed now follows it, through its default or first output) and the
 * steps from there rightwards move right to make room. Otherwise it is placed right of the step, in free space.
 */
export function addNodeAfter(
  graph: MissionGraph,
  sourceId: string,
  handle: string | undefined,
  kind: NodeKind,
  measured: Measured = {},
): { graph: MissionGraph; id: string } | { error: string } {
  const source = graph.nodes.find((n) => n.id === sourceId);
  if (!source) return { error: `There is no step ${sourceId}.` };
  if (kind === "trigger") return { error: "A trigger cannot follow another step: it is where a run starts." };
  const port = nodeOutputs(source).find((p) => p.handle === handle);
  if (!port) return { error: `${sourceId} has no output called ${handle ?? "(default)"}.` };
  if (source.parentId !== undefined) return addInside(graph, source.parentId, kind, measured, { id: sourceId, handle });
  const id = nextNodeId(
    graph.nodes.map((n) => n.id),
    kind,
  );
  const fresh = createNode(kind, id, { x: 0, y: 0 });
  const size = cardGeometry(fresh);
  const from = nodeRect(source, measured);
  // Level with the output it hangs from: that output's handle centre meets the new card's middle.
  const out = cardGeometry(source).handles.find((h) => h.type === "source" && (h.id ?? undefined) === handle);
  const portY = out ? out.y + (out.height ?? 0) / 2 : from.height / 2;
  const wanted = { x: from.x + from.width + LAYER_GAP, y: from.y + portY - size.height / 2 };

  const leaving = graph.edges.filter((e) => e.source === sourceId && e.sourceHandle === handle);
  const through = throughPort(fresh);
  const insert = leaving.length > 0 && through !== null;
  let nodes = graph.nodes;
  let edges = graph.edges;
  if (insert) {
    // Make room: every step from the first that followed the output rightwards moves right by
    // what the new step needs. Moving all of them together keeps them apart from each other.
    const targets = new Set(leaving.map((e) => e.target));
    const firstX = Math.min(...graph.nodes.filter((n) => targets.has(n.id)).map((n) => n.position.x));
    const shift = firstX > source.position.x ? Math.max(0, wanted.x + size.width + LAYER_GAP - firstX) : 0;
    if (shift) nodes = nodes.map((n) => (n.id !== sourceId && n.position.x >= firstX ? { ...n, position: { x: n.position.x + shift, y: n.position.y } } : n));
    edges = edges.filter((e) => !leaving.includes(e));
    for (const target of targets) {
      const edge: MissionEdge = { id: newEdgeId({ edges }, id, target, through), source: id, target };
      if (through) edge.sourceHandle = through;
      edges = [...edges, edge];
    }
  }
  const right = from.x + from.width + PLACEMENT_GAP_AFTER;
  const at = freeSpot(graphRects({ nodes }, measured), size, round(wanted), (p) => p.x >= right);
  const node = { ...fresh, position: round(at) };
  const edge: MissionEdge = { id: newEdgeId({ edges }, sourceId, id, handle), source: sourceId, target: id };
  if (handle) edge.sourceHandle = handle;
  return { graph: { ...graph, nodes: [...nodes, node], edges: [...edges, edge] }, id };
}

/**
 * Adds a step of `kind` inside group `groupId` (a For each), right of `after` (a step inside it)
 * and connected from it; without `after`, after the group's last step, or first in an empty group.
 */
export function addInside(
  graph: MissionGraph,
  groupId: string,
  kind: NodeKind,
  measured: Measured = {},
  after?: { id: string; handle: string | undefined },
): { graph: MissionGraph; id: string } | { error: string } {
  if (!mayBeInGroup(kind)) {
    const group = graph.nodes.find((n) => n.id === groupId);
    return { error: `${getNodeKind(kind).label} steps cannot run inside a ${group ? getNodeKind(group.kind).label : "group"}.` };
  }
  const body = bodyOf(graph, groupId);
  const lastId = after?.id ?? body.exits[body.exits.length - 1];
  const last = graph.nodes.find((n) => n.id === lastId);
  const id = nextNodeId(
    graph.nodes.map((n) => n.id),
    kind,
  );
  const from = last ? nodeRect(last, measured) : null;
  const position = from ? { x: from.x + from.width + LAYER_GAP, y: from.y } : GROUP_FIRST;
  const node: MissionNode = { ...createNode(kind, id, { x: 0, y: 0 }), parentId: groupId, position: round(position) };
  const edges = [...graph.edges];
  if (last) {
    const handle = after ? after.handle : (throughPort(last) ?? undefined);
    const edge: MissionEdge = { id: newEdgeId({ edges }, last.id, id, handle), source: last.id, target: id };
    if (handle) edge.sourceHandle = handle;
    edges.push(edge);
  }
  return { graph: { ...graph, nodes: [...graph.nodes, node], edges }, id };
}

/** Removes nodes (with every edge touching them, and the steps inside a For each removed) and edges. */
export function deleteElements(graph: MissionGraph, nodeIds: Iterable<string>, edgeIds: Iterable<string> = []): MissionGraph {
  const nodes = new Set(nodeIds);
  for (const n of graph.nodes) if (n.parentId !== undefined && nodes.has(n.parentId)) nodes.add(n.id);
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
  if (!source || !target) return { ok: false, reason: "Both ends of a connection must be steps on the canvas." };
  if (source.id === target.id) return { ok: false, reason: `A step cannot lead into itself (${source.id}).` };
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
  if (!parsed.success) return { error: `Step id ${parsed.error.issues[0]?.message ?? "is not valid"}` };
  if (graph.nodes.some((n) => n.id === to)) return { error: `Another step is already called ${to}` };
  if (!graph.nodes.some((n) => n.id === from)) return { error: `No step ${from}` };
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

/** A copy's label says it is one, so it is not mistaken for the step it was copied from. */
function copyLabel(node: MissionNode): string {
  const label = node.data.label.trim() || getNodeKind(node.kind).label;
  return / \(copy\)$/.test(label) ? label : `${label.slice(0, 113)} (copy)`;
}

/**
 * Adds a subgraph's nodes and edges to the graph. Ids that are taken get fresh ones, and
 * expressions inside the pasted nodes follow the renames; a step whose id was taken is a copy of
 * one on the canvas, and its label ends in "(copy)". `at` asks for the subgraph's top-left corner
 * there, otherwise `offset` from where it was; either way it lands at the nearest spot where none
 * of its cards touches one already on the canvas.
 */
export function pasteSubgraph(
  graph: MissionGraph,
  sub: Pick<MissionGraph, "nodes" | "edges">,
  place: { at?: XY; offset?: XY } = {},
  measured: Measured = {},
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
  const wanted = place.at ? { x: place.at.x - minX, y: place.at.y - minY } : { x: place.offset?.x ?? 40, y: place.offset?.y ?? 40 };
  // Each card is measured by the size its original has on the canvas (a copy looks the same).
  const shapes = sub.nodes.map((n) => nodeRect(n, measured));
  const { x: dx, y: dy } = freeOffset(graphRects(graph, measured), shapes, round(wanted));
  const seen = new Set<string>();
  const added: MissionNode[] = [];
  for (const n of sub.nodes) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    const id = renames.get(n.id) as string;
    const data = id === n.id ? n.data : { ...n.data, label: copyLabel(n) };
    let node = { ...n, id, data, position: { x: Math.round(n.position.x + dx), y: Math.round(n.position.y + dy) } } as MissionNode;
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
    return { ok: false, reason: "The clipboard does not hold Steward steps (it is not JSON). Copy steps in a mission editor first." };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "The clipboard holds JSON, but not a Steward mission." };
  }
  const doc = value as Record<string, unknown>;
  if (doc.format !== MISSION_FORMAT) {
    return { ok: false, reason: `The clipboard holds JSON, but not a Steward mission (expected "format": "${MISSION_FORMAT}").` };
  }
  if (!Array.isArray(doc.nodes)) return { ok: false, reason: "The pasted mission has no list of steps (nodes)." };
  const nodes: MissionNode[] = [];
  for (const [i, raw] of doc.nodes.entries()) {
    const parsed = missionNodeSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : `#${i + 1}`;
      return { ok: false, reason: `Pasted step ${id} is not valid: ${issue ? `${issue.path.join(".") || "step"} ${issue.message}` : "unknown problem"}.` };
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
  if (!nodes.length) return { ok: false, reason: "The pasted mission has no steps." };
  return { ok: true, nodes, edges };
}
