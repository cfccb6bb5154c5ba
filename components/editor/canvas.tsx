"use client";

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent, type MouseEvent as ReactMouseEvent } from "react";
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  type Connection,
  type FinalConnectionState,
  type IsValidConnection,
  type EdgeChange,
  type Node,
  type NodeChange,
  type ReactFlowState,
  type Viewport,
} from "@xyflow/react";
import { useShallow } from "zustand/react/shallow";
import { toast } from "sonner";
import { isNodeKind } from "@/lib/mission/node-kinds";
import { checkConnection, parseClipboard } from "./graph-ops";
import { createFlowMapper, REMOVED_PREFIX, type CanvasEdge, type CanvasNode } from "./graph-mapping";
import { initialViewport } from "./initial-viewport";
import { nodeTypes } from "./nodes";
import { OverviewMap } from "./overview-map";
import { useEditor, useEditorStoreApi } from "./store/editor-context";
import { NODE_WIDTH } from "./nodes/card-geometry";
import { FarContext } from "./nodes/node-card";

export const PALETTE_MIME = "application/x-steward-node-kind";

const MINIMAP_COLORS: Record<string, string> = {
  trigger: "#0ea5e9",
  worker: "#8b5cf6",
  condition: "#64748b",
  approval: "#10b981",
  action: "#f59e0b",
  verdict: "#f43f5e",
  removed: "#fca5a5",
};

function minimapColor(node: Node): string {
  return MINIMAP_COLORS[node.type ?? ""] ?? "#94a3b8";
}

const FIT_VIEW_OPTIONS = { padding: 0.2, maxZoom: 1 };
const PRO_OPTIONS = { hideAttribution: true };
const DELETE_KEYS = null;
const MULTI_SELECT_KEYS = ["Meta", "Control"];
const DEFAULT_EDGE_OPTIONS = { type: "default" };
const MINIMAP_STYLE = { width: 168, height: 112 };
/** Below this zoom step cards show only a large title (less to draw, and still readable): FarContext. */
export const LOD_ZOOM = 0.45;
/** Null until React Flow has applied the opening viewport (its store starts at zoom 1). */
const farSelector = (s: ReactFlowState) => (s.panZoom ? s.transform[2] < LOD_ZOOM : null);

/** The React Flow canvas: a view of the store's domain graph, mapped through graph-mapping. */
export function Canvas() {
  const store = useEditorStoreApi();
  const flow = useReactFlow();
  const mapper = useMemo(() => createFlowMapper(), []);
  const input = useEditor(
    useShallow((s) => ({
      graph: s.graph,
      selectedNodes: s.selectedNodes,
      selectedEdges: s.selectedEdges,
      measured: s.measured,
      problemsByNode: s.problemsByNode,
      problemsByEdge: s.problemsByEdge,
      diff: s.diff?.overlay ?? null,
      readOnly: s.readOnly,
    })),
  );
  // The opening viewport is computed from the pane's size before React Flow first paints, so a big
  // mission renders only what is in view and nothing jumps after load.
  const wrapper = useRef<HTMLDivElement>(null);
  const [openAt, setOpenAt] = useState<Viewport | null>(null);
  useLayoutEffect(() => {
    const rect = wrapper.current?.getBoundingClientRect();
    setOpenAt(initialViewport(store.getState().graph, rect?.width ?? 0, rect?.height ?? 0));
  }, [store]);
  // The first frame already knows the opening zoom: drawing edge labels only to drop them a frame
  // later costs a text measurement per label.
  const far = useStore(farSelector) ?? (openAt ? openAt.zoom < LOD_ZOOM : false);
  const { nodes, edges } = useMemo(() => mapper({ ...input, edgeLabels: !far }), [mapper, input, far]);
  const readOnly = input.readOnly;
  // Past this size only what is in view is rendered, and the minimap is drawn on a canvas.
  const large = input.graph.nodes.length > 150;

  // Mouse moves can outnumber frames; while dragging, positions are applied once per frame.
  const dragBatch = useRef<{ pending: NodeChange<CanvasNode>[]; frame: number | null }>({ pending: [], frame: null });
  const actions = useMemo(() => {
    const s = () => store.getState();
    const batch = dragBatch.current;
    const flush = () => {
      if (batch.frame !== null) cancelAnimationFrame(batch.frame);
      batch.frame = null;
      if (!batch.pending.length) return;
      const changes = batch.pending;
      batch.pending = [];
      s().onNodesChange(changes);
    };
    return {
      onNodesChange: (changes: NodeChange<CanvasNode>[]) => {
        if (changes.length && changes.every((c) => c.type === "position" && c.dragging)) {
          batch.pending.push(...changes);
          batch.frame ??= requestAnimationFrame(flush);
          return;
        }
        flush();
        s().onNodesChange(changes);
      },
      onEdgesChange: (changes: EdgeChange<CanvasEdge>[]) => s().onEdgesChange(changes),
      onNodeDragStart: () => s().beginDrag(),
      onNodeDragStop: () => {
        flush();
        s().endDrag();
      },
      onConnect: (c: Connection) => {
        const error = s().connect(c);
        if (error) toast.error(error);
      },
    };
  }, [store]);

  const isValidConnection: IsValidConnection = useCallback(
    (c) => checkConnection(store.getState().graph, { source: c.source, target: c.target, sourceHandle: c.sourceHandle }).ok,
    [store],
  );

  // A drop on a handle that the rules refuse says why, instead of silently doing nothing.
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.fromHandle) return;
      if (!state.toHandle) {
        // Dropped on a step's body rather than its handle: connect to it when the rules allow,
        // and say why not when they do not (a trigger has no input handle to aim at).
        if (state.fromHandle.type !== "source") return;
        const point = "changedTouches" in event ? event.changedTouches[0] : event;
        const under = point ? document.elementFromPoint(point.clientX, point.clientY)?.closest(".react-flow__node") : null;
        const targetId = under?.getAttribute("data-id");
        if (!targetId || targetId === state.fromNode.id || targetId.startsWith(REMOVED_PREFIX)) return;
        const error = store.getState().connect({ source: state.fromNode.id, sourceHandle: state.fromHandle.id, target: targetId });
        if (error) toast.error(error);
        return;
      }
      if (!state.toNode) return;
      const fromSource = state.fromHandle.type === "source";
      const request = fromSource
        ? { source: state.fromNode.id, sourceHandle: state.fromHandle.id, target: state.toNode.id }
        : { source: state.toNode.id, sourceHandle: state.toHandle.id, target: state.fromNode.id };
      if (state.toHandle.type === state.fromHandle.type) {
        toast.error(fromSource ? "Connect an output (right side) to an input (left side)." : "Connect an input (left side) to an output (right side).");
        return;
      }
      const check = checkConnection(store.getState().graph, request);
      if (!check.ok) toast.error(check.reason);
    },
    [store],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (readOnly) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = e.dataTransfer.types.includes("Files") ? "copy" : "move";
  }, [readOnly]);

  const onDrop = useCallback(
    async (e: DragEvent) => {
      if (readOnly) return;
      e.preventDefault();
      const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const kind = e.dataTransfer.getData(PALETTE_MIME);
      if (kind) {
        if (!isNodeKind(kind)) {
          toast.error(`Unknown node kind "${kind}".`);
          return;
        }
        store.getState().addNode(kind, { x: at.x - NODE_WIDTH / 2, y: at.y - 40 });
        return;
      }
      const file = e.dataTransfer.files[0];
      if (!file) return;
      if (file.size > 2_000_000) {
        toast.error(`${file.name} is larger than 2 MB; that is not a mission document.`);
        return;
      }
      const parsed = parseClipboard(await file.text());
      if (!parsed.ok) {
        toast.error(`${file.name}: ${parsed.reason.replace(/^The clipboard/, "The file")}`);
        return;
      }
      const ids = store.getState().paste(parsed, { at });
      toast.success(`Added ${ids.length} node${ids.length === 1 ? "" : "s"} from ${file.name}`);
    },
    [flow, readOnly, store],
  );

  // Clicking a problem (or anything else that asks for focus) brings its node or edge into view.
  const focus = useEditor((s) => s.focus);
  useEffect(() => {
    if (!focus) return;
    const graph = store.getState().graph;
    const edge = focus.edgeId ? graph.edges.find((e) => e.id === focus.edgeId) : undefined;
    const ids = focus.nodeId ? [focus.nodeId] : edge ? [edge.source, edge.target] : [];
    if (ids.length) void flow.fitView({ nodes: ids.map((id) => ({ id })), duration: 300, maxZoom: 1.1, padding: 0.6 });
  }, [focus, flow, store]);

  // A new comparison zooms to what changed, so the highlights are readable, not specks.
  const diffBase = useEditor((s) => s.diff?.base ?? null);
  useEffect(() => {
    if (!diffBase) return;
    const timer = setTimeout(() => {
      const overlay = store.getState().diff?.overlay;
      if (!overlay) return;
      const ids = [...overlay.added, ...overlay.changed, ...overlay.removedNodes.map((n) => `${REMOVED_PREFIX}${n.id}`)];
      if (ids.length) void flow.fitView({ nodes: ids.map((id) => ({ id })), padding: 0.35, maxZoom: 1, duration: 300 });
    }, 60);
    return () => clearTimeout(timer);
  }, [diffBase, flow, store]);

  const onPaneClick = useCallback(() => store.getState().select([]), [store]);

  // Shift starts a box selection; without this the browser would also extend its text selection
  // across the side panels.
  const onMouseDownCapture = useCallback((e: ReactMouseEvent<HTMLDivElement>) => {
    if (!e.shiftKey) return;
    e.preventDefault();
    window.getSelection()?.removeAllRanges();
  }, []);

  return (
    <div ref={wrapper} className="h-full w-full" onDragOver={onDragOver} onDrop={onDrop} onMouseDownCapture={onMouseDownCapture} data-testid="canvas">
      {openAt ? (
        <FarContext.Provider value={far}>
          <ReactFlow<CanvasNode, CanvasEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={actions.onNodesChange}
            onEdgesChange={actions.onEdgesChange}
            onNodeDragStart={actions.onNodeDragStart}
            onNodeDragStop={actions.onNodeDragStop}
            onSelectionDragStart={actions.onNodeDragStart}
            onSelectionDragStop={actions.onNodeDragStop}
            onConnect={actions.onConnect}
            onConnectEnd={onConnectEnd}
            isValidConnection={isValidConnection}
            onPaneClick={onPaneClick}
            deleteKeyCode={DELETE_KEYS}
            selectionKeyCode="Shift"
            multiSelectionKeyCode={MULTI_SELECT_KEYS}
            nodesDraggable={!readOnly}
            nodesConnectable={!readOnly}
            edgesReconnectable={false}
            elementsSelectable
            defaultViewport={openAt}
            fitViewOptions={FIT_VIEW_OPTIONS}
            minZoom={0.05}
            maxZoom={2}
            onlyRenderVisibleElements={large}
            proOptions={PRO_OPTIONS}
            defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
            className="bg-slate-50"
          >
            <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
            {large ? (
              <OverviewMap colors={MINIMAP_COLORS} />
            ) : (
              <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} style={MINIMAP_STYLE} className="!rounded-lg !border !border-slate-200 !shadow-sm" />
            )}
            <Controls showInteractive={false} className="!rounded-lg !border !border-slate-200 !shadow-sm" />
          </ReactFlow>
        </FarContext.Provider>
      ) : null}
    </div>
  );
}
