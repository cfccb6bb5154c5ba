import { lexemeQuery, roundScore } from "../../../server/knowledge/full-text";
import type { Sql } from "./demo-db";

/** One numbered clause of a policy document, e.g. REF-1.1. */
export interface Clause {
  id: string;
  title: string;
  text: string;
}

export interface ScoredClause extends Clause {
  score: number;
}

/** Creates the clause table; `tsv` is generated so inserts need not know about search. */
export const CLAUSE_SCHEMA = `
create table clauses (
  id text primary key,
  position int not null,
  title text not null,
  text text not null,
  tsv tsvector generated always as (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', text), 'B')) stored
);
create index clauses_tsv on clauses using gin (tsv);
`;

export async function insertClauses(sql: Sql, clauses: Clause[]): Promise<void> {
  for (const [position, c] of clauses.entries()) {
    await sql.query(`insert into clauses (id, position, title, text) values ($1, $2, $3, $4)`, [c.id, position, c.title, c.text]);
  }
}

/**
 * Full-text search over clauses, ranked with ts_rank. Any query word may match (OR of its
 * lexemes): a question like "refund for an opened item after 20 days" should find the clauses
 * that mention any of those, best first, rather than only one clause containing every word.
 * An empty query (or one of stop words only) lists every clause in document order. The rules the
 * app's knowledge search shares are in server/knowledge/full-text.ts.
 */
export async function searchClauses(sql: Sql, query: string, limit: number): Promise<ScoredClause[]> {
  const lexemes = await sql.query<{ q: string }>(lexemeQuery("$1"), [query]);
  const tsquery = lexemes.rows[0]?.q ?? "";
  if (!tsquery) {
    const all = await sql.query<Clause>(`select id, title, text from clauses order by position limit $1`, [limit]);
    return all.rows.map((c) => ({ ...c, score: 0 }));
  }
  // The lexemes are already stemmed (and quoted, so punctuation in them cannot break the query
  // syntax): they are read with the 'simple' config rather than stemmed twice.
  const res = await sql.query<Clause & { score: number }>(
    `select id, title, text, ts_rank(tsv, to_tsquery('simple', $1)) as score
       from clauses where tsv @@ to_tsquery('simple', $1)
      order by score desc, position limit $2`,
    [tsquery, limit],
  );
  return res.rows.map((c) => ({ id: c.id, title: c.title, text: c.text, score: roundScore(c.score) }));
}
