"use client";

import { useEffect } from "react";
import type { MissionGraph } from "@/lib/mission/schema";
import { validateMission } from "@/lib/mission/validate";
import { useEditorStoreApi } from "../store/editor-context";

/** The longest the first check of an opened mission waits for the browser to be idle. */
const FIRST_CHECK_WITHIN_MS = 1_500;

/**
 * Runs the shared validator on every change, debounced: while a node is dragged the graph changes
 * every frame, and validating a thousand nodes per frame would drop frames. It listens to the store
 * directly, so the editor around it does not re-render on every change.
 *
 * The first check waits until the browser is idle: on a big mission it costs a few hundred
 * milliseconds that would otherwise land while the canvas is drawing its first steps.
 */
export function useLiveValidation(tools?: readonly string[]) {
  const store = useEditorStoreApi();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let idle: number | null = null;
    const validate = (graph: MissionGraph) => {
      const { problems, warnings } = validateMission(graph, tools ? { tools } : {});
      store.getState().setProblems(graph, problems, warnings);
    };
    const cancel = () => {
      if (timer) clearTimeout(timer);
      if (idle !== null) cancelIdleCallback(idle);
      timer = null;
      idle = null;
    };
    const schedule = () => {
      cancel();
      const graph = store.getState().graph;
      timer = setTimeout(() => validate(graph), graph.nodes.length > 300 ? 400 : 150);
    };
    const { graph, validatedGraph } = store.getState();
    if (validatedGraph === graph) {
      // Checked already (the catalog of tools arrived since): check again with the tools, later.
      schedule();
    } else if (typeof requestIdleCallback === "function") {
      idle = requestIdleCallback(() => validate(store.getState().graph), { timeout: FIRST_CHECK_WITHIN_MS });
    } else {
      schedule();
    }
    const unsubscribe = store.subscribe((state, prev) => {
      if (state.graph !== prev.graph) schedule();
    });
    return () => {
      unsubscribe();
      cancel();
    };
  }, [store, tools]);
}
