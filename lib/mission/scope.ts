import { SCOPE_SKIPPED, SCOPE_TRIGGER } from "./expressions";
import { upstreamOf, type GraphLike } from "./graph";

/** What a run knows when a node is about to evaluate its expressions. */
export interface RunValues {
  /** The run input (the trigger's output). */
  input: unknown;
  /** Outputs of nodes that completed, by node id. */
  outputs: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;
  /** Ids of nodes that were skipped. */
  skipped: Iterable<string>;
}

/**
 * The scope a node's expressions see (the engine convention documented in docs/mission-format.md):
 * `trigger` (the run input), each completed upstream node under its id, and `skipped`, the sorted ids
 * of upstream nodes that were skipped. Skipped and non-upstream nodes are absent.
 */
export function expressionScope(graph: GraphLike<{ id: string; kind?: string }>, nodeId: string, run: RunValues): Record<string, unknown> {
  const outputs = run.outputs instanceof Map ? run.outputs : new Map(Object.entries(run.outputs));
  const skippedAll = new Set(run.skipped);
  const scope: Record<string, unknown> = { [SCOPE_TRIGGER]: run.input ?? {} };
  const skipped: string[] = [];
  const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  for (const id of upstreamOf(graph, nodeId)) {
    if (id === nodeId) continue;
    if (kinds.get(id) === "trigger") scope[id] = run.input ?? {};
    else if (skippedAll.has(id)) skipped.push(id);
    else if (outputs.has(id)) scope[id] = outputs.get(id) ?? null;
  }
  scope[SCOPE_SKIPPED] = skipped.sort();
  return scope;
}
