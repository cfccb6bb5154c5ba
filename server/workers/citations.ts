import "server-only";
import { chunkOf, type CitedChunk } from "@/lib/knowledge/citations";

/** A clause a knowledge search returned, with what a citation of it names (document, version, chunk). */
export type Clause = CitedChunk;

/** Policy clause ids look like `REF-2.2` or `SHIP-10`. */
const CLAUSE_ID = /\b[A-Z][A-Z0-9]{1,9}-\d+(?:\.\d+)*\b/g;
const ID_KEYS = ["clauseId", "clause_id", "clause", "id"];
const TITLE_KEYS = ["title", "name", "heading"];

/**
 * Clauses a knowledge search returned: objects that carry a clause-shaped id (and a title, document,
 * version, heading path and text when they have them), else any clause ids in the text.
 */
export function clausesIn(result: unknown): Clause[] {
  const found = new Map<string, Clause>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 8 || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    const id = ID_KEYS.map((k) => o[k]).find((x): x is string => typeof x === "string" && new RegExp(`^${CLAUSE_ID.source}$`).test(x));
    if (id && !found.has(id)) {
      const title = TITLE_KEYS.map((k) => o[k]).find((x): x is string => typeof x === "string") ?? null;
      found.set(id, { ...chunkOf(o, id), clauseId: id, title });
    }
    for (const x of Object.values(o)) visit(x, depth + 1);
  };
  const parsed = typeof result === "string" ? tryJson(result) : result;
  visit(parsed, 0);
  if (!found.size) {
    const text = typeof result === "string" ? result : JSON.stringify(result ?? "");
    for (const m of text.matchAll(CLAUSE_ID)) if (!found.has(m[0])) found.set(m[0], bareClause(m[0]));
  }
  return [...found.values()];
}

/** A clause known by its id only. */
export function bareClause(clauseId: string): Clause {
  return { clauseId, title: null, documentId: null, document: null, version: null, headingPath: [], text: null };
}

/** Where `said` first mentions the clause id, or -1. */
function firstMention(said: string, clauseId: string): number {
  const m = new RegExp(`(^|[^A-Za-z0-9.-])${clauseId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![0-9]|\\.[0-9])`).exec(said);
  return m ? m.index + m[1]!.length : -1;
}

function mentions(said: string, clauseId: string): boolean {
  return firstMention(said, clauseId) >= 0;
}

/**
 * The clauses that `said` (the answer, its text and reasoning) actually mentions, in the order it
 * first mentions them: the clause an answer rests on comes first, not the one its search ranked first.
 */
export function citedClauses(clauses: Clause[], said: string): Clause[] {
  return clauses
    .map((c) => ({ c, at: firstMention(said, c.clauseId) }))
    .filter((x) => x.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((x) => x.c);
}

/** Every clause-shaped id `said` mentions, once each, in order. */
export function clauseIdsIn(said: string): string[] {
  return [...new Set([...said.matchAll(CLAUSE_ID)].map((m) => m[0]).filter((id) => mentions(said, id)))];
}

function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
