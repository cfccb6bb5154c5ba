import "server-only";
import type { RunBudget } from "@/lib/mission/schema";

export interface RunLimits {
  tokenBudget: number | null;
  costBudget: number | null;
}

/**
 * A run's limits: for each of tokens and cost, the lowest of the mission's budget, the one the run
 * was started with, and (for portal runs) the portal's. A run can tighten its mission's budget,
 * never lift it: whoever may start a run is not thereby allowed to spend more than the builder set.
 */
export function runLimits(mission: RunBudget | undefined, requested: { tokenBudget?: number | undefined; costBudget?: number | undefined }, portal?: RunBudget): RunLimits {
  return {
    tokenBudget: lowest(mission?.tokens, requested.tokenBudget, portal?.tokens),
    costBudget: lowest(mission?.cost, requested.costBudget, portal?.cost),
  };
}

function lowest(...limits: (number | undefined)[]): number | null {
  const set = limits.filter((n): n is number => n !== undefined);
  return set.length ? Math.min(...set) : null;
}
