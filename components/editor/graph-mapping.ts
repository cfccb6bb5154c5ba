import type { Connection, Edge, Node, NodeChange } from "@xyflow/react";
import { holdsSteps } from "@/lib/mission/groups";
import { nodeOutputs } from "@/lib/mission/node-kinds";
import type { MissionEdge, MissionGraph, MissionNode, NodeKind } from "@/lib/mission/schema";
import { cardGeometry, NODE_WIDTH } from "./nodes/card-geometry";
import { GROUP_PAD, groupSizes, portReach, type PortReach } from "./nodes/group";

/**
 * The one seam between the domain MissionGraph and React Flow's nodes and edges.
 *
 * The domain graph is the truth: positions live in it, and a canvas node carries the domain node
 * itself (same reference) plus view marks derived elsewhere (selection, problems, diff). The only
 * thing React Flow needs that the graph does not hold is each node's measured size, a rendering
 * cache. Until React Flow has measured a card, the node carries the card's computed size and port
 * positions (nodes/card-geometry.ts), so only the cards in view are ever rendered.
 */

export type DiffMark = "added" | "changed" | "moved";

export type MissionFlowNodeData = {
  node: MissionNode;
  /** Validator messages for this node; empty when it has none. */
  problems: readonly string[];
  diff: DiffMark | null;
  /** A group's card: how far its ports reach past it, to the group's border (nodes/group.ts). */
  reach?: PortReach;
};

/** A node that exists only in the version being compared against (drawn as a ghost). */
export type RemovedFlowNodeData = { node: MissionNode; problems: readonly string[]; diff: "removed" };

export const REMOVED_NODE_TYPE = "removed";
export const REMOVED_PREFIX = "removed:";

export type MissionFlowNode = Node<MissionFlowNodeData, NodeKind>;
export type RemovedFlowNode = Node<RemovedFlowNodeData, typeof REMOVED_NODE_TYPE>;
export type CanvasNode = MissionFlowNode | RemovedFlowNode;

export type MissionFlowEdgeData = {
  problems: readonly string[];
  diff: "added" | "removed" | null;
  /** The `y` of the lane a connection takes around the cards in its way (edge-routes.ts); null: a plain curve. */
  lane: number | null;
};
export type CanvasEdge = Edge<MissionFlowEdgeData>;

/** Every connection is drawn by edges/routed-edge.tsx. */
export const ROUTED_EDGE_TYPE = "routed";

export interface Size {
  width: number;
  height: number;
}

/** Which nodes and edges differ from a compared version. */
export interface DiffOverlay {
  added: ReadonlySet<string>;
  changed: ReadonlySet<string>;
  moved: ReadonlySet<string>;
  removedNodes: readonly MissionNode[];
  addedEdges: ReadonlySet<string>;
  removedEdges: readonly MissionEdge[];
}

export interface MappingInput {
  graph: MissionGraph;
  selectedNodes: ReadonlySet<string>;
  selectedEdges: ReadonlySet<string>;
  measured: Readonly<Record<string, Size>>;
  problemsByNode: ReadonlyMap<string, readonly string[]>;
  problemsByEdge: ReadonlyMap<string, readonly string[]>;
  diff: DiffOverlay | null;
  readOnly: boolean;
  /** Whether edges carry their port's label; a big mission zoomed far out leaves them out (they cost to draw). */
  edgeLabels?: boolean;
  /** Lanes of the connections that go around cards (edge-routes.ts); the rest are plain curves. */
  lanes?: ReadonlyMap<string, number>;
}

const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/** Edge label for a named output port: the port's label on the card (a branch's, "Else", "Approved"…). */
function handleLabel(source: MissionNode | undefined, handle: string | undefined): string | undefined {
  if (!source || !handle) return undefined;
  return nodeOutputs(source).find((p) => p.handle === handle)?.label ?? handle;
}

function sameMessages(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((m, i) => m === b[i]);
}

function nodeDiffMark(diff: DiffOverlay | null, id: string): DiffMark | null {
  if (!diff) return null;
  if (diff.added.has(id)) return "added";
  if (diff.changed.has(id)) return "changed";
  if (diff.moved.has(id)) return "moved";
  return null;
}

function nodeClass(problems: readonly string[], diff: DiffMark | null): string | undefined {
  const parts: string[] = [];
  if (problems.length) parts.push("has-problems");
  if (diff) parts.push(`diff-${diff}`);
  return parts.length ? parts.join(" ") : undefined;
}

/**
 * A measured node keeps its measured size and the port positions React Flow read from the DOM; an
 * unmeasured one gets its card's computed size and ports.
 */
function withSize(flow: Node, node: MissionNode, measured: Size | undefined, marks?: { selected?: boolean; problems?: number }): void {
  if (measured) {
    flow.measured = measured;
    return;
  }
  const card = cardGeometry(node, marks);
  flow.measured = { width: card.width, height: card.height };
  flow.handles = card.handles;
}

/** Maps one domain node to its canvas node (pure; no caching). */
export function toFlowNode(
  node: MissionNode,
  marks: { selected?: boolean; measured?: Size; problems?: readonly string[]; diff?: DiffMark | null; readOnly?: boolean; group?: Size } = {},
): MissionFlowNode {
  const problems = marks.problems ?? NO_PROBLEMS;
  const diff = marks.diff ?? null;
  const flow: MissionFlowNode = {
    id: node.id,
    type: node.kind,
    position: node.position,
    data: { node, problems, diff },
    selected: marks.selected ?? false,
    className: nodeClass(problems, diff),
  };
  withSize(flow, node, marks.measured, { selected: marks.selected, problems: problems.length });
  // A For each is a group around the steps inside it (nodes/group.ts); those move with it and stay in it.
  if (marks.group) {
    flow.style = { width: marks.group.width, height: marks.group.height };
    flow.measured = { width: marks.group.width, height: marks.group.height };
    // Its card sits GROUP_PAD in from the group's corner; its ports reach out to the group's border.
    const reach = portReach(marks.group.width, NODE_WIDTH, GROUP_PAD);
    flow.data = { ...flow.data, reach };
    const handles = marks.measured ? undefined : (flow.handles ?? cardGeometry(node).handles);
    if (handles) flow.handles = handles.map((h) => ({ ...h, x: h.x + GROUP_PAD + (h.type === "source" ? reach.right : -reach.left), y: h.y + GROUP_PAD }));
  }
  if (node.parentId !== undefined) {
    flow.parentId = node.parentId;
    flow.extent = "parent";
  }
  if (marks.readOnly) {
    flow.draggable = false;
    flow.connectable = false;
    flow.deletable = false;
  }
  return flow;
}

/** Maps one domain edge to its canvas edge (pure; no caching). */
export function toFlowEdge(
  edge: MissionEdge,
  source: MissionNode | undefined,
  marks: { selected?: boolean; problems?: readonly string[]; diff?: "added" | "removed" | null; readOnly?: boolean; label?: boolean; lane?: number } = {},
): CanvasEdge {
  const problems = marks.problems ?? NO_PROBLEMS;
  const diff = marks.diff ?? null;
  const classes = [problems.length ? "has-problems" : "", diff ? `diff-${diff}` : ""].filter(Boolean).join(" ");
  const flow: CanvasEdge = {
    id: edge.id,
    type: ROUTED_EDGE_TYPE,
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle ?? null,
    targetHandle: null,
    selected: marks.selected ?? false,
    data: { problems, diff, lane: marks.lane ?? null },
  };
  const label = marks.label === false ? undefined : handleLabel(source, edge.sourceHandle);
  if (label) flow.label = label;
  if (classes) flow.className = classes;
  if (marks.readOnly || diff === "removed") {
    flow.deletable = false;
    flow.selectable = diff !== "removed";
  }
  return flow;
}

function removedFlowNode(node: MissionNode, measured: Size | undefined): RemovedFlowNode {
  const flow: RemovedFlowNode = {
    id: `${REMOVED_PREFIX}${node.id}`,
    type: REMOVED_NODE_TYPE,
    position: node.position,
    data: { node, problems: NO_PROBLEMS, diff: "removed" },
    draggable: false,
    connectable: false,
    selectable: false,
    deletable: false,
    focusable: false,
    className: "diff-removed",
  };
  withSize(flow, node, measured);
  return flow;
}

/** Converts the whole graph at once (pure). Prefer `createFlowMapper` on the canvas. */
export function toFlow(input: MappingInput): { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  return createFlowMapper()(input);
}

interface NodeCacheEntry {
  node: MissionNode;
  group: Size | undefined;
  selected: boolean;
  measured: Size | undefined;
  problems: readonly string[];
  diff: DiffMark | null;
  readOnly: boolean;
  flow: MissionFlowNode;
}

interface EdgeCacheEntry {
  edge: MissionEdge;
  label: string | undefined;
  lane: number | undefined;
  selected: boolean;
  problems: readonly string[];
  diff: "added" | "removed" | null;
  readOnly: boolean;
  flow: CanvasEdge;
}

/**
 * A converter that hands back the previous canvas object for every node and edge whose inputs did
 * not change. React Flow skips work for user nodes it has already seen (by reference), so dragging
 * one node among a thousand re-creates exactly one node object.
 */
export function createFlowMapper(): (input: MappingInput) => { nodes: CanvasNode[]; edges: CanvasEdge[] } {
  let nodeCache = new Map<string, NodeCacheEntry>();
  let edgeCache = new Map<string, EdgeCacheEntry>();
  let lastNodes: CanvasNode[] = [];
  let lastEdges: CanvasEdge[] = [];
  // A new array makes React Flow rebuild its lookups (for edges: every connection), so an
  // unchanged list is handed back as the very same array.
  const same = <T>(prev: T[], next: T[]) => prev.length === next.length && next.every((x, i) => x === prev[i]);
  let prevInput: MappingInput | null = null;

  /**
   * The common cases while dragging and panning: some nodes moved, or steps scrolled into view for
   * the first time were measured; nothing else changed. Touches just those nodes and keeps every
   * edge; returns null when the general pass is needed.
   */
  const fastPath = (input: MappingInput, p: MappingInput): { nodes: CanvasNode[]; edges: CanvasEdge[] } | null => {
    const viewSame =
      p.selectedNodes === input.selectedNodes &&
      p.selectedEdges === input.selectedEdges &&
      p.problemsByNode === input.problemsByNode &&
      p.problemsByEdge === input.problemsByEdge &&
      p.diff === input.diff &&
      p.readOnly === input.readOnly &&
      p.edgeLabels === input.edgeLabels;
    if (!viewSame || p.graph.edges !== input.graph.edges || p.graph.nodes.length !== input.graph.nodes.length) return null;
    if (p.lanes !== input.lanes) relane(input);
    const measuredChanged = p.measured !== input.measured;
    const offset = input.diff ? input.diff.removedNodes.length : 0;
    let nodes: CanvasNode[] | null = null;
    for (let i = 0; i < input.graph.nodes.length; i++) {
      const node = input.graph.nodes[i] as MissionNode;
      const old = p.graph.nodes[i] as MissionNode;
      const measured = measuredChanged ? input.measured[node.id] : undefined;
      const resized = measuredChanged && measured !== p.measured[node.id];
      if (node === old && !resized) continue;
      // A changed kind or data may change edge labels and ports: leave that to the general pass.
      // A step inside a group resizes the group: also the general pass.
      if (old.id !== node.id || old.kind !== node.kind || old.data !== node.data || node.parentId !== undefined || holdsSteps(node.kind)) return null;
      const entry = nodeCache.get(node.id);
      if (!entry) return null;
      const size = resized ? measured : entry.measured;
      const flow = toFlowNode(node, { selected: entry.selected, measured: size, problems: entry.problems, diff: entry.diff, readOnly: entry.readOnly, group: entry.group });
      nodeCache.set(node.id, { ...entry, node, measured: size, flow });
      nodes ??= lastNodes.slice();
      nodes[offset + i] = flow;
    }
    if (measuredChanged && input.diff?.removedNodes.some((n) => input.measured[`${REMOVED_PREFIX}${n.id}`] !== p.measured[`${REMOVED_PREFIX}${n.id}`])) return null;
    if (nodes) lastNodes = nodes;
    return { nodes: lastNodes, edges: lastEdges };
  };

  /** Lanes changed (steps were moved): re-creates just the connections whose lane did. */
  const relane = (input: MappingInput) => {
    let edges: CanvasEdge[] | null = null;
    input.graph.edges.forEach((edge, i) => {
      const entry = edgeCache.get(edge.id);
      const lane = input.lanes?.get(edge.id);
      if (!entry || entry.lane === lane) return;
      const flow: CanvasEdge = { ...entry.flow, data: { ...(entry.flow.data as MissionFlowEdgeData), lane: lane ?? null } };
      edgeCache.set(edge.id, { ...entry, lane, flow });
      edges ??= lastEdges.slice();
      edges[i] = flow;
    });
    if (edges) lastEdges = edges;
  };

  return (input) => {
    const previous = prevInput;
    prevInput = input;
    const fast = previous ? fastPath(input, previous) : null;
    if (fast) return fast;
    const nextNodeCache = new Map<string, NodeCacheEntry>();
    const nodes: CanvasNode[] = [];
    const byId = new Map<string, MissionNode>();
    if (input.diff) {
      for (const removed of input.diff.removedNodes) nodes.push(removedFlowNode(removed, input.measured[`${REMOVED_PREFIX}${removed.id}`]));
    }
    const groups = groupSizes(input.graph, input.measured);
    for (const node of input.graph.nodes) {
      byId.set(node.id, node);
      const computed = groups.get(node.id);
      const selected = input.selectedNodes.has(node.id);
      const measured = input.measured[node.id];
      let problems = input.problemsByNode.get(node.id) ?? NO_PROBLEMS;
      const diff = nodeDiffMark(input.diff, node.id);
      const prev = nodeCache.get(node.id);
      if (prev && sameMessages(prev.problems, problems)) problems = prev.problems;
      const group = computed && prev?.group && prev.group.width === computed.width && prev.group.height === computed.height ? prev.group : computed;
      const reuse =
        prev &&
        prev.node === node &&
        prev.group === group &&
        prev.selected === selected &&
        prev.measured === measured &&
        prev.problems === problems &&
        prev.diff === diff &&
        prev.readOnly === input.readOnly;
      const flow = reuse ? prev.flow : toFlowNode(node, { selected, measured, problems, diff, readOnly: input.readOnly, group });
      nextNodeCache.set(node.id, { node, group, selected, measured, problems, diff, readOnly: input.readOnly, flow });
      nodes.push(flow);
    }

    const nextEdgeCache = new Map<string, EdgeCacheEntry>();
    const edges: CanvasEdge[] = [];
    for (const edge of input.graph.edges) {
      const source = byId.get(edge.source);
      const label = input.edgeLabels === false ? undefined : handleLabel(source, edge.sourceHandle);
      const selected = input.selectedEdges.has(edge.id);
      const lane = input.lanes?.get(edge.id);
      let problems = input.problemsByEdge.get(edge.id) ?? NO_PROBLEMS;
      const diff = input.diff?.addedEdges.has(edge.id) ? "added" : null;
      const prev = edgeCache.get(edge.id);
      if (prev && sameMessages(prev.problems, problems)) problems = prev.problems;
      // An edge's label comes from its source's branches, so a renamed branch re-creates it.
      const reuse =
        prev &&
        prev.edge === edge &&
        prev.label === label &&
        prev.lane === lane &&
        prev.selected === selected &&
        prev.problems === problems &&
        prev.diff === diff &&
        prev.readOnly === input.readOnly;
      const flow = reuse ? prev.flow : toFlowEdge(edge, source, { selected, problems, diff, readOnly: input.readOnly, label: input.edgeLabels !== false, lane });
      nextEdgeCache.set(edge.id, { edge, label, lane, selected, problems, diff, readOnly: input.readOnly, flow });
      edges.push(flow);
    }
    if (input.diff) {
      for (const removed of input.diff.removedEdges) {
        const endpoint = (id: string) => (byId.has(id) ? id : `${REMOVED_PREFIX}${id}`);
        const flow = toFlowEdge({ ...removed, source: endpoint(removed.source), target: endpoint(removed.target) }, undefined, { diff: "removed" });
        edges.push({ ...flow, id: `${REMOVED_PREFIX}${removed.id}` });
      }
    }
    nodeCache = nextNodeCache;
    edgeCache = nextEdgeCache;
    if (!same(lastNodes, nodes)) lastNodes = nodes;
    if (!same(lastEdges, edges)) lastEdges = edges;
    return { nodes: lastNodes, edges: lastEdges };
  };
}

/**
 * Applies React Flow node changes that belong in the domain graph (positions) to it. Returns the
 * same graph object when nothing changed, so callers can skip a render.
 */
export function applyPositionChanges(graph: MissionGraph, changes: readonly NodeChange[]): MissionGraph {
  const moves = new Map<string, { x: number; y: number }>();
  for (const change of changes) {
    if (change.type === "position" && change.position) moves.set(change.id, change.position);
  }
  if (!moves.size) return graph;
  let changed = false;
  const nodes = graph.nodes.map((node) => {
    const to = moves.get(node.id);
    if (!to || (to.x === node.position.x && to.y === node.position.y)) return node;
    changed = true;
    return { ...node, position: { x: to.x, y: to.y } };
  });
  return changed ? { ...graph, nodes } : graph;
}

/** Measured sizes reported by React Flow, merged into the previous map (same map when unchanged). */
export function applyDimensionChanges(measured: Readonly<Record<string, Size>>, changes: readonly NodeChange[]): Readonly<Record<string, Size>> {
  let next: Record<string, Size> | null = null;
  for (const change of changes) {
    if (change.type !== "dimensions" || !change.dimensions) continue;
    const prev = (next ?? measured)[change.id];
    if (prev && prev.width === change.dimensions.width && prev.height === change.dimensions.height) continue;
    next ??= { ...measured };
    next[change.id] = { width: change.dimensions.width, height: change.dimensions.height };
  }
  return next ?? measured;
}

/** A fresh edge id that is not yet used in the graph. */
export function newEdgeId(graph: Pick<MissionGraph, "edges">, source: string, target: string, sourceHandle?: string | null): string {
  const used = new Set(graph.edges.map((e) => e.id));
  const base = `${source}${sourceHandle ? `.${sourceHandle}` : ""}->${target}`;
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) {
    const id = `${base}#${i}`;
    if (!used.has(id)) return id;
  }
}

/** A React Flow connection as a domain edge (the target side has a single unnamed port). */
export function connectionToEdge(graph: Pick<MissionGraph, "edges">, connection: Connection): MissionEdge {
  const edge: MissionEdge = {
    id: newEdgeId(graph, connection.source, connection.target, connection.sourceHandle),
    source: connection.source,
    target: connection.target,
  };
  if (connection.sourceHandle) edge.sourceHandle = connection.sourceHandle;
  return edge;
}

/**
 * Reads canvas nodes and edges back into a domain graph: positions from the canvas, everything
 * else from the domain nodes they carry. Ghost nodes and edges of a diff are dropped.
 */
export function fromFlow(base: MissionGraph, nodes: readonly CanvasNode[], edges: readonly CanvasEdge[]): MissionGraph {
  const domainNodes: MissionNode[] = [];
  for (const n of nodes) {
    if (n.type === REMOVED_NODE_TYPE) continue;
    const node = n.data.node;
    domainNodes.push(
      node.position.x === n.position.x && node.position.y === n.position.y ? node : { ...node, position: { x: n.position.x, y: n.position.y } },
    );
  }
  const domainEdges: MissionEdge[] = [];
  for (const e of edges) {
    if (e.id.startsWith(REMOVED_PREFIX)) continue;
    const edge: MissionEdge = { id: e.id, source: e.source, target: e.target };
    if (e.sourceHandle) edge.sourceHandle = e.sourceHandle;
    domainEdges.push(edge);
  }
  return { ...base, nodes: domainNodes, edges: domainEdges };
}
