import type { MissionGraph } from "@/lib/mission/schema";

/**
 * Where a problem is, as a person finds it on the canvas: `nodes[4].data.outcomes[0]` (or
 * `graph.nodes[4]…` from the server) → `Verdict › outcomes[0]`, by the step's name.
 */
export function problemPlace(graph: MissionGraph, path: string): string {
  const m = /^(?:graph\.|draft\.)?nodes\[(\d+)\](?:\.data)?\.?(.*)$/.exec(path);
  const node = m ? graph.nodes[Number(m[1])] : undefined;
  if (!m || !node) return path.replace(/^(graph|draft)\.?/, "") || "the mission";
  const name = node.data.label || node.id;
  return m[2] ? `${name} › ${m[2]}` : name;
}
