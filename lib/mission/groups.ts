import { indexGraph, type GraphIndex } from "./graph";
import { getNodeKind, nodeKinds } from "./node-kinds";
import type { MissionEdge, MissionNode, NodeKind } from "./schema";

/**
 * Groups: a step whose kind holds other steps (its registry entry's `group`, a For each) and the
 * steps whose `parentId` is it, shared by the engine, the validator and the canvas. The body is
 * entered at its steps with no incoming edge and left at those with no outgoing one; no edge
 * crosses the group's border (the group's own edges are its way in and out). What the body means
 * (run once per item) is the kind's handler's business.
 */

type Node = Pick<MissionNode, "id" | "kind"> & { parentId?: string | undefined };
type Edge = Pick<MissionEdge, "id" | "source" | "target" | "sourceHandle">;

export interface Body<N extends Node = Node, E extends Edge = Edge> {
  nodes: N[];
  edges: E[];
  index: GraphIndex<E>;
  /** Steps with no incoming edge inside the body: where a pass starts. */
  entries: string[];
  /** Steps with no outgoing edge inside the body: where a pass ends. */
  exits: string[];
}

/** Whether a step of `kind` holds other steps. */
export function holdsSteps(kind: NodeKind | string): boolean {
  return getNodeKind(kind)?.group !== undefined;
}

/** Whether a step of `kind` may be inside a group. */
export function mayBeInGroup(kind: NodeKind): boolean {
  return getNodeKind(kind).notInGroup === undefined;
}

/** The names the steps inside group `kind` read besides other steps (a For each's `item`, `index`). */
export function groupScope(kind: NodeKind | string): readonly string[] {
  return getNodeKind(kind)?.group?.scope.map((s) => s.name) ?? [];
}

/** How builders call a group: the label of the kinds that hold steps (`For each`). */
const GROUP_LABEL = nodeKinds.flatMap((k) => (k.group ? [k.label] : [])).join(" or ");

/** The body of group `id` in `graph`. */
export function bodyOf<N extends Node, E extends Edge>(graph: { nodes: readonly N[]; edges: readonly E[] }, id: string): Body<N, E> {
  const nodes = graph.nodes.filter((n) => n.parentId === id);
  const ids = new Set(nodes.map((n) => n.id));
  const edges = graph.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  const index = indexGraph({ nodes, edges });
  return {
    nodes,
    edges,
    index,
    entries: index.ids.filter((n) => !index.incoming.get(n)?.length),
    exits: index.ids.filter((n) => !index.outgoing.get(n)?.length),
  };
}

/** The steps outside every group: what a run walks. */
export function topLevel<N extends Node>(nodes: readonly N[]): N[] {
  return nodes.filter((n) => n.parentId === undefined);
}

export interface GroupProblem {
  nodeId: string;
  /** Below the document: `nodes[3].parentId`, `edges[2]`, `nodes[1]`. */
  path: string;
  message: string;
}

/**
 * The rules of groups the per-node checks cannot see: a step's `parentId` names a step that holds
 * steps, a group holds only kinds that may be inside one, no edge crosses a group's border, the
 * group's own check (its kind's `group.check`), and no step inside is named like what the group
 * lets its steps read.
 */
export function groupProblems(graph: { nodes: readonly (MissionNode | undefined)[]; edges: readonly (Edge | undefined)[] }, stepIds?: ReadonlySet<string>): GroupProblem[] {
  const problems: GroupProblem[] = [];
  const nodes = graph.nodes.filter((n): n is MissionNode => n !== undefined);
  const at = new Map(graph.nodes.flatMap((n, i) => (n ? [[n.id, i] as const] : [])));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  // A step whose data did not parse is reported already; it is still a step (`stepIds`).
  const isStep = (id: string) => byId.has(id) || stepIds?.has(id) === true;
  graph.nodes.forEach((n, i) => {
    if (n?.parentId === undefined) return;
    const parent = byId.get(n.parentId);
    const refused = getNodeKind(n.kind).notInGroup;
    if (!parent && !isStep(n.parentId)) problems.push({ nodeId: n.id, path: `nodes[${i}].parentId`, message: `is inside "${n.parentId}", which is not a step in this mission` });
    else if (parent && !holdsSteps(parent.kind)) problems.push({ nodeId: n.id, path: `nodes[${i}].parentId`, message: `is inside "${n.parentId}", which is a ${parent.kind}: only a ${GROUP_LABEL} holds steps` });
    else if (refused !== undefined) problems.push({ nodeId: n.id, path: `nodes[${i}]`, message: `${refused} cannot run inside a ${parent ? getNodeKind(parent.kind).label : GROUP_LABEL}; move it out of "${n.parentId}"` });
    const scope = parent ? getNodeKind(parent.kind).group?.scope : undefined;
    const named = scope?.find((s) => s.name === n.id);
    if (named) {
      problems.push({ nodeId: n.id, path: `nodes[${i}].id`, message: `"${n.id}" names ${named.detail} inside a ${parent ? getNodeKind(parent.kind).label : GROUP_LABEL}; choose another id` });
    }
  });
  graph.edges.forEach((e, i) => {
    const from = e && byId.get(e.source);
    const to = e && byId.get(e.target);
    if (!e || !from || !to || from.parentId === to.parentId) return;
    const inside = (n: Node) => (n.parentId ? `inside "${n.parentId}"` : `outside every ${GROUP_LABEL}`);
    problems.push({
      nodeId: e.source,
      path: `edges[${i}]`,
      message: `connects "${e.source}" (${inside(from)}) to "${e.target}" (${inside(to)}): a connection may not cross a ${GROUP_LABEL}'s border; connect to the ${GROUP_LABEL} itself`,
    });
  });
  const allEdges = graph.edges.filter((e): e is Edge => e !== undefined);
  for (const n of nodes) {
    const group = getNodeKind(n.kind).group as { check(data: unknown, body: { steps: number; exits: number }): string | null } | undefined;
    if (!group) continue;
    const body = bodyOf({ nodes, edges: allEdges }, n.id);
    const message = group.check(n.data, { steps: body.nodes.length, exits: body.exits.length });
    if (message) problems.push({ nodeId: n.id, path: `nodes[${at.get(n.id)}]`, message });
  }
  return problems;
}
