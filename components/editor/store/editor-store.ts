import { createStore } from "zustand/vanilla";
import type { NodeChange, EdgeChange } from "@xyflow/react";
import type { FieldProblem } from "@/lib/errors";
import type { MissionGraph, NodeKind } from "@/lib/mission/schema";
import { applyDimensionChanges, applyPositionChanges, REMOVED_PREFIX, type DiffOverlay, type Size } from "../graph-mapping";
import * as ops from "../graph-ops";

/**
 * The editor's state: the domain graph (the only document), an undo history of graph snapshots,
 * and view state (selection, measured sizes, problems, diff overlay). Components read it through
 * selectors so a change re-renders only what depends on it.
 */

export const HISTORY_LIMIT = 200;
/** Field edits to the same field within this window form one undo step (typing a word is one edit). */
export const COALESCE_MS = 1_200;

export type Panel = "inspect" | "problems" | "versions";
export type SaveStatus = "saved" | "dirty" | "saving" | "error";

export interface DiffView {
  /** What the canvas is compared against, e.g. "v3". */
  label: string;
  /** The graph compared against. */
  base: MissionGraph;
  overlay: DiffOverlay;
  /** What the canvas shows when it opens: what changed (a comparison), or everything (a restore). */
  show?: "changes" | "all";
}

export interface Focus {
  nodeId?: string;
  edgeId?: string;
  /** The field a problem names (`nodes[4].data.outcomes[0]`): the inspector puts the cursor there. */
  path?: string;
  /** The problem's message, to find the field by what it shows when its path has no field of its own. */
  message?: string;
  /** Bumped on every request so asking twice for the same node still pans. */
  nonce: number;
}

/** Asks the canvas to move the view; `nonce` makes a repeated request a new one. */
export type ViewRequest = { kind: "fit"; nonce: number } | { kind: "reveal"; ids: readonly string[]; nonce: number };

export interface EditorState {
  missionId: string;
  readOnly: boolean;
  graph: MissionGraph;
  past: MissionGraph[];
  future: MissionGraph[];
  lastEdit: { key: string; at: number } | null;
  dragOrigin: MissionGraph | null;

  selectedNodes: ReadonlySet<string>;
  selectedEdges: ReadonlySet<string>;
  measured: Readonly<Record<string, Size>>;
  problems: readonly FieldProblem[];
  /** Not problems: worth knowing, but no reason not to run (a tool no enabled connector offers yet). */
  warnings: readonly FieldProblem[];
  problemsByNode: ReadonlyMap<string, readonly string[]>;
  problemsByEdge: ReadonlyMap<string, readonly string[]>;
  /** The graph the problems were computed for (lets the UI tell stale from current). */
  validatedGraph: MissionGraph | null;
  diff: DiffView | null;
  panel: Panel;
  focus: Focus | null;
  view: ViewRequest | null;

  savedGraph: MissionGraph;
  saveStatus: SaveStatus;
  saveError: string | null;

  /** Replaces the graph as one undoable step. `coalesce` merges quick successive edits of one field. */
  commit(next: MissionGraph, opts?: { coalesce?: string; select?: { nodes?: string[]; edges?: string[] } }): void;
  undo(): void;
  redo(): void;

  /** Adds a step at the free spot nearest to `position` and brings it into view. */
  addNode(kind: NodeKind, position: ops.XY): string | null;
  /** A step of `kind` inside For each `forEachId`, after its last step (see graph-ops addInside). */
  addInside(forEachId: string, kind: NodeKind): string | null;
  /** The "+" on an output: a step of `kind` after it, connected (see graph-ops addNodeAfter). */
  addAfter(nodeId: string, handle: string | undefined, kind: NodeKind): string | null;
  connect(c: ops.ConnectionRequest): string | null;
  deleteSelection(): void;
  updateNodeData(nodeId: string, data: MissionGraph["nodes"][number]["data"], coalesce?: string): void;
  renameNode(from: string, to: string): string | null;
  paste(sub: Pick<MissionGraph, "nodes" | "edges">, place?: { at?: ops.XY; offset?: ops.XY }): string[];
  setName(name: string): void;

  onNodesChange(changes: NodeChange[]): void;
  onEdgesChange(changes: EdgeChange[]): void;
  beginDrag(): void;
  endDrag(): void;

  select(nodes: Iterable<string>, edges?: Iterable<string>): void;
  selectAll(): void;
  setProblems(graph: MissionGraph, problems: readonly FieldProblem[], warnings?: readonly FieldProblem[]): void;
  setDiff(diff: DiffView | null): void;
  setPanel(panel: Panel): void;
  focusOn(target: Omit<Focus, "nonce">): void;
  /** Fit the whole graph in view (after auto-layout, restoring a version). */
  fitView(): void;

  markSaving(): void;
  markSaved(graph: MissionGraph): void;
  markSaveFailed(message: string): void;
}

export interface EditorInit {
  missionId: string;
  graph: MissionGraph;
  readOnly: boolean;
}

const EMPTY: ReadonlySet<string> = new Set();

function pruneSelection(ids: ReadonlySet<string>, present: Set<string>): ReadonlySet<string> {
  if (!ids.size) return ids;
  let pruned = false;
  for (const id of ids) if (!present.has(id)) pruned = true;
  return pruned ? new Set([...ids].filter((id) => present.has(id))) : ids;
}

function statusFor(graph: MissionGraph, saved: MissionGraph, current: SaveStatus): SaveStatus {
  if (current === "saving") return "saving";
  return graph === saved ? "saved" : "dirty";
}

export function createEditorStore(init: EditorInit) {
  return createStore<EditorState>()((set, get) => {
    /** Moves to a new graph, keeping the selection to what still exists. */
    const moveTo = (graph: MissionGraph, patch: Partial<EditorState> = {}) => {
      const s = get();
      const nodeIds = new Set(graph.nodes.map((n) => n.id));
      const edgeIds = new Set(graph.edges.map((e) => e.id));
      set({
        graph,
        selectedNodes: pruneSelection(patch.selectedNodes ?? s.selectedNodes, nodeIds),
        selectedEdges: pruneSelection(patch.selectedEdges ?? s.selectedEdges, edgeIds),
        saveStatus: statusFor(graph, s.savedGraph, s.saveStatus),
        ...patch,
      });
    };

    /** Asks the canvas to bring steps just added into view, if they are not. */
    const reveal = (ids: readonly string[]) => {
      if (ids.length) set({ view: { kind: "reveal", ids, nonce: (get().view?.nonce ?? 0) + 1 } });
    };

    return {
      missionId: init.missionId,
      readOnly: init.readOnly,
      graph: init.graph,
      past: [],
      future: [],
      lastEdit: null,
      dragOrigin: null,
      selectedNodes: EMPTY,
      selectedEdges: EMPTY,
      measured: {},
      problems: [],
      warnings: [],
      problemsByNode: new Map(),
      problemsByEdge: new Map(),
      validatedGraph: null,
      diff: null,
      panel: "inspect",
      focus: null,
      view: null,
      savedGraph: init.graph,
      saveStatus: "saved",
      saveError: null,

      commit(next, opts = {}) {
        const s = get();
        if (s.readOnly || next === s.graph) return;
        const now = Date.now();
        const merge = opts.coalesce !== undefined && s.lastEdit?.key === opts.coalesce && now - s.lastEdit.at < COALESCE_MS;
        const past = merge ? s.past : [...s.past, s.graph].slice(-HISTORY_LIMIT);
        const patch: Partial<EditorState> = { past, future: [], lastEdit: opts.coalesce ? { key: opts.coalesce, at: now } : null };
        if (opts.select) {
          patch.selectedNodes = new Set(opts.select.nodes ?? []);
          patch.selectedEdges = new Set(opts.select.edges ?? []);
        }
        moveTo(next, patch);
      },

      undo() {
        const s = get();
        const previous = s.past[s.past.length - 1];
        if (s.readOnly || !previous) return;
        moveTo(previous, { past: s.past.slice(0, -1), future: [s.graph, ...s.future], lastEdit: null });
      },

      redo() {
        const s = get();
        const next = s.future[0];
        if (s.readOnly || !next) return;
        moveTo(next, { past: [...s.past, s.graph], future: s.future.slice(1), lastEdit: null });
      },

      addNode(kind, position) {
        const s = get();
        if (s.readOnly) return null;
        const { graph, id } = ops.addNode(s.graph, kind, position, s.measured);
        s.commit(graph, { select: { nodes: [id] } });
        reveal([id]);
        return id;
      },

      addInside(forEachId, kind) {
        const s = get();
        if (s.readOnly) return "This mission is read-only for you.";
        const result = ops.addInside(s.graph, forEachId, kind, s.measured);
        if ("error" in result) return result.error;
        s.commit(result.graph, { select: { nodes: [result.id] } });
        set({ panel: "inspect" });
        return null;
      },

      addAfter(nodeId, handle, kind) {
        const s = get();
        if (s.readOnly) return "This mission is read-only for you.";
        const result = ops.addNodeAfter(s.graph, nodeId, handle, kind, s.measured);
        if ("error" in result) return result.error;
        s.commit(result.graph, { select: { nodes: [result.id] } });
        set({ panel: "inspect" });
        reveal([result.id]);
        return null;
      },

      connect(c) {
        const s = get();
        if (s.readOnly) return "This mission is read-only for you.";
        const result = ops.connect(s.graph, c);
        if ("error" in result) return result.error;
        s.commit(result.graph);
        return null;
      },

      deleteSelection() {
        const s = get();
        s.commit(ops.deleteElements(s.graph, s.selectedNodes, s.selectedEdges));
      },

      updateNodeData(nodeId, data, coalesce) {
        const s = get();
        s.commit(ops.updateNodeData(s.graph, nodeId, data), { coalesce: coalesce ? `${nodeId}:${coalesce}` : undefined });
      },

      renameNode(from, to) {
        const s = get();
        const result = ops.renameNode(s.graph, from, to);
        if ("error" in result) return result.error;
        const wasSelected = s.selectedNodes.has(from);
        s.commit(result.graph, wasSelected ? { select: { nodes: [to] } } : {});
        return null;
      },

      paste(sub, place) {
        const s = get();
        if (s.readOnly) return [];
        const result = ops.pasteSubgraph(s.graph, sub, place, s.measured);
        s.commit(result.graph, { select: { nodes: result.nodeIds, edges: result.edgeIds } });
        reveal(result.nodeIds);
        return result.nodeIds;
      },

      setName(name) {
        const s = get();
        if (name === s.graph.name) return;
        s.commit({ ...s.graph, name }, { coalesce: "mission:name" });
      },

      onNodesChange(changes) {
        const s = get();
        const measured = applyDimensionChanges(s.measured, changes);
        let selectedNodes = s.selectedNodes;
        for (const c of changes) {
          if (c.type !== "select" || c.id.startsWith(REMOVED_PREFIX)) continue;
          if (c.selected === selectedNodes.has(c.id)) continue;
          const next = new Set(selectedNodes);
          if (c.selected) next.add(c.id);
          else next.delete(c.id);
          selectedNodes = next;
        }
        const graph = s.readOnly ? s.graph : applyPositionChanges(s.graph, changes);
        if (measured === s.measured && selectedNodes === s.selectedNodes && graph === s.graph) return;
        // Positions change continuously during a drag: the undo step is taken once, at endDrag.
        set({ measured, selectedNodes, graph, saveStatus: statusFor(graph, s.savedGraph, s.saveStatus) });
      },

      onEdgesChange(changes) {
        const s = get();
        let selectedEdges = s.selectedEdges;
        for (const c of changes) {
          if (c.type !== "select" || c.id.startsWith(REMOVED_PREFIX)) continue;
          if (c.selected === selectedEdges.has(c.id)) continue;
          const next = new Set(selectedEdges);
          if (c.selected) next.add(c.id);
          else next.delete(c.id);
          selectedEdges = next;
        }
        if (selectedEdges !== s.selectedEdges) set({ selectedEdges });
      },

      beginDrag() {
        const s = get();
        if (!s.readOnly && !s.dragOrigin) set({ dragOrigin: s.graph });
      },

      endDrag() {
        const s = get();
        const origin = s.dragOrigin;
        if (!origin) return;
        if (origin === s.graph) {
          set({ dragOrigin: null });
          return;
        }
        set({ dragOrigin: null, past: [...s.past, origin].slice(-HISTORY_LIMIT), future: [], lastEdit: null });
      },

      select(nodes, edges = []) {
        set({ selectedNodes: new Set(nodes), selectedEdges: new Set(edges) });
      },

      selectAll() {
        const s = get();
        set({ selectedNodes: new Set(s.graph.nodes.map((n) => n.id)), selectedEdges: new Set(s.graph.edges.map((e) => e.id)) });
      },

      setProblems(graph, problems, warnings = []) {
        const byNode = new Map<string, string[]>();
        const byEdge = new Map<string, string[]>();
        for (const p of problems) {
          if (p.nodeId) byNode.set(p.nodeId, [...(byNode.get(p.nodeId) ?? []), p.message]);
          if (p.edgeId) byEdge.set(p.edgeId, [...(byEdge.get(p.edgeId) ?? []), p.message]);
        }
        set({ problems, warnings, problemsByNode: byNode, problemsByEdge: byEdge, validatedGraph: graph });
      },

      setDiff(diff) {
        set({ diff });
      },

      setPanel(panel) {
        set({ panel });
      },

      fitView() {
        set({ view: { kind: "fit", nonce: (get().view?.nonce ?? 0) + 1 } });
      },

      focusOn(target) {
        const s = get();
        set({
          selectedNodes: target.nodeId ? new Set([target.nodeId]) : EMPTY,
          selectedEdges: target.edgeId ? new Set([target.edgeId]) : EMPTY,
          focus: { ...target, nonce: (s.focus?.nonce ?? 0) + 1 },
          panel: target.nodeId ? "inspect" : s.panel,
        });
      },

      markSaving() {
        set({ saveStatus: "saving", saveError: null });
      },

      markSaved(graph) {
        const s = get();
        set({ savedGraph: graph, saveError: null, saveStatus: s.graph === graph ? "saved" : "dirty" });
      },

      markSaveFailed(message) {
        set({ saveStatus: "error", saveError: message });
      },
    };
  });
}

export type EditorStore = ReturnType<typeof createEditorStore>;
