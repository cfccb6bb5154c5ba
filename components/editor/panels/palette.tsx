"use client";

import type { DragEvent } from "react";
import { useReactFlow } from "@xyflow/react";
import { nodeKinds } from "@/lib/mission/node-kinds";
import type { NodeKind } from "@/lib/mission/schema";
import { cn } from "@/components/ui/cn";
import { PALETTE_MIME } from "../canvas";
import { KindIcon, kindTone } from "../kind-style";
import { NODE_WIDTH } from "../nodes/card-geometry";
import { useEditorStoreApi } from "../store/editor-context";

/** Step kinds from the registry: drag one onto the canvas, or click to add it next to the selection. */
export function Palette() {
  const store = useEditorStoreApi();
  const flow = useReactFlow();

  function addBesideSelection(kind: NodeKind) {
    const s = store.getState();
    const selected = s.graph.nodes.filter((n) => s.selectedNodes.has(n.id));
    let position: { x: number; y: number };
    if (selected.length) {
      const right = Math.max(...selected.map((n) => n.position.x + (s.measured[n.id]?.width ?? NODE_WIDTH)));
      const top = Math.min(...selected.map((n) => n.position.y));
      position = { x: right + 80, y: top };
    } else {
      const pane = document.querySelector(".react-flow")?.getBoundingClientRect();
      const center = pane ? flow.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 }) : { x: 0, y: 0 };
      position = { x: center.x - NODE_WIDTH / 2, y: center.y - 48 };
    }
    // The store puts it in the nearest free spot and brings it into view.
    store.getState().addNode(kind, position);
  }

  function onDragStart(e: DragEvent, kind: NodeKind) {
    e.dataTransfer.setData(PALETTE_MIME, kind);
    e.dataTransfer.effectAllowed = "move";
  }

  return (
    <aside className="flex w-52 shrink-0 flex-col border-r border-slate-200 bg-white" aria-label="Steps to add">
      <div className="border-b border-slate-100 px-3 py-3">
        <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Add a step</h2>
        <p className="mt-0.5 text-xs text-slate-500">Drag onto the canvas, or click to add.</p>
      </div>
      <ul className="flex-1 space-y-1.5 overflow-y-auto p-2.5">
        {nodeKinds.map((spec) => {
          const tone = kindTone(spec.kind);
          return (
            <li key={spec.kind}>
              <button
                type="button"
                draggable
                data-testid={`palette-${spec.kind}`}
                onDragStart={(e) => onDragStart(e, spec.kind)}
                onClick={() => addBesideSelection(spec.kind)}
                title={spec.description}
                className={cn(
                  "group flex w-full cursor-grab items-start gap-2.5 rounded-lg border border-slate-200 bg-white p-2.5 text-left shadow-xs transition-colors active:cursor-grabbing",
                  tone.hover,
                )}
              >
                <span className={cn("flex size-8 shrink-0 items-center justify-center rounded-lg", tone.tile)}>
                  <KindIcon kind={spec.kind} className="size-4" />
                </span>
                <span className="min-w-0">
                  <span className="block text-sm font-medium text-slate-900">{spec.label}</span>
                  <span className="mt-0.5 line-clamp-2 text-xs leading-snug text-slate-500">{spec.description}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
