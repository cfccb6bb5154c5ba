import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { resolveEmbeddingModel } from "@/server/models/registry";
import { embedTexts, vectorLiteral } from "./embeddings/embed";
import { vectorSupport } from "./embeddings/vector-support";
import { hitsByIds, searchKnowledge, type KnowledgeHit } from "./search";

// Hybrid search: the full-text ranking (search.ts) and the registered embedding model's nearest
// clauses (pgvector's cosine distance over knowledge_embedding.vec), fused by reciprocal rank. Any part
// that cannot answer (no pgvector, no embedding model, the model failing or answering nonsense)
// leaves keyword search answering alone, and `notice` says why: search never fails for it.

/** Reciprocal rank fusion's constant (Cormack et al. 2009): a hit's score is Σ 1 / (RRF_K + rank). */
export const RRF_K = 60;
/** How many candidates each side ranks before fusing. */
export const CANDIDATES = 50;
/** The query's embedding must come back within this, or search answers by keyword. */
export const QUERY_EMBED_TIMEOUT_MS = 10_000;

export type SearchMode = "hybrid" | "keyword" | "vector";

export interface HybridHit extends KnowledgeHit {
  /** 1-based rank in the full-text ranking, or null when full text did not find it. */
  keywordRank: number | null;
  /** 1-based rank by embedding similarity, or null. */
  vectorRank: number | null;
}

export interface HybridResult {
  hits: HybridHit[];
  /** What answered: "keyword" when the vector side could not (see notice). */
  mode: SearchMode;
  /** Why search was keyword-only, or that embedding is still in progress. */
  notice?: string;
}

export const NO_EMBEDDING_MODEL_NOTICE =
  "No embedding model is registered: knowledge search is keyword (full-text) only. Register one in Settings → Models with purpose “embedding” for hybrid search.";

export interface HybridOptions {
  collectionIds?: string[];
  /** "vector" ranks by embedding only (the benchmark compares the three). */
  mode?: SearchMode;
}

export async function searchKnowledgeHybrid(database: Database, query: string, limit = 5, opts: HybridOptions = {}): Promise<HybridResult> {
  const n = Math.min(Math.max(Math.trunc(limit), 1), 100);
  const wanted = opts.mode ?? "hybrid";
  const keywordOnly = async (notice?: string): Promise<HybridResult> => {
    const hits = await searchKnowledge(database, query, n, { collectionIds: opts.collectionIds });
    return { hits: hits.map((h, i) => ({ ...h, keywordRank: h.score > 0 ? i + 1 : null, vectorRank: null })), mode: "keyword", ...(notice ? { notice } : {}) };
  };
  // An empty query lists clauses in document order: nothing to embed.
  if (wanted === "keyword" || !query.trim() || (opts.collectionIds && !opts.collectionIds.length)) return keywordOnly();

  const vector = await vectorSupport(database).catch((e: unknown) => ({ available: false, notice: `pgvector could not be checked (${(e as Error).message}): keyword search only.` }));
  if (!vector.available) return keywordOnly(vector.notice);
  let model;
  try {
    // One quick retry: a pooled connection the server has since closed fails at once (ECONNRESET).
    model = await resolveEmbeddingModel(database, { maxRetries: 1, baseDelayMs: 50, maxDelayMs: 200, timeoutMs: QUERY_EMBED_TIMEOUT_MS });
  } catch (e) {
    return keywordOnly(`The embedding model could not be used (${(e as Error).message}): keyword search only.`);
  }
  if (!model) return keywordOnly(NO_EMBEDDING_MODEL_NOTICE);

  let queryVector: number[];
  try {
    const [v] = await embedTexts(model, [query.slice(0, 2_000)], AbortSignal.timeout(QUERY_EMBED_TIMEOUT_MS));
    if (!v) throw new Error("no vector");
    queryVector = v;
  } catch (e) {
    return keywordOnly(`${(e as Error).message}; keyword search only.`);
  }

  const ids = opts.collectionIds;
  const inCollections = ids ? sql`and d.collection_id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})` : sql``;
  // Distances first, over the model's embeddings alone (materialised: computing them after the
  // join with the clauses took several times as long at 10,000 clauses), then the clauses.
  const nearest = await database.rows<{ id: string; distance: number | string }>(
    sql`with near as materialized (
          select content_hash, (vec <=> ${vectorLiteral(queryVector)}::vector) as distance
          from knowledge_embedding where model_id = ${model.modelId} and dims = ${queryVector.length}
        )
        select c.id, near.distance
        from near join knowledge_clause c on c.content_hash = near.content_hash
        join knowledge_document d on d.id = c.document_id
        where true ${inCollections}
        order by near.distance, c.id limit ${wanted === "vector" ? n : CANDIDATES}`,
  );

  if (!nearest.length) {
    const [other] = await database.rows<{ dims: number }>(sql`select dims from knowledge_embedding where model_id = ${model.modelId} and dims <> ${queryVector.length} limit 1`);
    if (other) {
      return keywordOnly(
        `Embedding model ${model.modelId} answered ${queryVector.length}-dimensional vectors, but the clauses were embedded with ${other.dims}: keyword search only until they are embedded again.`,
      );
    }
  }
  const notice = await embeddingGapNotice(database, model.modelId, ids);
  const keyword = wanted === "vector" ? [] : await searchKnowledge(database, query, CANDIDATES, { collectionIds: ids });
  const found = keyword.filter((h) => h.score > 0);

  const fused = new Map<string, { keywordRank: number | null; vectorRank: number | null; score: number; similarity?: number }>();
  found.forEach((h, i) => fused.set(h.id, { keywordRank: i + 1, vectorRank: null, score: 1 / (RRF_K + i + 1) }));
  nearest.forEach((r, i) => {
    const entry = fused.get(r.id) ?? { keywordRank: null, vectorRank: null, score: 0 };
    entry.vectorRank = i + 1;
    entry.score += 1 / (RRF_K + i + 1);
    entry.similarity = 1 - Number(r.distance);
    fused.set(r.id, entry);
  });
  const order = [...fused.entries()].sort((a, b) => b[1].score - a[1].score || (a[1].keywordRank ?? Infinity) - (b[1].keywordRank ?? Infinity)).slice(0, n);
  const byId = new Map(found.map((h) => [h.id, h] as const));
  for (const h of await hitsByIds(database, order.map(([id]) => id).filter((id) => !byId.has(id)))) byId.set(h.id, h);
  const hits = order.flatMap(([id, f]): HybridHit[] => {
    const h = byId.get(id);
    if (!h) return [];
    // Hybrid: the fused score; vector only: the cosine similarity.
    const score = wanted === "vector" ? (f.similarity ?? 0) : f.score;
    return [{ ...h, score: Math.round(score * 10_000) / 10_000, keywordRank: f.keywordRank, vectorRank: f.vectorRank }];
  });
  return { hits, mode: wanted, ...(notice ? { notice } : {}) };
}

/** While re-embedding is under way, say how much of the searched text has vectors. */
async function embeddingGapNotice(database: Database, modelId: string, collectionIds?: string[]): Promise<string | undefined> {
  const inCollections = collectionIds ? sql`and d.collection_id in (${sql.join(collectionIds.map((id) => sql`${id}`), sql`, `)})` : sql``;
  const [row] = await database.rows<{ total: number | string; missing: number | string }>(
    sql`select count(*) as total, count(*) filter (where e.content_hash is null) as missing
        from knowledge_clause c join knowledge_document d on d.id = c.document_id
        left join knowledge_embedding e on e.model_id = ${modelId} and e.content_hash = c.content_hash
        where true ${inCollections}`,
  );
  const missing = Number(row?.missing ?? 0);
  if (!missing) return undefined;
  return `Embedding is in progress (${Number(row?.total ?? 0) - missing} of ${Number(row?.total ?? 0)} clauses embedded): the rest are found by keyword only.`;
}
