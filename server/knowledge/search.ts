import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { LEXEME_QUERY_AROUND_TEXT, roundScore } from "./full-text";

export interface KnowledgeHit {
  id: string;
  title: string;
  text: string;
  documentId: string;
  documentTitle: string;
  collection: string;
  /** The document version the text is from: cite (id, version). */
  version: number;
  headingPath: string[];
  /** ts_rank, rounded to 4 decimals; 0 when the query had no searchable words. */
  score: number;
}

/**
 * Full-text search over clauses, best first (ts_rank over the GIN-indexed tsvector; titles weigh
 * more than text). Any word of the query may match: a question should find the clauses that
 * mention some of its words, rather than only one that has them all. A query of stop words only
 * (or empty) lists clauses in document order. `collectionIds` limits it to those collections
 * (the knowledge connector passes the ones granted to the calling run's mission; none: no hits).
 */
export async function searchKnowledge(
  database: Database,
  query: string,
  limit = 5,
  opts: { collectionIds?: string[] } = {},
): Promise<KnowledgeHit[]> {
  const n = Math.min(Math.max(Math.trunc(limit), 1), 100);
  const [lex] = await database.rows<{ q: string | null }>(
    sql`${sql.raw(LEXEME_QUERY_AROUND_TEXT[0])}${query.slice(0, 1_000)}${sql.raw(LEXEME_QUERY_AROUND_TEXT[1])}`,
  );
  const tsquery = lex?.q ?? "";

  const ids = opts.collectionIds;
  if (ids && !ids.length) return [];
  const inCollections = ids ? sql`and d.collection_id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})` : sql``;
  const columns = sql`c.id, c.title, c.text, c.document_id, d.title as document_title, k.slug as collection, d.version, c.heading_path`;
  const from = sql`from knowledge_clause c join knowledge_document d on d.id = c.document_id join knowledge_collection k on k.id = d.collection_id`;
  const rows = tsquery
    ? // The lexemes are already stemmed and quoted: read them with 'simple' so they are not stemmed twice.
      await database.rows<Row>(
        sql`select ${columns}, ts_rank(c.search, to_tsquery('simple', ${tsquery})) as score ${from}
            where c.search @@ to_tsquery('simple', ${tsquery}) ${inCollections}
            order by score desc, d.created_at, d.id, c.position limit ${n}`,
      )
    : await database.rows<Row>(
        sql`select ${columns}, 0 as score ${from}
            where true ${inCollections}
            order by d.created_at, d.id, c.position limit ${n}`,
      );
  return rows.map(toHit);
}

type Row = {
  id: string;
  title: string;
  text: string;
  document_id: string;
  document_title: string;
  collection: string;
  version: number;
  heading_path: string[] | string;
  score: number | string;
};

function toHit(r: Row): KnowledgeHit {
  return {
    id: r.id,
    title: r.title,
    text: r.text,
    documentId: r.document_id,
    documentTitle: r.document_title,
    collection: r.collection,
    version: Number(r.version),
    headingPath: typeof r.heading_path === "string" ? (JSON.parse(r.heading_path) as string[]) : r.heading_path,
    score: roundScore(r.score),
  };
}

/** Clauses by id (any order), as hits with score 0: hybrid search reads the ones only the vector side found. */
export async function hitsByIds(database: Database, ids: string[]): Promise<KnowledgeHit[]> {
  if (!ids.length) return [];
  const rows = await database.rows<Row>(
    sql`select c.id, c.title, c.text, c.document_id, d.title as document_title, k.slug as collection, d.version, c.heading_path, 0 as score
        from knowledge_clause c join knowledge_document d on d.id = c.document_id join knowledge_collection k on k.id = d.collection_id
        where c.id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`,
  );
  return rows.map(toHit);
}
