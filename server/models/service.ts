import "server-only";
import crypto from "node:crypto";
import { embed, generateText } from "ai";
import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems } from "@/lib/errors";
import { decryptSecret, encryptSecret, maskSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { MODEL_PROVIDER_KINDS, MODEL_PURPOSES, model as modelTable, modelProvider } from "@/server/db/schema";
import { ANY_WORKER, listFixtureNames, loadFixture, REPLAY_PREFIX } from "./replay/fixture";
import { buildEmbeddingModel, buildLanguageModel, type ResolveOptions } from "./registry";
import { modelErrorMessage } from "./retrying-fetch";

// ---------- input schemas (the tRPC router can reuse them as `.input()`) ----------

const providerName = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
const baseUrl = z
  .string()
  .trim()
  .url("must be a URL like http://localhost:11434/v1")
  .max(500, "must be at most 500 characters")
  .refine((u) => /^https?:\/\//.test(u), "must start with http:// or https://");
const apiKey = z.string().trim().min(1, "must not be empty").max(1_000, "must be at most 1000 characters");

export const createProviderInput = z
  .object({
    name: providerName,
    kind: z.enum(MODEL_PROVIDER_KINDS, { error: `must be one of ${MODEL_PROVIDER_KINDS.join(", ")}` }),
    baseUrl: baseUrl.nullish(),
    apiKey: apiKey.nullish(),
  })
  .superRefine((p, ctx) => {
    if (p.kind === "openai-compatible" && !p.baseUrl) {
      ctx.addIssue({ code: "custom", path: ["baseUrl"], message: "is required for an OpenAI-compatible server" });
    }
    if ((p.kind === "openai" || p.kind === "anthropic") && !p.apiKey) {
      ctx.addIssue({ code: "custom", path: ["apiKey"], message: `is required for ${p.kind === "openai" ? "OpenAI" : "Anthropic"}` });
    }
  });
export type CreateProviderInput = z.input<typeof createProviderInput>;

export const updateProviderInput = z.object({
  name: providerName.optional(),
  /** `null` clears it (falls back to the provider's default URL). */
  baseUrl: baseUrl.nullish(),
  /** Absent keeps the stored key; `null` removes it (OpenAI-compatible servers may need none). */
  apiKey: apiKey.nullish(),
});
export type UpdateProviderInput = z.input<typeof updateProviderInput>;

export const modelIdSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "must be letters, digits and . _ : / @ - (e.g. gpt-4o or replay:refund-demo)");

const price = z.coerce.number({ error: "must be a number" }).finite().min(0, "must not be negative").max(100_000, "must be at most 100000");

export const createModelInput = z.object({
  /** The id Workers reference; defaults to the model name (`replay:<name>` for replay). */
  id: modelIdSchema.optional(),
  providerId: z.string().min(1, "must not be empty"),
  modelName: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  label: z.string().trim().max(200, "must be at most 200 characters").default(""),
  priceInPerMtok: price.default(0),
  priceOutPerMtok: price.default(0),
  isDefault: z.boolean().default(false),
  /** "embedding": the knowledge base embeds clauses with it (docs/knowledge.md); Workers cannot use it. */
  purpose: z.enum(MODEL_PURPOSES, { error: `must be one of ${MODEL_PURPOSES.join(", ")}` }).default("chat"),
});
export type CreateModelInput = z.input<typeof createModelInput>;

export const updateModelInput = z.object({
  modelName: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
  label: z.string().trim().max(200, "must be at most 200 characters").optional(),
  priceInPerMtok: price.optional(),
  priceOutPerMtok: price.optional(),
});
export type UpdateModelInput = z.input<typeof updateModelInput>;

// ---------- browser-safe views ----------

export interface ProviderView {
  id: string;
  name: string;
  kind: (typeof MODEL_PROVIDER_KINDS)[number];
  baseUrl: string | null;
  /** `••••` plus the last 4 characters, or null when no key is stored. Never the key. */
  apiKeyMasked: string | null;
  modelCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ModelView {
  id: string;
  providerId: string;
  providerName: string;
  providerKind: (typeof MODEL_PROVIDER_KINDS)[number];
  modelName: string;
  label: string;
  priceInPerMtok: number;
  priceOutPerMtok: number;
  isDefault: boolean;
  purpose: (typeof MODEL_PURPOSES)[number];
  createdAt: string;
}

export interface ModelTestResult {
  ok: boolean;
  text?: string;
  error?: string;
  latencyMs: number;
}

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("bad_request", `The ${what} is not valid`, zodProblems(parsed.error.issues));
  return parsed.data;
}

function masked(stored: string | null): string | null {
  if (!stored) return null;
  try {
    return maskSecret(decryptSecret(stored));
  } catch {
    // A key sealed under another STEWARD_SECRET_KEY: say so rather than fail the whole list.
    return "(unreadable: re-enter the key)";
  }
}

async function requireProvider(database: Database, id: string) {
  const [row] = await database.db.select().from(modelProvider).where(eq(modelProvider.id, id));
  if (!row) throw new AppError("not_found", `No model provider ${id}`);
  return row;
}

export async function listProviders(database: Database): Promise<ProviderView[]> {
  const rows = await database.db
    .select({ p: modelProvider, modelCount: sql<number>`(select count(*) from ${modelTable} where ${modelTable.providerId} = ${modelProvider.id})` })
    .from(modelProvider)
    .orderBy(asc(modelProvider.name));
  return rows.map(({ p, modelCount }) => ({
    id: p.id,
    name: p.name,
    kind: p.kind,
    baseUrl: p.baseUrl,
    apiKeyMasked: masked(p.apiKey),
    modelCount: Number(modelCount),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }));
}

export async function getProvider(database: Database, id: string): Promise<ProviderView> {
  const view = (await listProviders(database)).find((p) => p.id === id);
  if (!view) throw new AppError("not_found", `No model provider ${id}`);
  return view;
}

export async function createProvider(database: Database, input: unknown): Promise<ProviderView> {
  const p = parse(createProviderInput, input, "model provider");
  const id = crypto.randomUUID();
  await database.db.insert(modelProvider).values({
    id,
    name: p.name,
    kind: p.kind,
    baseUrl: p.baseUrl ?? null,
    apiKey: p.apiKey ? encryptSecret(p.apiKey) : null,
  });
  return getProvider(database, id);
}

export async function updateProvider(database: Database, id: string, input: unknown): Promise<ProviderView> {
  const patch = parse(updateProviderInput, input, "model provider");
  const current = await requireProvider(database, id);
  const nextBaseUrl = patch.baseUrl === undefined ? current.baseUrl : patch.baseUrl;
  const nextHasKey = patch.apiKey === undefined ? current.apiKey !== null : patch.apiKey !== null;
  if (current.kind === "openai-compatible" && !nextBaseUrl) {
    throw new AppError("bad_request", "The model provider is not valid", [{ path: "baseUrl", message: "is required for an OpenAI-compatible server" }]);
  }
  if ((current.kind === "openai" || current.kind === "anthropic") && !nextHasKey) {
    throw new AppError("bad_request", "The model provider is not valid", [{ path: "apiKey", message: `is required for ${current.kind === "openai" ? "OpenAI" : "Anthropic"}` }]);
  }
  await database.db
    .update(modelProvider)
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.baseUrl !== undefined && { baseUrl: patch.baseUrl }),
      ...(patch.apiKey !== undefined && { apiKey: patch.apiKey === null ? null : encryptSecret(patch.apiKey) }),
      updatedAt: new Date(),
    })
    .where(eq(modelProvider.id, id));
  return getProvider(database, id);
}

/** Deletes the provider and its models; Workers naming those models fail with "Unknown model". */
export async function deleteProvider(database: Database, id: string): Promise<void> {
  const deleted = await database.db.delete(modelProvider).where(eq(modelProvider.id, id)).returning({ id: modelProvider.id });
  if (!deleted.length) throw new AppError("not_found", `No model provider ${id}`);
}

export async function listModels(database: Database): Promise<ModelView[]> {
  const rows = await database.db
    .select({ m: modelTable, p: modelProvider })
    .from(modelTable)
    .innerJoin(modelProvider, eq(modelTable.providerId, modelProvider.id))
    .orderBy(asc(modelTable.id));
  return rows.map(({ m, p }) => ({
    id: m.id,
    providerId: p.id,
    providerName: p.name,
    providerKind: p.kind,
    modelName: m.modelName,
    label: m.label,
    priceInPerMtok: Number(m.priceInPerMtok),
    priceOutPerMtok: Number(m.priceOutPerMtok),
    isDefault: m.isDefault,
    purpose: m.purpose,
    createdAt: m.createdAt.toISOString(),
  }));
}

async function getModelView(database: Database, id: string): Promise<ModelView> {
  const view = (await listModels(database)).find((m) => m.id === id);
  if (!view) throw new AppError("not_found", `No model ${id}`);
  return view;
}

/** `opts.replayDir`: where a replay model's fixture must exist (default: the shipped fixtures). */
export async function createModel(database: Database, input: unknown, opts: Pick<ResolveOptions, "replayDir"> = {}): Promise<ModelView> {
  const m = parse(createModelInput, input, "model");
  const provider = await requireProvider(database, m.providerId);
  if (m.purpose === "embedding") {
    if (provider.kind === "replay" || provider.kind === "anthropic") {
      throw new AppError("bad_request", `${provider.name} cannot embed text: register embedding models on an OpenAI or OpenAI-compatible provider`, [
        { path: "purpose", message: "embedding needs an OpenAI or OpenAI-compatible provider" },
      ]);
    }
    if (m.isDefault) throw new AppError("bad_request", "An embedding model cannot be the Workers' default model", [{ path: "isDefault", message: "must be false for an embedding model" }]);
  }
  if (provider.kind === "replay") await requireFixture(m.modelName, opts.replayDir);
  const id = m.id ?? (provider.kind === "replay" ? `${REPLAY_PREFIX}${m.modelName}` : m.modelName);
  parse(modelIdSchema, id, "model id");
  const [existing] = await database.db.select({ id: modelTable.id }).from(modelTable).where(eq(modelTable.id, id));
  if (existing) throw new AppError("conflict", `A model with id "${id}" already exists`, [{ path: "id", message: "is already taken" }]);
  await database.db.transaction(async (tx) => {
    if (m.isDefault) await tx.update(modelTable).set({ isDefault: false }).where(eq(modelTable.isDefault, true));
    await tx.insert(modelTable).values({
      id,
      providerId: provider.id,
      modelName: m.modelName,
      label: m.label,
      priceInPerMtok: String(m.priceInPerMtok),
      priceOutPerMtok: String(m.priceOutPerMtok),
      isDefault: m.isDefault,
      purpose: m.purpose,
    });
  });
  return getModelView(database, id);
}

async function requireFixture(name: string, dir?: string): Promise<void> {
  try {
    await loadFixture(name, dir);
  } catch (e) {
    throw new AppError("bad_request", (e as Error).message, [{ path: "modelName", message: "must name a replay fixture" }]);
  }
}

export async function updateModel(database: Database, id: string, input: unknown): Promise<ModelView> {
  const patch = parse(updateModelInput, input, "model");
  const current = await getModelView(database, id);
  if (patch.modelName !== undefined && current.providerKind === "replay") await requireFixture(patch.modelName);
  await database.db
    .update(modelTable)
    .set({
      ...(patch.modelName !== undefined && { modelName: patch.modelName }),
      ...(patch.label !== undefined && { label: patch.label }),
      ...(patch.priceInPerMtok !== undefined && { priceInPerMtok: String(patch.priceInPerMtok) }),
      ...(patch.priceOutPerMtok !== undefined && { priceOutPerMtok: String(patch.priceOutPerMtok) }),
    })
    .where(eq(modelTable.id, id));
  return getModelView(database, id);
}

export async function deleteModel(database: Database, id: string): Promise<void> {
  const deleted = await database.db.delete(modelTable).where(eq(modelTable.id, id)).returning({ id: modelTable.id });
  if (!deleted.length) throw new AppError("not_found", `No model ${id}`);
}

/** Makes `id` the model that Workers with an empty model field use. */
export async function setDefaultModel(database: Database, id: string): Promise<ModelView> {
  await database.db.transaction(async (tx) => {
    const [row] = await tx.select({ id: modelTable.id, purpose: modelTable.purpose }).from(modelTable).where(eq(modelTable.id, id));
    if (!row) throw new AppError("not_found", `No model ${id}`);
    if (row.purpose === "embedding") throw new AppError("bad_request", `${id} is an embedding model: it cannot be the Workers' default model`);
    // Clear first: the partial unique index allows one default at a time.
    await tx.update(modelTable).set({ isDefault: false }).where(eq(modelTable.isDefault, true));
    await tx.update(modelTable).set({ isDefault: true }).where(eq(modelTable.id, id));
  });
  return getModelView(database, id);
}

/**
 * Sends "Reply with OK" and reports what came back. Failures are results, not exceptions: the
 * settings page shows them. Fewer retries and a shorter timeout than a run, so a wrong URL is
 * reported in seconds.
 */
export async function testModel(database: Database, id: string, opts: ResolveOptions = {}): Promise<ModelTestResult> {
  const [row] = await database.db
    .select({ m: modelTable, p: modelProvider })
    .from(modelTable)
    .innerJoin(modelProvider, eq(modelTable.providerId, modelProvider.id))
    .where(eq(modelTable.id, id));
  if (!row) throw new AppError("not_found", `No model ${id}`);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    if (row.p.kind === "replay") {
      const fixture = await loadFixture(row.m.modelName, opts.replayDir);
      const workers = Object.keys(fixture.workers).map((w) => (w === ANY_WORKER ? "any other Worker" : w));
      return { ok: true, text: `Replay fixture "${fixture.name}" has transcripts for ${workers.join(", ")}`, latencyMs: elapsed() };
    }
    const apiKey = row.p.apiKey ? decryptSecret(row.p.apiKey) : null;
    if (row.m.purpose === "embedding") {
      const embedder = buildEmbeddingModel({ name: row.p.name, kind: row.p.kind, baseUrl: row.p.baseUrl, apiKey }, row.m.modelName, { maxRetries: 1, timeoutMs: 30_000, ...opts });
      const { embedding } = await embed({ model: embedder, value: "OK", maxRetries: 0 });
      return { ok: true, text: `Embedded a test text as ${embedding.length} numbers`, latencyMs: elapsed() };
    }
    const model = await buildLanguageModel(
      { name: row.p.name, kind: row.p.kind, baseUrl: row.p.baseUrl, apiKey },
      row.m.modelName,
      { runId: "model-test", nodeId: "model-test" },
      { maxRetries: 1, timeoutMs: 30_000, ...opts },
    );
    const result = await generateText({ model, prompt: "Reply with OK", maxRetries: 0 });
    return { ok: true, text: result.text, latencyMs: elapsed() };
  } catch (e) {
    return { ok: false, error: modelErrorMessage(e), latencyMs: elapsed() };
  }
}

export const REPLAY_PROVIDER_ID = "replay";

/**
 * Registers the built-in replay provider and one model per shipped fixture (idempotent), and makes
 * `replay:refund-demo` the default when nothing else is. Demo mode calls this so a fresh install
 * runs the sample mission offline.
 */
export async function seedReplayModels(database: Database, opts: { dir?: string } = {}): Promise<string[]> {
  const names = await listFixtureNames(opts.dir);
  await database.db
    .insert(modelProvider)
    .values({ id: REPLAY_PROVIDER_ID, name: "Replay (built-in)", kind: "replay" })
    .onConflictDoNothing();
  const added: string[] = [];
  for (const name of names) {
    const id = `${REPLAY_PREFIX}${name}`;
    const fixture = await loadFixture(name, opts.dir).catch(() => null);
    if (!fixture) continue;
    const inserted = await database.db
      .insert(modelTable)
      .values({ id, providerId: REPLAY_PROVIDER_ID, modelName: name, label: `Replay: ${name}` })
      .onConflictDoNothing()
      .returning({ id: modelTable.id });
    if (inserted.length) added.push(id);
  }
  const [hasDefault] = await database.db.select({ id: modelTable.id }).from(modelTable).where(eq(modelTable.isDefault, true));
  const demo = `${REPLAY_PREFIX}refund-demo`;
  if (!hasDefault && names.includes("refund-demo")) {
    await database.db.update(modelTable).set({ isDefault: true }).where(eq(modelTable.id, demo));
  }
  return added;
}
