/** Pure helpers for showing a decision's reasoning (tested without a browser). */

/** The fields the helpers read; the client's Observation rows have more. */
export interface ReasoningRow {
  id: number;
  nodeId: string | null;
  attempt: number;
  kind: string;
  text: string;
  data?: unknown;
}

export function record(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface Citation {
  clauseId: string;
  title: string | null;
}

/** The policy clauses the Workers cited, once each, in the order they were cited. */
export function citationsOf<T extends ReasoningRow>(observations: readonly T[]): Citation[] {
  const seen = new Map<string, Citation>();
  for (const o of observations) {
    if (o.kind !== "citation") continue;
    const d = record(o.data);
    const clauseId = typeof d.clauseId === "string" ? d.clauseId : o.text;
    if (!seen.has(clauseId)) seen.set(clauseId, { clauseId, title: typeof d.title === "string" && d.title ? d.title : null });
  }
  return [...seen.values()];
}

/**
 * Workers stream their reasoning as several rows per turn; read as one paragraph each. Rows of
 * the same kind, node, attempt and turn (`data.step`) in a row are joined.
 */
export function joinChunks<T extends ReasoningRow>(observations: readonly T[]): T[] {
  const out: T[] = [];
  for (const o of observations) {
    const prev = out.at(-1);
    const chunk = o.kind === "reasoning" || o.kind === "text";
    if (chunk && prev && prev.kind === o.kind && prev.nodeId === o.nodeId && prev.attempt === o.attempt && record(prev.data).step === record(o.data).step) {
      out[out.length - 1] = { ...prev, text: prev.text + o.text };
    } else {
      out.push(o);
    }
  }
  return out;
}

