"use client";

import { useEffect } from "react";
import { diffMissions } from "@/lib/mission/diff";
import type { MissionGraph } from "@/lib/mission/schema";
import type { DiffOverlay } from "../graph-mapping";
import { useEditorStoreApi } from "../store/editor-context";

/** What the canvas highlights when comparing the current graph with an earlier one. */
export function diffOverlay(base: MissionGraph, current: MissionGraph): DiffOverlay {
  const d = diffMissions(base, current);
  const removedNodes = new Set(d.nodes.removed);
  const removedEdges = new Set(d.edges.removed);
  return {
    added: new Set(d.nodes.added),
    changed: new Set(d.nodes.changed.map((c) => c.id)),
    moved: new Set(d.nodes.moved),
    removedNodes: base.nodes.filter((n) => removedNodes.has(n.id)),
    addedEdges: new Set(d.edges.added),
    removedEdges: base.edges.filter((e) => removedEdges.has(e.id)),
  };
}

/** Keeps the comparison current while the builder keeps editing (debounced like validation). */
export function useDiffOverlay() {
  const store = useEditorStoreApi();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = store.subscribe((state, prev) => {
      if (!state.diff || state.graph === prev.graph) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        const { diff, graph } = store.getState();
        if (diff) store.getState().setDiff({ ...diff, overlay: diffOverlay(diff.base, graph) });
      }, 200);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [store]);
}
