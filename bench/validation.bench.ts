import { benchmarkValidation, largeMission } from "@/lib/mission/bench";
import type { BenchResult } from "./types";

/** Live validation in the editor: a 1,000-node / 1,200-edge mission. */
export async function run(): Promise<BenchResult[]> {
  const graph = largeMission(1000, 1200);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) samples.push(benchmarkValidation(20, graph).meanMs);
  samples.sort((a, b) => a - b);
  const cold = benchmarkValidation(1, largeMission(1000, 1200)).coldMs;
  return [
    { name: "validate 1,000 nodes / 1,200 edges (warm, median of 5×20)", value: samples[2]!, unit: "ms", target: 50, better: "lower" },
    { name: "validate 1,000 nodes / 1,200 edges (first, cold caches)", value: cold, unit: "ms", better: "lower" },
  ];
}
