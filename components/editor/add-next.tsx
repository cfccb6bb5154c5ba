"use client";

import { createContext, memo, useContext, useEffect, useLayoutEffect, useRef, useState } from "react";
import { toast } from "sonner";
import { nodeKinds } from "@/lib/mission/node-kinds";
import type { MissionNode } from "@/lib/mission/schema";
import { cn } from "@/components/ui/cn";
import { KindIcon, kindTone } from "./kind-style";
import { cardGeometry } from "./nodes/card-geometry";
import { useEditorStoreApi } from "./store/editor-context";

/**
 * The "+" beside each output of a step (as in n8n and Dify): it opens a menu of step kinds, and
 * the one picked is added after the step, already connected from that output (graph-ops
 * addNodeAfter). Cards render the buttons; the canvas owns the one open menu.
 */

export interface AddNextRequest {
  nodeId: string;
  /** The output's handle; undefined for a step's single default output. */
  handle: string | undefined;
  /** Where the "+" is on screen, to open the menu beside it. */
  anchor: { left: number; top: number; right: number; bottom: number };
}

/** Opens the menu; null where steps cannot be added (read-only, the run view). */
export const AddNextContext = createContext<((request: AddNextRequest) => void) | null>(null);

/**
 * One "+" per output, on the card's right edge level with the output's handle. Shown while the
 * card is hovered or selected, or when focused from the keyboard.
 */
export const AddNextButtons = memo(function AddNextButtons({ node, selected, problems, reach = 0 }: { node: MissionNode; selected: boolean; problems: number; reach?: number }) {
  const open = useContext(AddNextContext);
  if (!open) return null;
  const outputs = cardGeometry(node, { selected, problems }).handles.filter((h) => h.type === "source");
  return (
    <>
      {outputs.map((h) => {
        const handle = h.id ?? undefined;
        return (
          <button
            key={h.id ?? "out"}
            type="button"
            data-testid={`add-next-${node.id}`}
            data-handle={handle ?? "out"}
            aria-label={`Add a step after ${node.data.label || node.id}${handle ? ` (${handle})` : ""}`}
            title="Add the next step, connected"
            // Just past the handle (never over it: dragging from the handle connects), with a strip
            // before the dot that keeps the card hovered while the pointer crosses to it.
            className={cn(
              "add-next nodrag nopan absolute flex -translate-y-1/2 items-center py-1 pl-2 pr-1 opacity-0 transition-opacity group-hover/card:opacity-100 focus-visible:opacity-100",
              selected && "opacity-100",
            )}
            // A group's card's handles are on the group's border, `reach` past the card.
            style={{ left: h.x + (h.width ?? 0) + reach, top: h.y + (h.height ?? 0) / 2 }}
            onClick={(e) => {
              const r = e.currentTarget.getBoundingClientRect();
              open({ nodeId: node.id, handle, anchor: { left: r.left, top: r.top, right: r.right, bottom: r.bottom } });
            }}
          >
            <span className="add-next-dot flex items-center justify-center rounded-full border border-brand-300 bg-white font-semibold leading-none text-brand-700 shadow-sm hover:bg-brand-50">
              +
            </span>
          </button>
        );
      })}
    </>
  );
});

const KINDS = nodeKinds.filter((k) => k.kind !== "trigger");

/** The menu of kinds the "+" opened; picking one adds it. Escape or a click elsewhere closes it. */
export function AddNextMenu({ request, onClose }: { request: AddNextRequest; onClose: () => void }) {
  const store = useEditorStoreApi();
  const menu = useRef<HTMLDivElement>(null);
  const [at, setAt] = useState({ left: request.anchor.right + 6, top: request.anchor.top });

  // Keep the menu on screen: beside the "+", moved up or left when it would run off.
  useLayoutEffect(() => {
    const el = menu.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const left = Math.min(request.anchor.right + 6, window.innerWidth - r.width - 8);
    const top = Math.max(8, Math.min(request.anchor.top - 8, window.innerHeight - r.height - 8));
    setAt({ left, top });
    el.querySelector<HTMLButtonElement>("[role=menuitem]")?.focus();
  }, [request]);

  useEffect(() => {
    const away = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node)) onClose();
    };
    const key = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        onClose();
      }
    };
    document.addEventListener("pointerdown", away, true);
    document.addEventListener("keydown", key, true);
    return () => {
      document.removeEventListener("pointerdown", away, true);
      document.removeEventListener("keydown", key, true);
    };
  }, [onClose]);

  function pick(kind: (typeof KINDS)[number]["kind"]) {
    const error = store.getState().addAfter(request.nodeId, request.handle, kind);
    if (error) toast.error(error);
    onClose();
  }

  function move(e: React.KeyboardEvent) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    e.preventDefault();
    const items = [...(menu.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]") ?? [])];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    items[(i + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length]?.focus();
  }

  return (
    <div
      ref={menu}
      role="menu"
      aria-label="Add the next step"
      data-testid="add-next-menu"
      className="fixed z-50 w-60 rounded-lg border border-slate-200 bg-white p-1 shadow-lg"
      style={at}
      onKeyDown={move}
    >
      <p className="px-2 pb-1 pt-1.5 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Add the next step</p>
      {KINDS.map((spec) => (
        <button
          key={spec.kind}
          type="button"
          role="menuitem"
          data-kind={spec.kind}
          onClick={() => pick(spec.kind)}
          className="flex w-full items-center gap-2.5 rounded-md px-2 py-1.5 text-left text-sm text-slate-800 hover:bg-slate-50 focus:bg-brand-50 focus:outline-none"
        >
          <span className={cn("flex size-7 shrink-0 items-center justify-center rounded-md", kindTone(spec.kind).tile)}>
            <KindIcon kind={spec.kind} className="size-4" />
          </span>
          <span className="font-medium">{spec.label}</span>
        </button>
      ))}
    </div>
  );
}
