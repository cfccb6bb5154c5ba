/**
 * Graph helpers shared by the engine, the editor and the validator. They accept any
 * `{ nodes, edges }` (also half-drawn or invalid graphs): duplicate node ids count once, edges to
 * unknown nodes are ignored.
 */

export interface GraphNodeLike {
  id: string;
}
export interface GraphEdgeLike {
  id?: string;
  source: string;
  target: string;
  sourceHandle?: string;
}
export interface GraphLike<N extends GraphNodeLike = GraphNodeLike, E extends GraphEdgeLike = GraphEdgeLike> {
  nodes: readonly N[];
  edges: readonly E[];
}

export interface GraphIndex<E extends GraphEdgeLike = GraphEdgeLike> {
  /** Node ids in document order, each once. */
  ids: string[];
  /** Position of each id in `ids`. */
  position: Map<string, number>;
  incoming: Map<string, E[]>;
  outgoing: Map<string, E[]>;
}

export function indexGraph<E extends GraphEdgeLike>(graph: GraphLike<GraphNodeLike, E>): GraphIndex<E> {
  const ids: string[] = [];
  const position = new Map<string, number>();
  const incoming = new Map<string, E[]>();
  const outgoing = new Map<string, E[]>();
  for (const n of graph.nodes) {
    if (position.has(n.id)) continue;
    position.set(n.id, ids.length);
    ids.push(n.id);
    incoming.set(n.id, []);
    outgoing.set(n.id, []);
  }
  for (const e of graph.edges) {
    const out = outgoing.get(e.source);
    const into = incoming.get(e.target);
    if (!out || !into) continue;
    out.push(e);
    into.push(e);
  }
  return { ids, position, incoming, outgoing };
}

export function incomingEdges<E extends GraphEdgeLike>(graph: GraphLike<GraphNodeLike, E>, nodeId: string): E[] {
  return graph.edges.filter((e) => e.target === nodeId);
}

export function outgoingEdges<E extends GraphEdgeLike>(graph: GraphLike<GraphNodeLike, E>, nodeId: string): E[] {
  return graph.edges.filter((e) => e.source === nodeId);
}

function walk(index: GraphIndex, start: string, direction: "up" | "down"): string[] {
  // The start is not marked seen, so it is listed when a cycle leads back to it.
  const seen = new Set<string>();
  const out: string[] = [];
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    const edges = (direction === "up" ? index.incoming : index.outgoing).get(id) ?? [];
    for (const e of edges) {
      const next = direction === "up" ? e.source : e.target;
      if (seen.has(next)) continue;
      seen.add(next);
      out.push(next);
      queue.push(next);
    }
  }
  return out;
}

/** Every node that runs before `nodeId` (its ancestors), nearest first. Excludes the node itself unless it is on a cycle. */
export function upstreamOf(graph: GraphLike, nodeId: string): string[] {
  return walk(indexGraph(graph), nodeId, "up");
}

/** Every node that runs after `nodeId` (its descendants), nearest first. */
export function downstreamOf(graph: GraphLike, nodeId: string): string[] {
  return walk(indexGraph(graph), nodeId, "down");
}

/** Nodes reachable from any of `roots` (roots included). */
export function reachableFrom(graph: GraphLike | GraphIndex, roots: Iterable<string>): Set<string> {
  const index = "position" in graph ? graph : indexGraph(graph);
  const seen = new Set<string>();
  for (const r of roots) {
    if (!index.position.has(r) || seen.has(r)) continue;
    seen.add(r);
    for (const id of walk(index, r, "down")) seen.add(id);
  }
  return seen;
}

export class CycleError extends Error {
  constructor(readonly cycles: string[][]) {
    super(`The graph has a cycle: ${cycles.map((c) => [...c, c[0]].join(" → ")).join("; ")}`);
    this.name = "CycleError";
  }
}

/**
 * Node ids so that every edge goes forward (Kahn's algorithm; ties keep document order, so the
 * order is deterministic for a given document). Throws CycleError when there is a cycle.
 */
export function topologicalOrder(graph: GraphLike | GraphIndex): string[] {
  const index = "position" in graph ? graph : indexGraph(graph);
  const order = kahn(index);
  if (order.length < index.ids.length) throw new CycleError(findCycles(index));
  return order;
}

function kahn(index: GraphIndex): string[] {
  const pending = new Map<string, number>();
  for (const id of index.ids) pending.set(id, index.incoming.get(id)?.length ?? 0);
  // A min-heap on document position: among ready nodes, the earliest in the document goes first.
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as number) <= v) break;
      heap[i] = heap[parent] as number;
      heap[parent] = v;
      i = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && (heap[l] as number) < (heap[m] as number)) m = l;
      if (r < heap.length && (heap[r] as number) < (heap[m] as number)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
      i = m;
    }
    return top;
  };
  index.ids.forEach((id, i) => pending.get(id) === 0 && push(i));
  const order: string[] = [];
  while (heap.length) {
    const id = index.ids[pop()] as string;
    order.push(id);
    for (const e of index.outgoing.get(id) ?? []) {
      const left = (pending.get(e.target) ?? 0) - 1;
      pending.set(e.target, left);
      if (left === 0) push(index.position.get(e.target) as number);
    }
  }
  return order;
}

/**
 * Strongly connected components (Tarjan, iterative so long chains cannot overflow the stack), in
 * reverse topological order: a component comes before every component upstream of it.
 */
export function stronglyConnectedComponents(index: GraphIndex): string[][] {
  const n = index.ids.length;
  const succ: number[][] = index.ids.map((id) => (index.outgoing.get(id) ?? []).map((e) => index.position.get(e.target) as number));
  const order = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    const frames: [node: number, next: number][] = [[root, 0]];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length) {
      const frame = frames[frames.length - 1] as [number, number];
      const [v, i] = frame;
      const edges = succ[v] as number[];
      if (i < edges.length) {
        frame[1]++;
        const w = edges[i] as number;
        if (order[w] === -1) {
          order[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          frames.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v] as number, order[w] as number);
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number);
      if (low[v] === order[v]) {
        const component: string[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = false;
          component.push(index.ids[w] as string);
        } while (w !== v);
        components.push(component.sort((a, b) => (index.position.get(a) as number) - (index.position.get(b) as number)));
      }
    }
  }
  return components;
}

/**
 * One cycle per group of nodes that reach each other, as the node ids along it (the first node is
 * the earliest in the document; the cycle closes back to it).
 */
export function findCycles(graph: GraphLike | GraphIndex): string[][] {
  const index = "position" in graph ? graph : indexGraph(graph);
  const cycles: string[][] = [];
  for (const component of stronglyConnectedComponents(index)) {
    const start = component[0] as string;
    const selfLoop = (index.outgoing.get(start) ?? []).some((e) => e.target === start);
    if (component.length === 1 && !selfLoop) continue;
    cycles.push(selfLoop ? [start] : shortestCycle(index, start, new Set(component)));
  }
  return cycles.sort((a, b) => (index.position.get(a[0] as string) as number) - (index.position.get(b[0] as string) as number));
}

function shortestCycle(index: GraphIndex, start: string, within: Set<string>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    for (const e of index.outgoing.get(id) ?? []) {
      if (!within.has(e.target)) continue;
      if (e.target === start) {
        const path = [id];
        while (path[0] !== start) path.unshift(parent.get(path[0] as string) as string);
        return path;
      }
      if (parent.has(e.target)) continue;
      parent.set(e.target, id);
      queue.push(e.target);
    }
  }
  return [start];
}

/** Whether adding an edge source → target would close a cycle (the editor refuses such a connection). */
export function wouldCreateCycle(graph: GraphLike, source: string, target: string): boolean {
  if (source === target) return true;
  return walk(indexGraph(graph), target, "down").includes(source);
}

/**
 * Answers "does `candidate` run before `nodeId`?" for many pairs at once: ancestor sets as bitsets,
 * computed once per graph over its strongly connected components, so the validator stays linear.
 */
export function upstreamQuery(graph: GraphLike | GraphIndex): (nodeId: string, candidate: string) => boolean {
  const index = "position" in graph ? graph : indexGraph(graph);
  const n = index.ids.length;
  const words = Math.ceil(n / 32) || 1;
  const components = stronglyConnectedComponents(index);
  const componentOf = new Int32Array(n);
  components.forEach((c, ci) => c.forEach((id) => (componentOf[index.position.get(id) as number] = ci)));
  const ancestors: Uint32Array[] = new Array(components.length);
  // Reverse topological order: walk it backwards so every upstream component is done first.
  for (let ci = components.length - 1; ci >= 0; ci--) {
    const bits = new Uint32Array(words);
    const members = components[ci] as string[];
    const cyclic = members.length > 1 || (index.outgoing.get(members[0] as string) ?? []).some((e) => e.target === members[0]);
    for (const id of members) {
      const v = index.position.get(id) as number;
      if (cyclic) bits[v >>> 5] = (bits[v >>> 5] as number) | (1 << (v & 31));
      for (const e of index.incoming.get(id) ?? []) {
        const u = index.position.get(e.source) as number;
        const cu = componentOf[u] as number;
        if (cu === ci) continue;
        bits[u >>> 5] = (bits[u >>> 5] as number) | (1 << (u & 31));
        const up = ancestors[cu] as Uint32Array;
        for (let w = 0; w < words; w++) bits[w] = (bits[w] as number) | (up[w] as number);
      }
    }
    ancestors[ci] = bits;
  }
  return (nodeId, candidate) => {
    const v = index.position.get(nodeId);
    const u = index.position.get(candidate);
    if (v === undefined || u === undefined) return false;
    const bits = ancestors[componentOf[v] as number] as Uint32Array;
    return (((bits[u >>> 5] as number) >>> (u & 31)) & 1) === 1;
  };
}
