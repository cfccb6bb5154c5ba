import type { RunObservation } from "./types";

// Tool calls as the run page reads them: a `tool_call` Observation and the `tool_result` that
// answered it, paired by node and `toolCallId` (docs/observations.md). A Worker's gated call has
// two calls under one id (the proposal and the approved call): a result belongs to the latest
// call before it.

export function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A call and its answer (null while the call is under way, or when it was never made). */
export interface ToolCallPair {
  call: RunObservation;
  result: RunObservation | null;
}

const sameCall = (a: RunObservation, b: RunObservation) => {
  const id = record(a.data).toolCallId;
  return a.nodeId === b.nodeId && id !== undefined && id === record(b.data).toolCallId;
};

/** The call a result answers: the latest call of its node with its id before it. */
export function callOf(result: RunObservation, all: readonly RunObservation[]): RunObservation | null {
  let found: RunObservation | null = null;
  for (const o of all) {
    if (o.id >= result.id) break;
    if (o.kind === "tool_call" && sameCall(o, result)) found = o;
  }
  return found;
}

/** Every call of `nodeId`, in order, each with its answer (none for a Worker's proposal still waiting for, or refused by, its decision). */
export function toolCallsOf(all: readonly RunObservation[], nodeId: string): ToolCallPair[] {
  const mine = all.filter((o) => o.nodeId === nodeId && (o.kind === "tool_call" || o.kind === "tool_result"));
  const pairs: ToolCallPair[] = [];
  for (const [i, o] of mine.entries()) {
    if (o.kind !== "tool_call") continue;
    const next = mine.slice(i + 1).find((x) => sameCall(x, o));
    // A later call under the same id replaces this one (the proposal, then the approved call).
    if (next?.kind === "tool_call") continue;
    pairs.push({ call: o, result: next ?? null });
  }
  return pairs;
}

/** Who approved a call, as people read it: "Avery Approver", "Avery Approver and Robin Reviewer". */
export function approversText(data: unknown): string | null {
  const by = record(data).approvedBy;
  if (!Array.isArray(by) || !by.length) return null;
  const names = by.map((p) => String(record(p).name ?? record(p).id ?? "someone"));
  return names.length === 1 ? (names[0] as string) : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The arguments an approver changed: `[name, from, to]`. */
export function editedArgs(data: unknown): { name: string; from: unknown; to: unknown }[] {
  return Object.entries(record(record(data).edited)).map(([name, change]) => ({ name, from: record(change).from, to: record(change).to }));
}

/** What a result shows: its value, else its error, else its text. */
export function resultValue(result: RunObservation): unknown {
  const data = record(result.data);
  if (data.value !== undefined && data.value !== null) return data.value;
  if (data.error !== undefined) return data.error;
  return result.text;
}
