import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { getClause, type KnowledgeClauseView } from "./documents";

/**
 * Of `ids` (clause-shaped words in a Worker's answer), those that name a chunk of the knowledge
 * base: a clause of any version, or an id with the prefix of one (`REF-9.9` when REF-1.1 exists: a
 * made-up clause of a real document). Order numbers and the like (`ORD-1042`) are not citations.
 */
export async function knowledgeClauseIds(database: Database, ids: readonly string[]): Promise<Set<string>> {
  const wanted = [...new Set(ids.map((id) => id.toUpperCase()))];
  if (!wanted.length) return new Set();
  const prefixes = [...new Set(wanted.map((id) => id.slice(0, id.indexOf("-") + 1)))];
  const rows = await database.rows<{ clause_id: string }>(
    sql`select distinct clause_id from knowledge_clause_version
        where clause_id in (${sql.join(wanted.map((id) => sql`${id}`), sql`, `)})
           or ${sql.join(prefixes.map((p) => sql`starts_with(clause_id, ${p})`), sql` or `)}`,
  );
  const known = new Set(rows.map((r) => r.clause_id));
  const knownPrefixes = new Set([...known].map((id) => id.slice(0, id.indexOf("-") + 1)));
  return new Set(wanted.filter((id) => known.has(id) || knownPrefixes.has(id.slice(0, id.indexOf("-") + 1))));
}

export interface CitationInContext {
  /** The chunk as cited: the text of the version cited, even after a re-upload changed it. */
  clause: KnowledgeClauseView;
  /** Every chunk of that document version, in order (the cited one among them). */
  document: KnowledgeClauseView[];
}

/**
 * What a citation of (clause, version, document) resolves to, with the document version around it.
 * Without a version, the current text. Null when the clause (at that version, in that document) is
 * not in the knowledge base, e.g. its document was deleted.
 */
export async function citationInContext(
  database: Database,
  cited: { clauseId: string; version?: number; documentId?: string },
): Promise<CitationInContext | null> {
  const clause = await getClause(database, cited.clauseId, cited.version, cited.documentId);
  if (!clause) return null;
  const rows = await database.rows<{ clause_id: string; position: number; title: string; text: string; heading_path: string[] | string }>(
    sql`select clause_id, position, title, text, heading_path from knowledge_clause_version
        where document_id = ${clause.documentId} and version = ${clause.version} order by position`,
  );
  const document = rows.map((r) => ({
    ...clause,
    id: r.clause_id,
    position: Number(r.position),
    title: r.title,
    text: r.text,
    headingPath: typeof r.heading_path === "string" ? (JSON.parse(r.heading_path) as string[]) : r.heading_path,
  }));
  return { clause, document };
}
