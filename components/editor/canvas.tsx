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
  useStoreApi,
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
import { AddNextContext, AddNextMenu, type AddNextRequest } from "./add-next";
import { createLaneCache } from "./edge-routes";
import { edgeTypes } from "./edges/routed-edge";
import { checkConnection, parseClipboard } from "./graph-ops";
import { createFlowMapper, REMOVED_PREFIX, type CanvasEdge, type CanvasNode } from "./graph-mapping";
import { FIT_PADDING, initialFit } from "./initial-viewport";
import { nodeTypes } from "./nodes";
import { OverviewMap } from "./overview-map";
import { useEditor, useEditorStoreApi } from "./store/editor-context";
import { cardGeometry, NODE_WIDTH } from "./nodes/card-geometry";
import { InverseZoom } from "./inverse-zoom";
import { FarContext } from "./nodes/node-card";
import { bounds } from "./rect-index";

export const PALETTE_MIME = "application/x-steward-node-kind";

const MINIMAP_COLORS: Record<string, string> = {
  trigger: "#0ea5e9",
  worker: "#8b5cf6",
  condition: "#64748b",
  approval: "#10b981",
  action: "#f59e0b",
  verdict: "#27272a",
  removed: "#fca5a5",
};

function minimapColor(node: Node): string {
  return MINIMAP_COLORS[node.type ?? ""] ?? "#94a3b8";
}

/** Fitting leaves room for the minimap and the zoom controls at the bottom, so no card hides under them. */
export const FIT_VIEW_OPTIONS = {
  padding: { top: `${FIT_PADDING.top}px`, right: `${FIT_PADDING.right}px`, bottom: `${FIT_PADDING.bottom}px`, left: `${FIT_PADDING.left}px` },
  maxZoom: 1,
} as const;
const PRO_OPTIONS = { hideAttribution: true };
const DELETE_KEYS = null;
const MULTI_SELECT_KEYS = ["Meta", "Control"];
const MINIMAP_STYLE = { width: 168, height: 112 };
/**
 * Below this zoom, cards show only a title sized to stay readable (editor.css, --inv-zoom): their
 * 11–14 px details would be under 10 px on screen. FarContext.
 */
export const LOD_ZOOM = 0.7;
/** Null until React Flow has applied the opening viewport (its store starts at zoom 1). */
const farSelector = (s: ReactFlowState) => (s.panZoom ? s.transform[2] < LOD_ZOOM : null);
const paneSizeSelector = (s: ReactFlowState) => `${s.width}x${s.height}`;
const NO_LANES: ReadonlyMap<string, number> = new Map();
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
  // Whether the view shows the whole graph as fitted, and so should be fitted again when the pane
  // changes size (a notice opens above it); the person's own pan or zoom ends that.
  const fitted = useRef(false);
  useLayoutEffect(() => {
    const rect = wrapper.current?.getBoundingClientRect();
    const fit = initialFit(store.getState().graph, rect?.width ?? 0, rect?.height ?? 0);
    fitted.current = fit.whole;
    setOpenAt(fit.viewport);
  }, [store]);
  // Past this size only what is in view is rendered, and the minimap is drawn on a canvas.
  const large = input.graph.nodes.length > 150;
  // The first frame already knows the opening zoom: drawing edge labels only to drop them a frame
  // later costs a layout per label. Zoomed far out, a big mission leaves its labels out.
  const far = useStore(farSelector) ?? (openAt ? openAt.zoom < LOD_ZOOM : false);
  // Connections that would pass behind cards go around them; not worked out on every drag frame.
  // A big mission draws its first view with plain curves and routes them once the browser is idle.
  const laneCache = useMemo(() => createLaneCache(), []);
  const dragging = useEditor((s) => s.dragOrigin !== null);
  const [routeNow, setRouteNow] = useState(() => store.getState().graph.nodes.length <= 150);
  useEffect(() => {
    if (routeNow) return;
    const done = () => setRouteNow(true);
    if (typeof requestIdleCallback !== "function") {
      const timer = setTimeout(done, 500);
      return () => clearTimeout(timer);
    }
    const idle = requestIdleCallback(done, { timeout: 1_500 });
    return () => cancelIdleCallback(idle);
  }, [routeNow]);
  const lanes = useMemo(
    () => (routeNow ? laneCache(input.graph, dragging ? input.selectedNodes : null) : NO_LANES),
    [routeNow, laneCache, input.graph, input.selectedNodes, dragging],
  );
  const { nodes, edges } = useMemo(() => mapper({ ...input, edgeLabels: !(far && large), lanes }), [mapper, input, far, large, lanes]);
  const readOnly = input.readOnly;

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
          toast.error(`Unknown kind of step "${kind}".`);
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
      toast.success(`Added ${ids.length} step${ids.length === 1 ? "" : "s"} from ${file.name}`);
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

  // A new comparison zooms to what changed, so the highlights are readable, not specks; a restored
  // version is shown whole (what changed is highlighted in it).
  const diffBase = useEditor((s) => s.diff?.base ?? null);
  useEffect(() => {
    if (!diffBase) return;
    const timer = setTimeout(() => {
      const diff = store.getState().diff;
      if (!diff) return;
      if (diff.show === "all") {
        fitted.current = true;
        void flow.fitView({ ...FIT_VIEW_OPTIONS, duration: 300 });
        return;
      }
      const overlay = diff.overlay;
      const ids = [...overlay.added, ...overlay.changed, ...overlay.removedNodes.map((n) => `${REMOVED_PREFIX}${n.id}`)];
      if (ids.length) void flow.fitView({ nodes: ids.map((id) => ({ id })), padding: 0.35, maxZoom: 1, duration: 300 });
    }, 60);
    return () => clearTimeout(timer);
  }, [diffBase, flow, store]);

  // Fit the whole graph (after auto-layout), or bring steps just added into view: the whole graph
  // again while it fits, else the new steps if they are not in view.
  const flowStore = useStoreApi<CanvasNode, CanvasEdge>();
  const view = useEditor((s) => s.view);
  useEffect(() => {
    if (!view) return;
    if (view.kind === "fit") {
      fitted.current = true;
      void flow.fitView({ ...FIT_VIEW_OPTIONS, duration: 300 });
      return;
    }
    const graph = store.getState().graph;
    const { width, height, transform } = flowStore.getState();
    // A view that shows the whole mission keeps showing it, as long as it still fits readably.
    if (fitted.current && initialFit(graph, width, height).whole) {
      void flow.fitView({ ...FIT_VIEW_OPTIONS, duration: 250 });
      return;
    }
    fitted.current = false;
    const rects = graph.nodes.filter((n) => view.ids.includes(n.id)).map((n) => ({ x: n.position.x, y: n.position.y, width: NODE_WIDTH, height: cardGeometry(n).height }));
    if (!rects.length) return;
    const r = bounds(rects);
    const [tx, ty, zoom] = transform;
    const left = (FIT_PADDING.left - tx) / zoom;
    const top = (FIT_PADDING.top - ty) / zoom;
    const right = (width - FIT_PADDING.right - tx) / zoom;
    const bottom = (height - FIT_PADDING.bottom - ty) / zoom;
    if (r.x >= left && r.y >= top && r.x + r.width <= right && r.y + r.height <= bottom) return;
    void flow.setCenter(r.x + r.width / 2, r.y + r.height / 2, { zoom, duration: 250 });
  }, [view, flow, flowStore, store]);

  // A fitted view stays fitted when the pane changes size (a notice opening above it, the window).
  const paneSize = useStore(paneSizeSelector);
  useEffect(() => {
    if (fitted.current && paneSize !== "0x0") void flow.fitView(FIT_VIEW_OPTIONS);
  }, [paneSize, flow]);
  const onMoveStart = useCallback((event: MouseEvent | TouchEvent | null) => {
    // Only a person's pan or zoom has an event; the canvas's own moves do not.
    if (event) fitted.current = false;
  }, []);

  // The "+" beside a step's output opens one menu, owned here.
  const [addNext, setAddNext] = useState<AddNextRequest | null>(null);
  const openAddNext = useCallback((request: AddNextRequest) => setAddNext(request), []);
  const closeAddNext = useCallback(() => setAddNext(null), []);

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
          <AddNextContext.Provider value={readOnly ? null : openAddNext}>
          <ReactFlow<CanvasNode, CanvasEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onMoveStart={onMoveStart}
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
            className="bg-slate-50"
          >
            <InverseZoom target={wrapper} />
            <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
            {large ? (
              <OverviewMap colors={MINIMAP_COLORS} />
            ) : (
              <MiniMap pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} style={MINIMAP_STYLE} className="!rounded-lg !border !border-slate-200 !shadow-sm" />
            )}
            <Controls showInteractive={false} className="!rounded-lg !border !border-slate-200 !shadow-sm" />
          </ReactFlow>
          </AddNextContext.Provider>
        </FarContext.Provider>
      ) : null}
      {addNext ? <AddNextMenu request={addNext} onClose={closeAddNext} /> : null}
    </div>
  );
}
