import { indexGraph, type GraphIndex } from "../graph";
import type { MissionEdge, MissionNode, NodeKind } from "../schema";

/**
 * A For each's body, shared by the engine, the validator and the canvas: the steps whose
 * `parentId` is the For each (a group on the canvas) and the edges between them. The body is
 * entered at its steps with no incoming edge and left at those with no outgoing one; no edge
 * crosses the group's border (the For each's own edges are the group's way in and out).
 */

/** Names the body's expressions read besides the trigger, the steps before the For each and the body's own steps. */
export const SCOPE_ITEM = "item";
export const SCOPE_INDEX = "index";

/** Kinds a body may not hold: a run has one trigger and ends at a verdict, a decision per item is not offered, and loops do not nest. */
export const NOT_IN_BODY: ReadonlySet<NodeKind> = new Set<NodeKind>(["trigger", "verdict", "approval", "forEach"]);

type Node = Pick<MissionNode, "id" | "kind"> & { parentId?: string | undefined };
type Edge = Pick<MissionEdge, "id" | "source" | "target" | "sourceHandle">;

export interface Body<N extends Node = Node, E extends Edge = Edge> {
  nodes: N[];
  edges: E[];
  index: GraphIndex<E>;
  /** Steps with no incoming edge inside the body: where an item starts. */
  entries: string[];
  /** Steps with no outgoing edge inside the body: where an item ends. */
  exits: string[];
}

/** The body of For each `id` in `graph`. */
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

/** The step id an item's body step runs under: `loop[17].fmt` (memoized per item, and named so in errors). */
export function itemStepId(forEachId: string, index: number, bodyNodeId?: string): string {
  return bodyNodeId === undefined ? `${forEachId}[${index}]` : `${forEachId}[${index}].${bodyNodeId}`;
}

/** The step id a run of items `from` … `to` (inclusive) runs under, when several items' bodies run in one step: `loop[10..19]`. */
export function itemsStepId(forEachId: string, from: number, to: number): string {
  return `${forEachId}[${from}..${to}]`;
}

export interface GroupProblem {
  nodeId: string;
  /** Below the document: `nodes[3].parentId`, `edges[2]`, `nodes[1]`. */
  path: string;
  message: string;
}

/**
 * The rules of groups the per-node checks cannot see: a step's `parentId` names a For each, a
 * body holds only kinds that may repeat, no edge crosses a group's border, a For each has a body,
 * and no body step is named like what the body's expressions read.
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
    if (!parent && !isStep(n.parentId)) problems.push({ nodeId: n.id, path: `nodes[${i}].parentId`, message: `is inside "${n.parentId}", which is not a step in this mission` });
    else if (parent && parent.kind !== "forEach") problems.push({ nodeId: n.id, path: `nodes[${i}].parentId`, message: `is inside "${n.parentId}", which is a ${parent.kind}: only a For each holds steps` });
    else if (NOT_IN_BODY.has(n.kind)) problems.push({ nodeId: n.id, path: `nodes[${i}]`, message: `${kindName(n.kind)} cannot run inside a For each; move it out of "${n.parentId}"` });
    if (n.id === SCOPE_ITEM || n.id === SCOPE_INDEX) {
      problems.push({ nodeId: n.id, path: `nodes[${i}].id`, message: `"${n.id}" names the current ${n.id === SCOPE_ITEM ? "item" : "position"} inside a For each; choose another id` });
    }
  });
  graph.edges.forEach((e, i) => {
    const from = e && byId.get(e.source);
    const to = e && byId.get(e.target);
    if (!e || !from || !to || from.parentId === to.parentId) return;
    const inside = (n: Node) => (n.parentId ? `inside "${n.parentId}"` : "outside every For each");
    problems.push({
      nodeId: e.source,
      path: `edges[${i}]`,
      message: `connects "${e.source}" (${inside(from)}) to "${e.target}" (${inside(to)}): a connection may not cross a For each's border; connect to the For each itself`,
    });
  });
  for (const n of nodes) {
    if (n.kind !== "forEach") continue;
    const body = bodyOf({ nodes, edges: graph.edges.filter((e): e is Edge => e !== undefined) }, n.id);
    // With no steps inside, the result expression alone maps each item.
    if (body.nodes.length === 0 && n.data.result.trim() === "") {
      problems.push({ nodeId: n.id, path: `nodes[${at.get(n.id)}]`, message: "put at least one step inside the For each (its body runs once per item), or write the result of an item" });
    } else if (body.nodes.length > 0 && body.exits.length === 0) {
      problems.push({ nodeId: n.id, path: `nodes[${at.get(n.id)}]`, message: "the steps inside the For each have no last step (a step with no connection onwards), so an item could never end" });
    }
  }
  return problems;
}

const KIND_NAMES: Partial<Record<NodeKind, string>> = { trigger: "A trigger", verdict: "A verdict", approval: "An approval", forEach: "A For each (they do not nest)" };

function kindName(kind: NodeKind): string {
  return KIND_NAMES[kind] ?? `A ${kind} step`;
}
