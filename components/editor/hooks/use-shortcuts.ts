"use client";

import { useEffect, useRef } from "react";
import { useReactFlow } from "@xyflow/react";
import { toast } from "sonner";
import { extractSubgraph, parseClipboard } from "../graph-ops";
import { useEditorStoreApi } from "../store/editor-context";

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest("input, textarea, select, [contenteditable=true]") !== null;
}

function dialogOpen(): boolean {
  return document.querySelector("[role=dialog], [role=alertdialog]") !== null;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

export const SHORTCUTS: { keys: string[]; action: string }[] = [
  { keys: ["Delete"], action: "Delete the selected steps and connections (Backspace works too)" },
  { keys: ["Ctrl", "Z"], action: "Undo" },
  { keys: ["Ctrl", "Shift", "Z"], action: "Redo (Ctrl+Y works too)" },
  { keys: ["Ctrl", "C"], action: "Copy the selected steps as mission JSON" },
  { keys: ["Ctrl", "X"], action: "Cut the selected steps" },
  { keys: ["Ctrl", "V"], action: "Paste steps (also from another mission)" },
  { keys: ["Ctrl", "D"], action: "Duplicate the selected steps" },
  { keys: ["Ctrl", "A"], action: "Select everything" },
  { keys: ["Ctrl", "S"], action: "Save a version" },
  { keys: ["Shift", "drag"], action: "Select with a box" },
  { keys: ["Ctrl", "click"], action: "Add to the selection" },
  { keys: ["Esc"], action: "Clear the selection" },
  { keys: ["?"], action: "Show these shortcuts" },
];

/**
 * Editor keyboard shortcuts and the clipboard. Copy and paste use the browser's own copy/paste
 * events, which carry the clipboard without asking for permission, so steps copied in one
 * mission paste into another (or into a text editor, as JSON).
 */
export function useShortcuts({ onHelp, onSave }: { onHelp: () => void; onSave: () => void }) {
  const store = useEditorStoreApi();
  const flow = useReactFlow();
  const pasteCount = useRef(0);
  const handlers = useRef({ onHelp, onSave });
  useEffect(() => {
    handlers.current = { onHelp, onSave };
  }, [onHelp, onSave]);

  useEffect(() => {
    const viewportCenter = () => {
      const pane = document.querySelector(".react-flow");
      const rect = pane?.getBoundingClientRect();
      if (!rect) return { x: 0, y: 0 };
      const p = flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 });
      return { x: p.x - 130, y: p.y - 50 };
    };

    const copySelection = (): string | null => {
      const s = store.getState();
      if (!s.selectedNodes.size) return null;
      return JSON.stringify(extractSubgraph(s.graph, s.selectedNodes), null, 2);
    };

    const pasteText = (text: string) => {
      const s = store.getState();
      if (s.readOnly) {
        toast.error("This mission is read-only for you.");
        return;
      }
      const parsed = parseClipboard(text);
      if (!parsed.ok) {
        toast.error(parsed.reason);
        return;
      }
      // Pasting where the originals still sit offsets the copies; elsewhere they land in view.
      const here = parsed.nodes.every((n) => s.graph.nodes.some((m) => m.id === n.id && m.position.x === n.position.x && m.position.y === n.position.y));
      pasteCount.current = here ? pasteCount.current + 1 : 0;
      const ids = s.paste(parsed, here ? { offset: { x: 40 * pasteCount.current, y: 40 * pasteCount.current } } : { at: viewportCenter() });
      toast.success(`Pasted ${plural(ids.length, "step")}`);
    };

    const onCopy = (e: ClipboardEvent) => {
      if (isEditable(e.target) || dialogOpen() || window.getSelection()?.toString()) return;
      const text = copySelection();
      if (!text || !e.clipboardData) return;
      e.clipboardData.setData("text/plain", text);
      e.preventDefault();
      pasteCount.current = 0;
      toast.success(`Copied ${plural(store.getState().selectedNodes.size, "step")}`);
    };

    const onCut = (e: ClipboardEvent) => {
      if (isEditable(e.target) || dialogOpen() || store.getState().readOnly) return;
      const text = copySelection();
      if (!text || !e.clipboardData) return;
      e.clipboardData.setData("text/plain", text);
      e.preventDefault();
      const n = store.getState().selectedNodes.size;
      store.getState().deleteSelection();
      toast.success(`Cut ${plural(n, "step")}`);
    };

    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target) || dialogOpen()) return;
      e.preventDefault();
      pasteText(e.clipboardData?.getData("text/plain") ?? "");
    };

    const onKeyDown = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      // Saving works from inside a field too; the browser's own "save page" is never wanted here.
      if (mod && key === "s" && !e.shiftKey && !e.defaultPrevented) {
        e.preventDefault();
        if (!dialogOpen()) handlers.current.onSave();
        return;
      }
      // A dialog that closed on this very key (Escape) has already handled it.
      if (e.defaultPrevented || isEditable(e.target) || dialogOpen()) return;
      const s = store.getState();
      if (e.key === "?" || (e.shiftKey && key === "/")) {
        e.preventDefault();
        handlers.current.onHelp();
      } else if ((e.key === "Delete" || e.key === "Backspace") && !mod) {
        if (!s.selectedNodes.size && !s.selectedEdges.size) return;
        e.preventDefault();
        s.deleteSelection();
      } else if (mod && key === "z") {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
      } else if (mod && key === "y") {
        e.preventDefault();
        s.redo();
      } else if (mod && key === "d") {
        e.preventDefault();
        if (!s.selectedNodes.size || s.readOnly) return;
        const ids = s.paste(extractSubgraph(s.graph, s.selectedNodes), { offset: { x: 40, y: 40 } });
        toast.success(`Duplicated ${plural(ids.length, "step")}`);
      } else if (mod && key === "a") {
        e.preventDefault();
        s.selectAll();
      } else if (e.key === "Escape") {
        s.select([]);
      }
    };

    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCut);
    document.addEventListener("paste", onPaste);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCut);
      document.removeEventListener("paste", onPaste);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [flow, store]);
}
