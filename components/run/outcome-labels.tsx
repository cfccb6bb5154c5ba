"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";
import { outcomeLabelsOf, type MissionGraph } from "@/lib/mission/schema";

const OutcomeLabels = createContext<ReadonlyMap<string, string>>(new Map());

/**
 * The verdict outcomes' labels of the mission version a run is pinned to, for every verdict badge
 * inside: the run records the identifier (`auto_approved`), people read the label ("auto-approved").
 */
export function OutcomeLabelsProvider({ graph, children }: { graph: Pick<MissionGraph, "nodes">; children: ReactNode }) {
  const labels = useMemo(() => outcomeLabelsOf(graph), [graph]);
  return <OutcomeLabels.Provider value={labels}>{children}</OutcomeLabels.Provider>;
}

/** What people read for `outcome`: `label` when given, else the label of the run's mission, else the identifier. */
export function useOutcomeLabel(outcome: string, label?: string | null): string {
  const labels = useContext(OutcomeLabels);
  return label || labels.get(outcome) || outcome;
}
