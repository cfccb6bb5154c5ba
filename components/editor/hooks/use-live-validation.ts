"use client";

import { useEffect } from "react";
import { validateMission } from "@/lib/mission/validate";
import { useEditorStoreApi } from "../store/editor-context";

/**
 * Runs the shared validator on every change, debounced: while a node is dragged the graph changes
 * every frame, and validating a thousand nodes per frame would drop frames. It listens to the store
 * directly, so the editor around it does not re-render on every change.
 */
export function useLiveValidation(tools?: readonly string[]) {
  const store = useEditorStoreApi();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const schedule = () => {
      if (timer) clearTimeout(timer);
      const graph = store.getState().graph;
      timer = setTimeout(() => {
        const { problems } = validateMission(graph, tools ? { tools } : {});
        store.getState().setProblems(graph, problems);
      }, graph.nodes.length > 300 ? 400 : 150);
    };
    schedule();
    const unsubscribe = store.subscribe((state, prev) => {
      if (state.graph !== prev.graph) schedule();
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [store, tools]);
}
