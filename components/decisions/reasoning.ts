/** Pure helpers for showing a decision's reasoning (tested without a browser). */

import { resolvedCitation, type CitedChunk, type Retrieval } from "@/lib/knowledge/citations";

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
  /** What was cited, filled in from the search that returned it. */
  chunk: CitedChunk;
  retrieval: Retrieval;
}

/**
 * The clauses the Workers cited, once each, in the order they were cited; a clause some Worker
 * of the run retrieved reads as retrieved (the next Worker cites what the first one found).
 */
export function citationsOf<T extends ReasoningRow>(observations: readonly T[]): Citation[] {
  const seen = new Map<string, Citation>();
  for (const o of observations) {
    if (o.kind !== "citation") continue;
    const { chunk, retrieval } = resolvedCitation(o, observations);
    const prev = seen.get(chunk.clauseId);
    if (prev && (prev.retrieval.kind !== "never" || retrieval.kind === "never")) continue;
    seen.set(chunk.clauseId, { clauseId: chunk.clauseId, title: chunk.title, chunk, retrieval });
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

