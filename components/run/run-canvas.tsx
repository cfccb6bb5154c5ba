"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import { Background, BackgroundVariant, Controls, MarkerType, ReactFlow, ReactFlowProvider, useReactFlow, type Edge, type NodeChange } from "@xyflow/react";
import { Crosshair } from "lucide-react";
import { indexGraph } from "@/lib/mission/graph";
import { cn } from "@/components/ui/cn";
import type { MissionGraph } from "@/lib/mission/schema";
import { toFlowEdge } from "@/components/editor/graph-mapping";
import { RUN_NODE_TYPE, runNodeTypes, type RunFlowNode } from "./run-node";
import { emptyNodeState, sameNodeState, type EdgeState, type NodeRunState, type RunState } from "./run-state";

const UNKNOWN_NODE = emptyNodeState();

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
    const out = graph.nodes.map((node): RunFlowNode => {
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
        prev.measured === size
          ? prev
          : {
              id: node.id,
              type: RUN_NODE_TYPE,
              position: node.position,
              data: { node, state, live: view.live, at: view.at },
              selected,
              draggable: false,
              connectable: false,
              deletable: false,
              ...(size ? { measured: size } : {}),
            };
      next.set(node.id, flow);
      return flow;
    });
    cache = next;
    return out;
  };
}

const FIT_VIEW_OPTIONS = { padding: 0.15, maxZoom: 1 };
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
};

/**
 * The pinned version's graph, read-only, painted with the run's state: nodes carry their state,
 * edges are idle, active (being taken: animated), taken or pruned (faded). While something is
 * running or waiting, the camera follows it (until the reader pans or zooms themselves).
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
}: RunCanvasProps) {
  const flow = useReactFlow();
  const [follow, setFollow] = useState(true);
  // React Flow's measurements are the one thing the graph does not hold: kept across state updates.
  const [measured, setMeasured] = useState<Readonly<Record<string, Size>>>({});

  // A node object is handed back unchanged when nothing it shows changed, so React Flow re-renders
  // only the nodes whose state moved (a live run changes one or two per Observation).
  const mapNodes = useMemo(() => createRunNodeMapper(), []);
  const nodes = useMemo(() => mapNodes(graph, state.nodes, { live, at, selectedNode, measured }), [mapNodes, graph, state.nodes, live, at, selectedNode, measured]);

  const edges = useMemo(() => {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    return graph.edges.map((e): Edge => {
      const flow = toFlowEdge(e, byId.get(e.source), { readOnly: true });
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
  }, [graph, state.edges]);

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

  useEffect(() => {
    if (!follow || !measuredAll) return;
    const ids = focus ? focus.split(",") : null;
    void flow.fitView({ ...(ids ? { nodes: ids.map((id) => ({ id })) } : {}), padding: ids ? 0.25 : 0.12, maxZoom: 1, duration: 450 });
  }, [follow, focus, measuredAll, flow]);

  return (
    <div className="run-canvas relative h-full w-full" data-testid="run-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={runNodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={(_, node) => onSelectNode(node.id)}
        onPaneClick={() => onSelectNode(null)}
        onMoveStart={(event) => {
          // Only a person's pan or zoom has an event; the camera's own moves do not.
          if (event) setFollow(false);
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
      </ReactFlow>
      <button
        type="button"
        onClick={() => setFollow((f) => !f)}
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
