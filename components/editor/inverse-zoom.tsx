"use client";

import { useLayoutEffect, type RefObject } from "react";
import { useStore, type ReactFlowState } from "@xyflow/react";

const zoomSelector = (s: ReactFlowState) => s.transform[2];

/**
 * Sets --inv-zoom (1 / zoom) on `target` for the sizes that stay readable at any zoom (far titles,
 * connection labels, the "+"): one style change when the zoom changes, no re-render of the canvas.
 * Render it inside <ReactFlow>.
 */
export function InverseZoom({ target }: { target: RefObject<HTMLElement | null> }) {
  const zoom = useStore(zoomSelector);
  useLayoutEffect(() => {
    target.current?.style.setProperty("--inv-zoom", (1 / zoom).toFixed(3));
  }, [target, zoom]);
  return null;
}
