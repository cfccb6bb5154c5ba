import "server-only";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { EmbeddingModelV3, LanguageModelV3 } from "@ai-sdk/provider";
import { asc, eq } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { decryptSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { model as modelTable, modelProvider, type ModelProviderKind } from "@/server/db/schema";
import { loadFixture, REPLAY_PREFIX } from "./replay/fixture";
import { createReplayModel } from "./replay/replay-model";
import { retryingFetch, type RetryOptions } from "./retrying-fetch";

export interface ModelPrices {
  /** USD per million input tokens. */
  inPerMtok: number;
  /** USD per million output tokens. */
  outPerMtok: number;
}

export interface ResolvedModel {
  model: LanguageModelV3;
  /** The registered id (what Workers name), not the provider's model name. */
  modelId: string;
  prices: ModelPrices;
}

/** Which Worker is asking: the replay model picks its transcript by node id. */
export interface ModelContext {
  runId: string;
  nodeId: string;
  /** Offered tool name → mission tool ref, so a replay fixture can name a tool without its connector. */
  toolRefs?: ReadonlyMap<string, string>;
}

export interface ResolveOptions extends RetryOptions {
  /** Where `replay:<name>` fixtures are read from (default server/models/replay/fixtures). */
  replayDir?: string;
  /** Overrides a replay fixture's pause between streamed deltas. */
  replayDelayMs?: number;
}

/** A provider as the registry needs it: the API key already decrypted. */
export interface ProviderConfig {
  name: string;
  kind: ModelProviderKind;
  baseUrl: string | null;
  apiKey: string | null;
}

export class UnknownModelError extends AppError {
  constructor(readonly modelId: string) {
    super(
      "not_found",
      modelId
        ? `Unknown model "${modelId}": register it in Settings → Models, or pick another model for this Worker`
        : "No default model is set: register a model in Settings → Models and make it the default",
    );
  }
}

const KIND_LABELS: Record<ModelProviderKind, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  "openai-compatible": "OpenAI-compatible server",
  replay: "Replay",
};

export function providerLabel(p: Pick<ProviderConfig, "name" | "kind">): string {
  return p.name.trim() || KIND_LABELS[p.kind];
}

export function costOf(prices: ModelPrices, tokensIn: number, tokensOut: number): number {
  return (tokensIn * prices.inPerMtok + tokensOut * prices.outPerMtok) / 1_000_000;
}

/** Builds the AI SDK model for one provider and model name. No database: settings' "test" and the tests use it directly. */
export async function buildLanguageModel(
  provider: ProviderConfig,
  modelName: string,
  ctx: ModelContext,
  opts: ResolveOptions = {},
): Promise<LanguageModelV3> {
  const label = providerLabel(provider);
  const fetch = retryingFetch(label, opts);
  const baseURL = provider.baseUrl ?? undefined;
  switch (provider.kind) {
    case "openai": {
      if (!provider.apiKey) throw new AppError("bad_request", `${label} has no API key: add one in Settings → Models`);
      // `openai(id)` speaks the Responses API, OpenAI's current endpoint.
      return createOpenAI({ apiKey: provider.apiKey, baseURL, fetch })(modelName);
    }
    case "anthropic": {
      if (!provider.apiKey) throw new AppError("bad_request", `${label} has no API key: add one in Settings → Models`);
      return createAnthropic({ apiKey: provider.apiKey, baseURL, fetch })(modelName);
    }
    case "openai-compatible": {
      if (!baseURL) throw new AppError("bad_request", `${label} has no base URL: set one in Settings → Models`);
      return createOpenAICompatible({
        name: slug(label),
        baseURL,
        apiKey: provider.apiKey ?? undefined,
        fetch,
        includeUsage: true,
      }).chatModel(modelName);
    }
    case "replay": {
      const fixture = await loadFixture(modelName, opts.replayDir);
      return createReplayModel({ fixture, nodeId: ctx.nodeId, chunkDelayMs: opts.replayDelayMs, toolRefs: ctx.toolRefs });
    }
  }
}

/** The AI SDK embedding model of an OpenAI or OpenAI-compatible provider (the knowledge base's embeddings). */
export function buildEmbeddingModel(provider: ProviderConfig, modelName: string, opts: RetryOptions = {}): EmbeddingModelV3 {
  const label = providerLabel(provider);
  const fetch = retryingFetch(label, opts);
  const baseURL = provider.baseUrl ?? undefined;
  switch (provider.kind) {
    case "openai":
      if (!provider.apiKey) throw new AppError("bad_request", `${label} has no API key: add one in Settings → Models`);
      return createOpenAI({ apiKey: provider.apiKey, baseURL, fetch }).embedding(modelName);
    case "openai-compatible":
      if (!baseURL) throw new AppError("bad_request", `${label} has no base URL: set one in Settings → Models`);
      return createOpenAICompatible({ name: slug(label), baseURL, apiKey: provider.apiKey ?? undefined, fetch }).embeddingModel(modelName);
    default:
      throw new AppError("bad_request", `${label} cannot embed text: register embedding models on an OpenAI or OpenAI-compatible provider`);
  }
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "openai-compatible";
}

/**
 * The model a Worker names: `""` is the default model; `replay:<set>` works without registration
 * (a registered row only adds prices). Unknown ids fail with an error naming the id.
 */
export async function resolveModel(database: Database, modelRef: string, ctx: ModelContext, opts: ResolveOptions = {}): Promise<ResolvedModel> {
  const where = modelRef ? eq(modelTable.id, modelRef) : eq(modelTable.isDefault, true);
  const [row] = await database.db
    .select({ model: modelTable, provider: modelProvider })
    .from(modelTable)
    .innerJoin(modelProvider, eq(modelTable.providerId, modelProvider.id))
    .where(where)
    .limit(1);

  if (!row) {
    if (modelRef.startsWith(REPLAY_PREFIX)) {
      const fixture = await loadFixture(modelRef.slice(REPLAY_PREFIX.length), opts.replayDir);
      return {
        model: createReplayModel({ fixture, nodeId: ctx.nodeId, chunkDelayMs: opts.replayDelayMs, toolRefs: ctx.toolRefs }),
        modelId: modelRef,
        prices: { inPerMtok: 0, outPerMtok: 0 },
      };
    }
    throw new UnknownModelError(modelRef);
  }
  if (row.model.purpose === "embedding") {
    throw new AppError("bad_request", `Model "${row.model.id}" is an embedding model (for the knowledge base): pick a chat model for this Worker`);
  }

  const model = await buildLanguageModel(
    providerConfig(row.provider),
    row.model.modelName,
    ctx,
    opts,
  );
  return {
    model,
    modelId: row.model.id,
    prices: { inPerMtok: Number(row.model.priceInPerMtok), outPerMtok: Number(row.model.priceOutPerMtok) },
  };
}

function providerConfig(p: typeof modelProvider.$inferSelect): ProviderConfig {
  let apiKey: string | null = null;
  if (p.apiKey) {
    try {
      apiKey = decryptSecret(p.apiKey);
    } catch (e) {
      throw new AppError("internal", `The API key of model provider "${p.name}" could not be decrypted: ${(e as Error).message}`);
    }
  }
  return { name: p.name, kind: p.kind, baseUrl: p.baseUrl, apiKey };
}

export interface ResolvedEmbeddingModel {
  model: EmbeddingModelV3;
  /** The registered id: stored with each embedding, so a change of model re-embeds. */
  modelId: string;
}

/**
 * The knowledge base's embedding model: the registered model with purpose "embedding" (the
 * earliest registered, when there are several), or null when there is none.
 */
export async function resolveEmbeddingModel(database: Database, opts: RetryOptions = {}): Promise<ResolvedEmbeddingModel | null> {
  const [row] = await database.db
    .select({ model: modelTable, provider: modelProvider })
    .from(modelTable)
    .innerJoin(modelProvider, eq(modelTable.providerId, modelProvider.id))
    .where(eq(modelTable.purpose, "embedding"))
    .orderBy(asc(modelTable.createdAt), asc(modelTable.id))
    .limit(1);
  if (!row) return null;
  return { model: buildEmbeddingModel(providerConfig(row.provider), row.model.modelName, opts), modelId: row.model.id };
}
