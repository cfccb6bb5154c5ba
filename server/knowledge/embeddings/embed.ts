import "server-only";
import { embedMany } from "ai";
import type { ResolvedEmbeddingModel } from "@/server/models/registry";

/** What a clause is embedded as; the clause's content_hash is the md5 of the same text. */
export function clauseEmbeddingText(title: string, text: string): string {
  return `${title}\n\n${text}`;
}

/**
 * Embeds texts with the registered embedding model and checks the answer: one vector per text,
 * every one of the same length, finite numbers, not all zero. A provider's odd answer is an error
 * naming the model, never a vector stored or searched with.
 */
export async function embedTexts(model: ResolvedEmbeddingModel, texts: string[], signal?: AbortSignal): Promise<number[][]> {
  if (!texts.length) return [];
  let embeddings: unknown;
  try {
    ({ embeddings } = await embedMany({ model: model.model, values: texts, maxRetries: 0, abortSignal: signal }));
  } catch (e) {
    throw new Error(`Embedding model ${model.modelId} failed: ${(e as Error).message}`);
  }
  const bad = (why: string) => new Error(`Embedding model ${model.modelId} gave an unusable answer: ${why}`);
  if (!Array.isArray(embeddings) || embeddings.length !== texts.length) {
    throw bad(`${Array.isArray(embeddings) ? embeddings.length : "no"} vectors for ${texts.length} texts`);
  }
  const dims = (embeddings[0] as unknown[] | undefined)?.length ?? 0;
  if (!dims || dims > 16_000) throw bad(`vectors of ${dims} dimensions`);
  for (const v of embeddings as unknown[]) {
    if (!Array.isArray(v) || v.length !== dims) throw bad(`vectors of different lengths (${dims} and ${Array.isArray(v) ? v.length : "none"})`);
    if (!v.every((x) => typeof x === "number" && Number.isFinite(x))) throw bad("a vector holds something other than finite numbers");
    if (v.every((x) => x === 0)) throw bad("an all-zero vector");
  }
  return embeddings as number[][];
}

/** pgvector's text form of a vector: `[0.1,0.2,…]`. */
export function vectorLiteral(v: number[]): string {
  return `[${v.join(",")}]`;
}
