import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { recordAudit, userActor, type AuditActor } from "@/server/audit/record";
import { decryptSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { modelProvider } from "@/server/db/schema";
import { listFixtureNames } from "@/server/models/replay/fixture";
import {
  createModel,
  createModelInput,
  createProvider,
  createProviderInput,
  deleteModel,
  deleteProvider,
  getProvider,
  listModels,
  listProviders,
  setDefaultModel,
  testModel,
  updateModel,
  updateModelInput,
  updateProvider,
  updateProviderInput,
  type ModelTestResult,
  type ModelView,
  type ProviderView,
} from "@/server/models/service";
import { adminProcedure, builderProcedure, router } from "../trpc";
import { redactDeep } from "./connectors";

const idInput = z.object({ id: z.string().min(1, "must not be empty") });

export interface ModelsOverview {
  providers: ProviderView[];
  models: ModelView[];
  /** Fixture names a replay provider can serve (`server/models/replay/fixtures`). */
  replayFixtures: string[];
}

async function modelOrThrow(database: Database, id: string): Promise<ModelView> {
  const found = (await listModels(database)).find((m) => m.id === id);
  if (!found) throw new AppError("not_found", `No model ${id}`);
  return found;
}

function audit(database: Database, actor: AuditActor, action: string, targetType: "model_provider" | "model", targetId: string, data: Record<string, unknown>) {
  return recordAudit(database, { action, actor, targetType, targetId, data });
}

function providerSummary(p: ProviderView) {
  return { name: p.name, kind: p.kind, baseUrl: p.baseUrl, hasKey: p.apiKeyMasked !== null };
}

function modelSummary(m: ModelView) {
  return { provider: m.providerName, modelName: m.modelName, label: m.label, priceInPerMtok: m.priceInPerMtok, priceOutPerMtok: m.priceOutPerMtok, isDefault: m.isDefault };
}

function changes<T extends Record<string, unknown>>(before: T, after: T): Record<string, { from: unknown; to: unknown }> {
  return Object.fromEntries(
    Object.keys(after)
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
      .map((k) => [k, { from: before[k] ?? null, to: after[k] ?? null }]),
  );
}

/**
 * Tests a model; a provider may echo the key it was sent (as a wrong-key error does), so the
 * answer is scrubbed of the provider's key before it reaches the browser.
 */
export async function testModelScrubbed(database: Database, id: string): Promise<ModelTestResult> {
  const result = await testModel(database, id);
  const [row] = await database.db
    .select({ apiKey: modelProvider.apiKey })
    .from(modelProvider)
    .where(eq(modelProvider.id, (await modelOrThrow(database, id)).providerId));
  if (!row?.apiKey) return result;
  let key: string;
  try {
    key = decryptSecret(row.apiKey);
  } catch {
    return result;
  }
  return redactDeep(result, [key]);
}

export const modelsRouter = router({
  list: adminProcedure.query(
    async ({ ctx }): Promise<ModelsOverview> => ({
      providers: await listProviders(ctx.database),
      models: await listModels(ctx.database),
      replayFixtures: await listFixtureNames().catch(() => []),
    }),
  ),

  createProvider: adminProcedure.input(createProviderInput).mutation(async ({ ctx, input }) => {
    const created = await createProvider(ctx.database, input);
    await audit(ctx.database, userActor(ctx.user), "model.provider_created", "model_provider", created.id, providerSummary(created));
    return created;
  }),

  /** `apiKey` absent keeps the stored key, `null` removes it, a string replaces it. */
  updateProvider: adminProcedure.input(updateProviderInput.extend({ id: z.string().min(1, "must not be empty") })).mutation(async ({ ctx, input }) => {
    const { id, ...patch } = input;
    const before = await getProvider(ctx.database, id);
    const after = await updateProvider(ctx.database, id, patch);
    const key = patch.apiKey === undefined ? "kept" : patch.apiKey === null ? (before.apiKeyMasked ? "removed" : "kept") : before.apiKeyMasked ? "replaced" : "added";
    await audit(ctx.database, userActor(ctx.user), "model.provider_updated", "model_provider", id, {
      name: after.name,
      changed: changes(providerSummary(before), providerSummary(after)),
      apiKey: key,
    });
    return after;
  }),

  /** Deletes the provider and its models. */
  deleteProvider: adminProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const before = await getProvider(ctx.database, input.id);
    const models = (await listModels(ctx.database)).filter((m) => m.providerId === input.id).map((m) => m.id);
    await deleteProvider(ctx.database, input.id);
    await audit(ctx.database, userActor(ctx.user), "model.provider_deleted", "model_provider", input.id, { ...providerSummary(before), models });
    return { id: input.id };
  }),

  createModel: adminProcedure.input(createModelInput).mutation(async ({ ctx, input }) => {
    const previousDefault = input.isDefault ? ((await listModels(ctx.database)).find((m) => m.isDefault)?.id ?? null) : null;
    const created = await createModel(ctx.database, input);
    await audit(ctx.database, userActor(ctx.user), "model.created", "model", created.id, modelSummary(created));
    if (created.isDefault) await audit(ctx.database, userActor(ctx.user), "model.default_changed", "model", created.id, { from: previousDefault, to: created.id });
    return created;
  }),

  updateModel: adminProcedure.input(updateModelInput.extend({ id: z.string().min(1, "must not be empty") })).mutation(async ({ ctx, input }) => {
    const { id, ...patch } = input;
    const before = await modelOrThrow(ctx.database, id);
    const after = await updateModel(ctx.database, id, patch);
    const changed = changes(modelSummary(before), modelSummary(after));
    if (Object.keys(changed).length) await audit(ctx.database, userActor(ctx.user), "model.updated", "model", id, { changed });
    return after;
  }),

  deleteModel: adminProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const before = await modelOrThrow(ctx.database, input.id);
    await deleteModel(ctx.database, input.id);
    await audit(ctx.database, userActor(ctx.user), "model.deleted", "model", input.id, modelSummary(before));
    return { id: input.id };
  }),

  /** Makes the model the one Workers with an empty model field use. */
  setDefault: adminProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const previous = (await listModels(ctx.database)).find((m) => m.isDefault)?.id ?? null;
    const after = await setDefaultModel(ctx.database, input.id);
    if (previous !== after.id) await audit(ctx.database, userActor(ctx.user), "model.default_changed", "model", after.id, { from: previous, to: after.id });
    return after;
  }),

  /** Sends a tiny request; failures come back as `{ ok: false, error }`, not as errors. */
  test: adminProcedure.input(idInput).mutation(({ ctx, input }) => testModelScrubbed(ctx.database, input.id)),

  /** Registered models for the editor's model picker: ids and labels only. */
  listForBuilder: builderProcedure.query(async ({ ctx }) => (await listModels(ctx.database)).map((m) => ({ id: m.id, label: m.label || m.id }))),
});
