"use client";

import "@xyflow/react/dist/style.css";
import "@/components/editor/editor.css";
import { useEffect } from "react";
import { ReactFlowProvider } from "@xyflow/react";
import type { MissionGraph } from "@/lib/mission/schema";
import { Canvas } from "@/components/editor/canvas";
import { diffOverlay } from "@/components/editor/hooks/use-diff-overlay";
import { EditorStoreProvider, useEditorStoreApi } from "@/components/editor/store/editor-context";

/** Marks on the canvas what differs from `base`, as the editor's Compare does. */
function ShowDiff({ base, label }: { base: MissionGraph; label: string }) {
  const store = useEditorStoreApi();
  useEffect(() => {
    const s = store.getState();
    s.setDiff({ label, base, overlay: diffOverlay(base, s.graph) });
  }, [store, base, label]);
  return null;
}

/**
 * The version under review on a read-only canvas, with what differs from the published version
 * highlighted: added (green), changed (amber), moved (blue), removed (faded, dashed).
 */
export function ReviewCanvas({ missionId, graph, base, baseLabel }: { missionId: string; graph: MissionGraph; base: MissionGraph; baseLabel: string }) {
  return (
    <div className="relative h-[420px] overflow-hidden rounded-md border border-slate-200" data-testid="review-canvas">
      <EditorStoreProvider init={{ missionId, graph, readOnly: true }}>
        <ReactFlowProvider>
          <ShowDiff base={base} label={baseLabel} />
          <Canvas />
        </ReactFlowProvider>
      </EditorStoreProvider>
    </div>
  );
}
