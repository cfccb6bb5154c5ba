import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { resolveEmbeddingModel, type ResolvedEmbeddingModel } from "@/server/models/registry";
import { clauseEmbeddingText, embedTexts, vectorLiteral } from "./embed";
import { vectorSupport } from "./vector-support";

// Embeds the clauses the registered embedding model has not embedded yet, a batch at a time. What
// is stored is the progress: each batch is committed as it comes back, keyed by (model, content
// hash), so a restart picks up at the first clause without a vector and never sends one twice,
// a re-uploaded document's unchanged clauses keep theirs, and a new embedding model starts over.
// It runs beside the engine, never inside a run: search uses whatever is embedded so far.

export const EMBED_BATCH = 32;

export interface EmbedPassOptions {
  /** The model to embed with (default: the registered embedding model). */
  model?: ResolvedEmbeddingModel | null;
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after each stored batch. */
  onBatch?: (stored: number) => void;
}

/** One pass over what is missing. Returns how many clause texts it embedded; throws the model's error. */
export async function embedPending(database: Database, opts: EmbedPassOptions = {}): Promise<number> {
  const model = opts.model === undefined ? await resolveEmbeddingModel(database, EMBEDDING_RETRIES) : opts.model;
  if (!model || !(await vectorSupport(database)).available) return 0;
  const size = opts.batchSize ?? EMBED_BATCH;
  let stored = 0;
  while (!opts.signal?.aborted) {
    const batch = await database.rows<{ content_hash: string; title: string; text: string }>(
      sql`select distinct on (c.content_hash) c.content_hash, c.title, c.text from knowledge_clause c
          where not exists (select 1 from knowledge_embedding e where e.model_id = ${model.modelId} and e.content_hash = c.content_hash)
          order by c.content_hash limit ${size}`,
    );
    if (!batch.length) break;
    const vectors = await embedTexts(
      model,
      batch.map((r) => clauseEmbeddingText(r.title, r.text)),
      opts.signal,
    );
    const values = batch.map((r, i) => {
      const v = vectors[i] ?? [];
      return sql`(${model.modelId}, ${r.content_hash}, ${v.length}, ${`{${v.join(",")}}`}::real[], ${vectorLiteral(v)}::vector)`;
    });
    await database.rows(
      sql`insert into knowledge_embedding (model_id, content_hash, dims, embedding, vec) values ${sql.join(values, sql`, `)}
          on conflict (model_id, content_hash) do nothing`,
    );
    stored += batch.length;
    opts.onBatch?.(batch.length);
  }
  return stored;
}

const EMBEDDING_RETRIES = { maxRetries: 2, timeoutMs: 60_000 };

export interface EmbeddingProgress {
  /** pgvector on this database; without it search is keyword-only. */
  vector: { available: boolean; notice?: string };
  /** The registered embedding model, or null (keyword-only search). */
  modelId: string | null;
  /** Distinct clause texts, and how many of them the model has embedded. */
  total: number;
  embedded: number;
  /** A pass is running in this process. */
  running: boolean;
  /** The last pass's failure, until a pass succeeds. */
  lastError: string | null;
}

/** Progress from the tables (so it is the same after a restart and on every replica). */
export async function embeddingProgress(database: Database): Promise<EmbeddingProgress> {
  const vector = await vectorSupport(database);
  const model = await resolveEmbeddingModel(database).catch(() => null);
  const modelId = model?.modelId ?? (await registeredEmbeddingModelId(database));
  const [row] = await database.rows<{ total: number | string; embedded: number | string }>(
    sql`select count(distinct c.content_hash) as total, count(distinct e.content_hash) as embedded
        from knowledge_clause c left join knowledge_embedding e on e.model_id = ${modelId ?? ""} and e.content_hash = c.content_hash`,
  );
  const state = states.get(database);
  return {
    vector,
    modelId,
    total: Number(row?.total ?? 0),
    embedded: modelId ? Number(row?.embedded ?? 0) : 0,
    running: Boolean(state?.pass),
    lastError: state?.lastError ?? null,
  };
}

async function registeredEmbeddingModelId(database: Database): Promise<string | null> {
  const [row] = await database.rows<{ id: string }>(sql`select id from model where purpose = 'embedding' order by created_at, id limit 1`);
  return row?.id ?? null;
}

// ---------- the background embedder ----------

interface EmbedderState {
  pass: Promise<void> | null;
  again: boolean;
  lastError: string | null;
  abort: AbortController;
  timer: NodeJS.Timeout;
}

const states = new WeakMap<Database, EmbedderState>();

/** How often the embedder looks for new clauses or a new model without being told. */
export const EMBED_POLL_MS = 30_000;

/**
 * Starts embedding in the background for this database (boot calls it): a pass now, after every
 * upload (`embedSoon`), and every EMBED_POLL_MS (a newly registered model, a failed pass retried).
 * Never throws; a failed pass is kept as `lastError` for Settings → Knowledge.
 */
export function startEmbedding(database: Database, opts: { pollMs?: number; batchSize?: number } = {}): void {
  if (states.has(database)) return;
  const abort = new AbortController();
  const timer = setInterval(() => embedSoon(database), opts.pollMs ?? EMBED_POLL_MS);
  timer.unref();
  states.set(database, { pass: null, again: false, lastError: null, abort, timer });
  batchSizes.set(database, opts.batchSize);
  embedSoon(database);
}

const batchSizes = new WeakMap<Database, number | undefined>();

/** Asks the background embedder (if started) for a pass; one already running runs again after. */
export function embedSoon(database: Database): void {
  const state = states.get(database);
  if (!state || state.abort.signal.aborted) return;
  if (state.pass) {
    state.again = true;
    return;
  }
  state.pass = (async () => {
    do {
      state.again = false;
      try {
        await embedPending(database, { signal: state.abort.signal, batchSize: batchSizes.get(database) });
        state.lastError = null;
      } catch (e) {
        if (state.abort.signal.aborted) break;
        state.lastError = (e as Error).message;
        break; // the poll tries again later
      }
    } while (state.again && !state.abort.signal.aborted);
  })().finally(() => {
    state.pass = null;
  });
}

/** Stops the background embedder (shutdown, tests); a batch in flight is dropped, not stored. */
export async function stopEmbedding(database: Database): Promise<void> {
  const state = states.get(database);
  if (!state) return;
  state.abort.abort();
  clearInterval(state.timer);
  await state.pass?.catch(() => {});
  states.delete(database);
}
