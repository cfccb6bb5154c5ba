/**
 * Citations of knowledge chunks (clauses), read from a run's Observations. Pure, so the Explain
 * rail, the decision view and the Worker runner agree on what was cited and what was retrieved.
 */

/** The knowledge tools whose results hold chunks a Worker may cite. */
export const KNOWLEDGE_SEARCH_TOOLS = ["knowledge.search_policies", "knowledge.get_clause"] as const;

/** A cited chunk as far as it is known: old citations and never-retrieved ones carry only an id. */
export interface CitedChunk {
  clauseId: string;
  title: string | null;
  documentId: string | null;
  /** The document's title. */
  document: string | null;
  version: number | null;
  headingPath: string[];
  /** The chunk's text as the search tool returned it: what the claim cites. */
  text: string | null;
}

/** The fields read from an Observation row (the client's and the server's rows have more). */
export interface CitationRow {
  id: number;
  nodeId: string | null;
  kind: string;
  text: string;
  data?: unknown;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** A chunk from a citation's data or a search result's clause (`id` or `clauseId`). */
export function chunkOf(data: unknown, fallbackId = ""): CitedChunk {
  const d = obj(data);
  const version = typeof d.version === "number" && Number.isInteger(d.version) ? d.version : null;
  return {
    clauseId: str(d.clauseId) ?? str(d.id) ?? fallbackId,
    title: str(d.title),
    documentId: str(d.documentId),
    document: str(d.document) ?? str(d.documentTitle),
    version,
    headingPath: Array.isArray(d.headingPath) ? d.headingPath.filter((h): h is string => typeof h === "string") : [],
    text: typeof d.text === "string" ? d.text : null,
  };
}

/** The chunks one knowledge tool result returned: `{ clauses: [...] }` (search) or one clause (get_clause). */
export function chunksInResult(value: unknown): CitedChunk[] {
  const v = obj(value);
  if (Array.isArray(v.clauses)) return v.clauses.map((c) => chunkOf(c)).filter((c) => c.clauseId);
  return typeof v.id === "string" ? [chunkOf(v)] : [];
}

function sameChunk(cited: CitedChunk, got: CitedChunk): boolean {
  if (cited.clauseId.toUpperCase() !== got.clauseId.toUpperCase()) return false;
  if (cited.version !== null && got.version !== null && cited.version !== got.version) return false;
  return !(cited.documentId && got.documentId && cited.documentId !== got.documentId);
}

/**
 * Where a citation's chunk came from: the citing Worker's own knowledge search (`self`), another
 * Worker's earlier in the run whose output it was given (`upstream`), or no search of the run at
 * all (`never`: the claim cites something nobody retrieved, which the rail flags). Only tool
 * results recorded before the citation count, and only ones that succeeded.
 */
export type Retrieval = { kind: "self"; chunk: CitedChunk } | { kind: "upstream"; nodeId: string | null; chunk: CitedChunk } | { kind: "never" };

export function retrievalOf(citation: CitationRow, observations: readonly CitationRow[]): Retrieval {
  const cited = chunkOf(citation.data, citation.text);
  let upstream: Retrieval | null = null;
  for (const o of observations) {
    if (o.id >= citation.id || o.kind !== "tool_result") continue;
    const d = obj(o.data);
    if (d.isError === true || !(KNOWLEDGE_SEARCH_TOOLS as readonly string[]).includes(String(d.tool))) continue;
    const chunk = chunksInResult(d.value).find((c) => sameChunk(cited, c));
    if (!chunk) continue;
    if (o.nodeId === citation.nodeId) return { kind: "self", chunk };
    upstream ??= { kind: "upstream", nodeId: o.nodeId, chunk };
  }
  return upstream ?? { kind: "never" };
}

/** A citation with what its Worker's searches returned filled in (text, document, version). */
export function resolvedCitation(citation: CitationRow, observations: readonly CitationRow[]): { chunk: CitedChunk; retrieval: Retrieval } {
  const cited = chunkOf(citation.data, citation.text);
  const retrieval = retrievalOf(citation, observations);
  if (retrieval.kind === "never") return { chunk: cited, retrieval };
  const got = retrieval.chunk;
  return {
    chunk: {
      clauseId: cited.clauseId,
      title: cited.title ?? got.title,
      documentId: cited.documentId ?? got.documentId,
      document: cited.document ?? got.document,
      version: cited.version ?? got.version,
      headingPath: cited.headingPath.length ? cited.headingPath : got.headingPath,
      text: cited.text ?? got.text,
    },
    retrieval,
  };
}

/** Where a citation opens in context: the chunk, at the version cited, inside its document. */
export function citationHref(chunk: Pick<CitedChunk, "clauseId" | "version" | "documentId">): string {
  const q = new URLSearchParams();
  if (chunk.version !== null) q.set("v", String(chunk.version));
  if (chunk.documentId) q.set("doc", chunk.documentId);
  const query = q.toString();
  return `/knowledge/clauses/${encodeURIComponent(chunk.clauseId)}${query ? `?${query}` : ""}#clause-${encodeURIComponent(chunk.clauseId)}`;
}
