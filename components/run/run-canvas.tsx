"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Background, BackgroundVariant, Controls, MarkerType, ReactFlow, ReactFlowProvider, useReactFlow, useStore, type Edge, type NodeChange, type ReactFlowState } from "@xyflow/react";
import { Crosshair } from "lucide-react";
import { indexGraph } from "@/lib/mission/graph";
import { cn } from "@/components/ui/cn";
import type { MissionGraph } from "@/lib/mission/schema";
import { edgeLanes } from "@/components/editor/edge-routes";
import { edgeTypes } from "@/components/editor/edges/routed-edge";
import { toFlowEdge } from "@/components/editor/graph-mapping";
import { InverseZoom } from "@/components/editor/inverse-zoom";
import { GROUP_PAD, groupSizes, portReach } from "@/components/editor/nodes/group";
import { RUN_NODE_TYPE, RUN_NODE_WIDTH, runNodeTypes, type RunFlowNode } from "./run-node";
import { emptyNodeState, sameNodeState, type EdgeState, type NodeRunState, type RunState } from "./run-state";

const UNKNOWN_NODE = emptyNodeState();
/** Where a group's card sits in from its box's outer edge: its border and padding (run-view.css `.run-group`). */
const RUN_GROUP_INSET = 2 + GROUP_PAD;

/** How much lower the steps inside a For each sit on the run view than in the editor. */
const RUN_GROUP_DROP = 56;

type Size = { width: number; height: number };

/** Maps graph nodes and their run state to React Flow nodes, reusing the previous object per node when it would be equal. */
function createRunNodeMapper() {
  let cache = new Map<string, RunFlowNode>();
  return (
    graph: MissionGraph,
    states: Record<string, NodeRunState>,
    view: { live: boolean; at: number | null; selectedNode: string | null; measured: Readonly<Record<string, Size>> },
  ): RunFlowNode[] => {
    const next = new Map<string, RunFlowNode>();
    // A For each is a group around the steps inside it, as in the editor; its run card is taller
    // than its editor card (state, item counts), so the steps inside sit lower.
    const placed = graph.nodes.map((n) => (n.parentId === undefined ? n : { ...n, position: { x: n.position.x, y: n.position.y + RUN_GROUP_DROP } }));
    const positions = new Map(placed.map((n) => [n.id, n.position]));
    const groups = groupSizes({ nodes: placed }, view.measured);
    const out = graph.nodes.map((node): RunFlowNode => {
      const group = groups.get(node.id);
      const state = states[node.id] ?? UNKNOWN_NODE;
      const size = view.measured[node.id];
      const selected = view.selectedNode === node.id;
      const prev = cache.get(node.id);
      const flow: RunFlowNode =
        prev &&
        prev.data.node === node &&
        sameNodeState(prev.data.state, state) &&
        prev.data.live === view.live &&
        prev.data.at === view.at &&
        prev.selected === selected &&
        prev.measured === size &&
        prev.style?.width === group?.width &&
        prev.style?.height === group?.height
          ? prev
          : {
              id: node.id,
              type: RUN_NODE_TYPE,
              position: positions.get(node.id) ?? node.position,
              // A group's card sits inside its padding and border (run-view.css); its ports reach out to the border.
              data: { node, state, live: view.live, at: view.at, ...(group ? { reach: portReach(group.width, RUN_NODE_WIDTH, RUN_GROUP_INSET) } : {}) },
              selected,
              draggable: false,
              connectable: false,
              deletable: false,
              ...(size ? { measured: size } : {}),
              ...(group ? { style: { width: group.width, height: group.height }, className: "run-group" } : {}),
              ...(node.parentId !== undefined ? { parentId: node.parentId, extent: "parent" as const } : {}),
            };
      next.set(node.id, flow);
      return flow;
    });
    cache = next;
    return out;
  };
}

/** The whole graph, as large as fits: clear of the Follow button (top left) and the zoom controls (bottom left). */
const FIT_VIEW_OPTIONS = { padding: { top: "56px", right: "24px", bottom: "24px", left: "56px" }, maxZoom: 1 } as const;
const paneSizeSelector = (s: ReactFlowState) => `${s.width}x${s.height}`;
/** Space kept between the selected step and the pane's edges or the panel beside it. */
const SELECTED_MARGIN = 32;
const PRO_OPTIONS = { hideAttribution: true };

const EDGE_COLORS: Record<EdgeState, string> = {
  idle: "#cbd5e1",
  active: "#2f6fed",
  taken: "#10b981",
  pruned: "#cbd5e1",
};

type RunCanvasProps = {
  graph: MissionGraph;
  state: RunState;
  live: boolean;
  at: number | null;
  selectedNode: string | null;
  onSelectNode: (nodeId: string | null) => void;
  /** How much of the pane's right side the selected step's panel covers, in px (0 without one). */
  coveredRight: number;
};

/**
 * The pinned version's graph, read-only, painted with the run's state: nodes carry their state,
 * edges are idle, active (being taken: animated), taken or pruned (faded). The whole graph is in
 * view (fitted again when the pane changes size) until the reader pans or zooms; "Follow" keeps
 * the running or waiting step in view instead, until they pan or zoom. A selected step is moved
 * into view beside its panel when the panel would cover it, and the whole graph comes back when
 * the panel closes (unless the reader has moved the view).
 */
export function RunCanvas(props: RunCanvasProps) {
  return (
    <ReactFlowProvider>
      <RunFlow {...props} />
    </ReactFlowProvider>
  );
}

function RunFlow({
  graph,
  state,
  live,
  at,
  selectedNode,
  onSelectNode,
  coveredRight,
}: RunCanvasProps) {
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(false);
  // The reader's own pan or zoom: the view is theirs until they ask to follow or fit again.
  const moved = useRef(false);
  // React Flow's measurements are the one thing the graph does not hold: kept across state updates.
  const [measured, setMeasured] = useState<Readonly<Record<string, Size>>>({});

  // A node object is handed back unchanged when nothing it shows changed, so React Flow re-renders
  // only the nodes whose state moved (a live run changes one or two per Observation).
  const mapNodes = useMemo(() => createRunNodeMapper(), []);
  const nodes = useMemo(() => mapNodes(graph, state.nodes, { live, at, selectedNode, measured }), [mapNodes, graph, state.nodes, live, at, selectedNode, measured]);

  // Connections that would pass behind cards go around them.
  const lanes = useMemo(() => edgeLanes(graph, measured), [graph, measured]);
  const edges = useMemo(() => {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    return graph.edges.map((e): Edge => {
      const flow = toFlowEdge(e, byId.get(e.source), { readOnly: true, lane: lanes.get(e.id) });
      const s = state.edges[e.id] ?? "idle";
      return {
        ...flow,
        selectable: false,
        animated: s === "active",
        className: `run-edge run-edge-${s}`,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: EDGE_COLORS[s] },
        data: { ...flow.data, runState: s },
      };
    });
  }, [graph, state.edges, lanes]);

  const onNodesChange = useCallback((changes: NodeChange<RunFlowNode>[]) => {
    // Only measurements matter: the canvas is read-only, and selection is the page's state.
    setMeasured((prev) => {
      let next: Record<string, Size> | null = null;
      for (const c of changes) {
        if (c.type !== "dimensions" || !c.dimensions) continue;
        const old = (next ?? prev)[c.id];
        if (old && old.width === c.dimensions.width && old.height === c.dimensions.height) continue;
        next ??= { ...prev };
        next[c.id] = { width: c.dimensions.width, height: c.dimensions.height };
      }
      return next ?? prev;
    });
  }, []);

  // The nodes in motion and their neighbours: what the camera keeps in view.
  const focus = useMemo(() => {
    const active = graph.nodes.filter((n) => {
      const st = state.nodes[n.id]?.status;
      return st === "running" || st === "waiting";
    });
    if (!active.length) return "";
    const index = indexGraph(graph);
    const ids = new Set<string>();
    for (const n of active) {
      ids.add(n.id);
      for (const e of index.incoming.get(n.id) ?? []) ids.add(e.source);
      for (const e of index.outgoing.get(n.id) ?? []) ids.add(e.target);
    }
    return [...ids].sort().join(",");
  }, [graph, state.nodes]);
  const measuredAll = graph.nodes.every((n) => measured[n.id]);

  const paneSize = useStore(paneSizeSelector);
  useEffect(() => {
    if (!measuredAll) return;
    if (follow && focus) {
      void flow.fitView({ nodes: focus.split(",").map((id) => ({ id })), padding: 0.25, maxZoom: 1, duration: 450 });
    } else if (!moved.current) {
      void flow.fitView({ ...FIT_VIEW_OPTIONS, duration: follow ? 450 : 0 });
    }
  }, [follow, focus, measuredAll, paneSize, flow]);

  // The clicked step stays in sight: if the panel (or the pane's edge) hides any of it, the view
  // moves just enough to show it whole left of the panel, and zooms out only if it cannot fit there.
  const shown = useRef(false);
  useEffect(() => {
    if (!measuredAll) return;
    if (!selectedNode) {
      if (shown.current && !moved.current && !follow) void flow.fitView({ ...FIT_VIEW_OPTIONS, duration: 300 });
      shown.current = false;
      return;
    }
    const node = flow.getInternalNode(selectedNode);
    const pane = wrapper.current?.getBoundingClientRect();
    if (!node || !pane) return;
    const viewport = flow.getViewport();
    const { x, y } = node.internals.positionAbsolute;
    const w = node.measured.width ?? 0;
    const h = node.measured.height ?? 0;
    const free = pane.width - coveredRight;
    const zoom = Math.min(viewport.zoom, (free - 2 * SELECTED_MARGIN) / w, (pane.height - 2 * SELECTED_MARGIN) / h);
    const into = (start: number, size: number, end: number) => Math.max(SELECTED_MARGIN - start, Math.min(0, end - SELECTED_MARGIN - (start + size)));
    const left = x * zoom + (zoom === viewport.zoom ? viewport.x : free / 2 - (x + w / 2) * zoom);
    const top = y * zoom + (zoom === viewport.zoom ? viewport.y : pane.height / 2 - (y + h / 2) * zoom);
    const dx = into(left, w * zoom, free);
    const dy = into(top, h * zoom, pane.height);
    if (zoom === viewport.zoom && !dx && !dy) return;
    shown.current = true;
    void flow.setViewport({ x: left + dx - x * zoom, y: top + dy - y * zoom, zoom }, { duration: 300 });
  }, [selectedNode, coveredRight, measuredAll, follow, flow]);

  return (
    <div ref={wrapper} className="run-canvas relative h-full w-full" data-testid="run-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={runNodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={(_, node) => onSelectNode(node.id)}
        onPaneClick={() => onSelectNode(null)}
        onMoveStart={(event) => {
          // Only a person's pan or zoom has an event; the camera's own moves do not.
          if (!event) return;
          moved.current = true;
          setFollow(false);
        }}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        edgesFocusable={false}
        deleteKeyCode={null}
        fitView
        fitViewOptions={FIT_VIEW_OPTIONS}
        minZoom={0.2}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#cbd5e1" />
        <Controls showInteractive={false} position="bottom-left" />
        <InverseZoom target={wrapper} />
      </ReactFlow>
      <button
        type="button"
        onClick={() => {
          // Asking to follow, or to stop, hands the view back to the canvas: following, or the whole graph.
          moved.current = false;
          setFollow((f) => !f);
        }}
        aria-pressed={follow}
        data-testid="canvas-follow"
        title={follow ? "The view follows the running step; pan or zoom to stop" : "Follow the running step"}
        className={cn(
          "absolute left-3 top-3 z-10 inline-flex items-center gap-1.5 rounded-full border px-2.5 py-1 text-xs font-medium shadow-sm transition-colors",
          follow ? "border-brand-200 bg-brand-50 text-brand-700" : "border-slate-200 bg-white text-slate-600 hover:bg-slate-50",
        )}
      >
        <Crosshair className="size-3.5" /> {follow ? "Following" : "Follow"}
      </button>
    </div>
  );
}
