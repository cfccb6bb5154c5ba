// The full-text rules of the knowledge base's search (search.ts, which the built-in knowledge
// connector and Settings → Knowledge both use). Plain SQL text, no server-only import.
//
// Any word of the query may match: its English lexemes (stemmed, stop words dropped) are quoted
// and OR-ed ('refund' | 'open' | 'item'), so a question finds the clauses that mention some of its
// words rather than only one that has them all. The lexemes are then read with the 'simple'
// config, so they are not stemmed twice, and quoting keeps punctuation from breaking the syntax.

/** The statement giving `q`, the OR of the query's lexemes (null when it has none), split where the query text is bound. */
export const LEXEME_QUERY_AROUND_TEXT = [
  "select string_agg(quote_literal(l), ' | ') as q from unnest(tsvector_to_array(to_tsvector('english'::regconfig, ",
  "))) as l",
] as const;

/** The statement with a positional parameter for the query text (`$1`). */
export function lexemeQuery(param: string): string {
  return LEXEME_QUERY_AROUND_TEXT.join(param);
}

/** ts_rank as shown: 4 decimals. */
export function roundScore(score: number | string): number {
  return Math.round(Number(score) * 10_000) / 10_000;
}
