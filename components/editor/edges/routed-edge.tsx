"use client";

import "./routed-edge.css";
import { memo } from "react";
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type Edge, type EdgeProps, type EdgeTypes } from "@xyflow/react";
import { lanePath, STUB } from "../edge-routes";
import { ROUTED_EDGE_TYPE } from "../graph-mapping";

/** What a routed connection may carry: its lane, and on the run view the state it is in. */
type RoutedData = { lane?: number | null; runState?: string };

/**
 * A connection: React Flow's curve, or a detour along its lane when a card is in the way
 * (edge-routes.ts). Its label (a branch's name) is an HTML label drawn above the cards, in the
 * middle of the path, at a size that stays readable however far the canvas is zoomed out
 * (editor.css sizes it by --inv-zoom, which the canvas sets).
 */
export const RoutedEdge = memo(function RoutedEdge(props: EdgeProps<Edge<RoutedData>>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, label, markerEnd, style, interactionWidth } = props;
  const lane = data?.lane;
  const routed = lane !== null && lane !== undefined && targetX - sourceX > 2 * STUB;
  const { path, labelX, labelY } = routed
    ? lanePath(sourceX, sourceY, targetX, targetY, lane)
    : (([p, x, y]) => ({ path: p, labelX: x, labelY: y }))(getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition }));
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} interactionWidth={interactionWidth} />
      {label ? (
        <EdgeLabelRenderer>
          <div
            className="edge-label"
            data-testid="edge-label"
            data-edge={id}
            data-state={data?.runState}
            style={{ transform: `translate(${labelX}px, ${labelY}px) translate(-50%, -50%)` }}
          >
            {label}
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
});

/** Module constant: React Flow re-mounts every edge when this object's identity changes. */
export const edgeTypes: EdgeTypes = { [ROUTED_EDGE_TYPE]: RoutedEdge };
