"use client";

import { useCallback, useEffect, useRef } from "react";
import { draftSizeProblem, type MissionGraph } from "@/lib/mission/schema";
import { useTRPCClient } from "@/components/trpc-provider";
import { errorMessage, errorProblems } from "@/components/trpc-errors";
import { problemPlace } from "../problem-place";
import { useEditorStoreApi } from "../store/editor-context";

export const AUTOSAVE_IDLE_MS = 2_000;

/**
 * Saves the draft after the builder has been idle for a moment. One save at a time; changes made
 * while a save is under way are saved by the next one. `flush` saves now (before a version save or
 * leaving the page) and tells whether the graph is saved.
 *
 * The server keeps a draft with any values of the right shape (missionDraftSchema), problems and
 * all, so saving fails only for a draft too large (checked here first, without sending it), a
 * lost connection or a refused session; the header then says what, and where.
 */
export function useAutosave(): { flush: () => Promise<boolean> } {
  const store = useEditorStoreApi();
  const client = useTRPCClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inFlight = useRef<Promise<void> | null>(null);

  const saveNow = useCallback(async (): Promise<void> => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (inFlight.current) await inFlight.current;
    const { graph, savedGraph, readOnly, missionId } = store.getState();
    if (readOnly || graph === savedGraph) return;
    const run = (async (sent: MissionGraph) => {
      const tooLarge = draftSizeProblem(sent);
      if (tooLarge) return store.getState().markSaveFailed(`the draft ${tooLarge}: remove steps or shorten long texts`);
      store.getState().markSaving();
      try {
        await client.missions.saveDraft.mutate({ id: missionId, graph: sent });
        store.getState().markSaved(sent);
      } catch (e) {
        const first = errorProblems(e)[0];
        store.getState().markSaveFailed(first ? `${problemPlace(sent, first.path)}: ${first.message}` : errorMessage(e));
      }
    })(graph);
    inFlight.current = run;
    await run;
    inFlight.current = null;
  }, [client, store]);

  useEffect(() => {
    const schedule = () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void saveNow(), AUTOSAVE_IDLE_MS);
    };
    const unsubscribe = store.subscribe((state, prev) => {
      if (state.readOnly) return;
      // A finished save that left newer changes behind schedules the next one.
      const saveFinished = prev.saveStatus === "saving" && state.saveStatus !== "saving" && state.graph !== state.savedGraph && state.saveStatus !== "error";
      if ((state.graph !== prev.graph && state.graph !== state.savedGraph) || saveFinished) schedule();
    });
    return () => {
      unsubscribe();
      if (timer.current) clearTimeout(timer.current);
    };
  }, [saveNow, store]);

  const flush = useCallback(async () => {
    await saveNow();
    const s = store.getState();
    return s.graph === s.savedGraph;
  }, [saveNow, store]);

  return { flush };
}
