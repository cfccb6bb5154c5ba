import "server-only";
import { eq } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { redactDeep } from "@/server/connectors/secret-scrub";
import { decryptSecret } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { modelProvider } from "@/server/db/schema";
import { listFixtureNames } from "./replay/fixture";
import {
  createModel,
  createProvider,
  deleteModel,
  deleteProvider,
  getProvider,
  listModels,
  listProviders,
  setDefaultModel,
  testModel,
  updateModel,
  updateProvider,
  type CreateModelInput,
  type CreateProviderInput,
  type ModelTestResult,
  type ModelView,
  type ProviderView,
  type UpdateModelInput,
  type UpdateProviderInput,
} from "./service";

// Model administration as the settings page uses it: the overview, the audited commands, and a
// model test scrubbed of the provider's key. Moved here from server/api/routers/models.ts, which
// is now thin over it.

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

export async function modelsOverview(database: Database): Promise<ModelsOverview> {
  return {
    providers: await listProviders(database),
    models: await listModels(database),
    replayFixtures: await listFixtureNames().catch(() => []),
  };
}

export async function createProviderAudited(database: Database, input: CreateProviderInput, actor: AuditActor): Promise<ProviderView> {
  const created = await createProvider(database, input);
  await audit(database, actor, "model.provider_created", "model_provider", created.id, providerSummary(created));
  return created;
}

/** `apiKey` absent keeps the stored key, `null` removes it, a string replaces it. */
export async function updateProviderAudited(database: Database, id: string, patch: UpdateProviderInput, actor: AuditActor): Promise<ProviderView> {
  const before = await getProvider(database, id);
  const after = await updateProvider(database, id, patch);
  const key = patch.apiKey === undefined ? "kept" : patch.apiKey === null ? (before.apiKeyMasked ? "removed" : "kept") : before.apiKeyMasked ? "replaced" : "added";
  await audit(database, actor, "model.provider_updated", "model_provider", id, {
    name: after.name,
    changed: changes(providerSummary(before), providerSummary(after)),
    apiKey: key,
  });
  return after;
}

/** Deletes the provider and its models. */
export async function deleteProviderAudited(database: Database, id: string, actor: AuditActor): Promise<{ id: string }> {
  const before = await getProvider(database, id);
  const models = (await listModels(database)).filter((m) => m.providerId === id).map((m) => m.id);
  await deleteProvider(database, id);
  await audit(database, actor, "model.provider_deleted", "model_provider", id, { ...providerSummary(before), models });
  return { id };
}

export async function createModelAudited(database: Database, input: CreateModelInput, actor: AuditActor): Promise<ModelView> {
  const previousDefault = input.isDefault ? ((await listModels(database)).find((m) => m.isDefault)?.id ?? null) : null;
  const created = await createModel(database, input);
  await audit(database, actor, "model.created", "model", created.id, modelSummary(created));
  if (created.isDefault) await audit(database, actor, "model.default_changed", "model", created.id, { from: previousDefault, to: created.id });
  return created;
}

export async function updateModelAudited(database: Database, id: string, patch: UpdateModelInput, actor: AuditActor): Promise<ModelView> {
  const before = await modelOrThrow(database, id);
  const after = await updateModel(database, id, patch);
  const changed = changes(modelSummary(before), modelSummary(after));
  if (Object.keys(changed).length) await audit(database, actor, "model.updated", "model", id, { changed });
  return after;
}

export async function deleteModelAudited(database: Database, id: string, actor: AuditActor): Promise<{ id: string }> {
  const before = await modelOrThrow(database, id);
  await deleteModel(database, id);
  await audit(database, actor, "model.deleted", "model", id, modelSummary(before));
  return { id };
}

/** Makes the model the one Workers with an empty model field use. */
export async function setDefaultModelAudited(database: Database, id: string, actor: AuditActor): Promise<ModelView> {
  const previous = (await listModels(database)).find((m) => m.isDefault)?.id ?? null;
  const after = await setDefaultModel(database, id);
  if (previous !== after.id) await audit(database, actor, "model.default_changed", "model", after.id, { from: previous, to: after.id });
  return after;
}

/** Registered models for the editor's model picker: ids and labels only. */
export async function modelsForBuilder(database: Database): Promise<{ id: string; label: string }[]> {
  return (await listModels(database)).map((m) => ({ id: m.id, label: m.label || m.id }));
}
