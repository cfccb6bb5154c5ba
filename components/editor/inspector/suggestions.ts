import { SCOPE_SKIPPED, SCOPE_TRIGGER } from "@/lib/mission/expressions";
import { upstreamOf } from "@/lib/mission/graph";
import { readableValues } from "@/lib/mission/node-kinds";
import type { MissionGraph } from "@/lib/mission/schema";

export interface Suggestion {
  /** What gets inserted, e.g. `reason.amount`. */
  text: string;
  /** Where it comes from and its type, shown beside it. */
  detail: string;
}

/**
 * What an expression on `nodeId` can read (the scope convention of lib/mission/scope.ts): the
 * trigger's inputs, and the outputs of nodes upstream of it. Offered as autocomplete.
 */
export function expressionSuggestions(graph: MissionGraph, nodeId: string): Suggestion[] {
  const out: Suggestion[] = [];
  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  if (trigger?.kind === "trigger") {
    for (const f of trigger.data.fields) out.push({ text: `${SCOPE_TRIGGER}.${f.name}`, detail: `input · ${f.type}` });
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const id of upstreamOf(graph, nodeId)) {
    const node = byId.get(id);
    if (!node || id === nodeId) continue;
    const from = node.data.label || id;
    for (const v of readableValues(node)) out.push({ text: v.path ? `${id}.${v.path}` : id, detail: `${from} · ${v.detail}` });
  }
  out.push({ text: SCOPE_SKIPPED, detail: "ids of upstream steps that were skipped" });
  return out;
}

/** The identifier path being typed just before the caret (`reason.am|` → `reason.am`). */
export function tokenBefore(value: string, caret: number): { start: number; token: string } {
  const before = value.slice(0, caret);
  const match = /[A-Za-z_][A-Za-z0-9_.]*$/.exec(before);
  if (!match) return { start: caret, token: "" };
  // Inside a string literal the text is not a reference.
  const quotes = (before.slice(0, match.index).match(/["']/g) ?? []).length;
  if (quotes % 2 === 1) return { start: caret, token: "" };
  return { start: match.index, token: match[0] };
}

export function matchSuggestions(all: readonly Suggestion[], token: string, limit = 8): Suggestion[] {
  if (!token) return [];
  const lower = token.toLowerCase();
  const starts = all.filter((s) => s.text.toLowerCase().startsWith(lower) && s.text !== token);
  const contains = all.filter((s) => !s.text.toLowerCase().startsWith(lower) && s.text.toLowerCase().includes(lower));
  return [...starts, ...contains].slice(0, limit);
}
