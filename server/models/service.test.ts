import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError, type AppError } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import { testDatabases } from "@/test/databases";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import { resolveModel, UnknownModelError } from "./registry";
import {
  createModel,
  createProvider,
  deleteModel,
  deleteProvider,
  listModels,
  listProviders,
  seedReplayModels,
  setDefaultModel,
  testModel,
  updateModel,
  updateProvider,
} from "./service";

// The key the secrets module encrypts with; set before anything asks env() for it.
process.env.STEWARD_SECRET_KEY ??= "a".repeat(64);
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const KEY = "sk-live-THISISTHESECRETKEY-9876";

async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

describe.each(testDatabases())("model providers on $name", (tdb) => {
  let database: Database;
  let fake: FakeLlmServer;
  beforeAll(async () => {
    database = await tdb.open();
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await database?.close();
    await fake?.close();
  });

  it("stores API keys encrypted and never lists them", async () => {
    const p = await createProvider(database, { name: "OpenAI", kind: "openai", apiKey: KEY });
    expect(p.apiKeyMasked).toBe("••••9876");
    const raw = await database.rows<{ api_key: string }>(sql`select api_key from model_provider where id = ${p.id}`);
    expect(raw[0]?.api_key).toMatch(/^v1:/);
    expect(raw[0]?.api_key).not.toContain("THISISTHESECRETKEY");
    const dump = await database.rows(sql`select * from model_provider`);
    expect(JSON.stringify(dump)).not.toContain(KEY);

    await createModel(database, { providerId: p.id, modelName: "gpt-4o", priceInPerMtok: 2.5, priceOutPerMtok: 10 });
    const views = JSON.stringify({ providers: await listProviders(database), models: await listModels(database) });
    expect(views).not.toContain("THISISTHESECRETKEY");
    expect(views).toContain("••••9876");
  });

  it("validates providers, naming the field", async () => {
    const noUrl = await appError(createProvider(database, { name: "Ollama", kind: "openai-compatible" }));
    expect(noUrl.code).toBe("bad_request");
    expect(noUrl.problems).toEqual([{ path: "baseUrl", message: "is required for an OpenAI-compatible server" }]);
    const noKey = await appError(createProvider(database, { name: "Claude", kind: "anthropic" }));
    expect(noKey.problems).toEqual([{ path: "apiKey", message: "is required for Anthropic" }]);
    const badUrl = await appError(createProvider(database, { name: "x", kind: "openai-compatible", baseUrl: "ftp://nope" }));
    expect(badUrl.problems[0]?.path).toBe("baseUrl");
    const badKind = await appError(createProvider(database, { name: "x", kind: "gemini" }));
    expect(badKind.problems[0]?.path).toBe("kind");
    // A key is optional for OpenAI-compatible servers (local Ollama needs none).
    const local = await createProvider(database, { name: "Ollama", kind: "openai-compatible", baseUrl: "http://localhost:11434/v1" });
    expect(local.apiKeyMasked).toBeNull();
  });

  it("keeps the stored key when an update leaves it out, replaces it when given", async () => {
    const p = await createProvider(database, { name: "Anthropic", kind: "anthropic", apiKey: "sk-ant-first-1111" });
    const renamed = await updateProvider(database, p.id, { name: "Anthropic (team)" });
    expect(renamed.name).toBe("Anthropic (team)");
    expect(renamed.apiKeyMasked).toBe("••••1111");
    const rekeyed = await updateProvider(database, p.id, { apiKey: "sk-ant-second-2222" });
    expect(rekeyed.apiKeyMasked).toBe("••••2222");
    const cleared = await appError(updateProvider(database, p.id, { apiKey: null }));
    expect(cleared.problems).toEqual([{ path: "apiKey", message: "is required for Anthropic" }]);
    expect((await appError(updateProvider(database, "missing", { name: "x" }))).code).toBe("not_found");
  });

  it("registers models, one default at a time, and resolves them", async () => {
    const p = await createProvider(database, { name: "Local", kind: "openai-compatible", baseUrl: fake.baseURL });
    const m = await createModel(database, { id: "local-llama", providerId: p.id, modelName: "llama3.1", label: "Llama", priceInPerMtok: "0.5", isDefault: true });
    expect(m).toMatchObject({ id: "local-llama", modelName: "llama3.1", priceInPerMtok: 0.5, priceOutPerMtok: 0, isDefault: true, providerKind: "openai-compatible" });
    const dup = await appError(createModel(database, { id: "local-llama", providerId: p.id, modelName: "x" }));
    expect(dup.code).toBe("conflict");
    const badPrice = await appError(createModel(database, { providerId: p.id, modelName: "y", priceOutPerMtok: -1 }));
    expect(badPrice.problems[0]?.path).toBe("priceOutPerMtok");

    const other = await createModel(database, { providerId: p.id, modelName: "qwen2.5" });
    expect(other.id).toBe("qwen2.5");
    await setDefaultModel(database, "qwen2.5");
    const defaults = (await listModels(database)).filter((x) => x.isDefault).map((x) => x.id);
    expect(defaults).toEqual(["qwen2.5"]);
    expect((await appError(setDefaultModel(database, "nope"))).code).toBe("not_found");

    const ctx = { runId: "r", nodeId: "n" };
    const byDefault = await resolveModel(database, "", ctx);
    expect(byDefault.modelId).toBe("qwen2.5");
    const named = await resolveModel(database, "local-llama", ctx);
    expect(named.prices).toEqual({ inPerMtok: 0.5, outPerMtok: 0 });
    expect(named.model.modelId).toBe("llama3.1");
    const unknown = await resolveModel(database, "gpt-99", ctx).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownModelError);
    expect((unknown as Error).message).toContain('Unknown model "gpt-99"');

    const updated = await updateModel(database, "local-llama", { label: "Llama 3.1", priceOutPerMtok: 1.25 });
    expect(updated).toMatchObject({ label: "Llama 3.1", priceOutPerMtok: 1.25 });
    await deleteModel(database, "local-llama");
    expect((await listModels(database)).some((x) => x.id === "local-llama")).toBe(false);

    // An embedding model (the knowledge base's): never the default, never a Worker's model.
    expect(await createModel(database, { id: "embed", providerId: p.id, modelName: "nomic-embed-text", purpose: "embedding" })).toMatchObject({ purpose: "embedding", isDefault: false });
    expect((await appError(createModel(database, { id: "e2", providerId: p.id, modelName: "x", purpose: "embedding", isDefault: true }))).problems).toEqual([
      { path: "isDefault", message: "must be false for an embedding model" },
    ]);
    expect((await appError(createModel(database, { id: "e3", providerId: p.id, modelName: "x", purpose: "vectors" }))).problems[0]?.path).toBe("purpose");
    expect((await appError(setDefaultModel(database, "embed"))).message).toContain("embedding model");
    expect(((await resolveModel(database, "embed", ctx).catch((e: unknown) => e)) as Error).message).toContain("is an embedding model");
  });

  it("tests a model with a tiny request and reports failures as results", async () => {
    const p = await createProvider(database, { name: "OpenAI", kind: "openai", baseUrl: fake.baseURL, apiKey: "sk-test-0000" });
    await createModel(database, { id: "fake-gpt", providerId: p.id, modelName: "gpt-fake" });
    fake.enqueue({ kind: "text", text: "OK" });
    const ok = await testModel(database, "fake-gpt");
    expect(ok).toMatchObject({ ok: true, text: "OK" });
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    const sent = fake.requests.at(-1);
    expect(JSON.stringify(sent?.body)).toContain("Reply with OK");
    expect(sent?.headers.authorization).toBe("Bearer sk-test-0000");

    fake.enqueue({ kind: "status", status: 401, message: "Incorrect API key provided" });
    const bad = await testModel(database, "fake-gpt");
    expect(bad.ok).toBe(false);
    expect(bad.error).toContain("Incorrect API key provided");

    const boom = { kind: "status", status: 503, message: "overloaded" } as const;
    fake.enqueue(boom, boom);
    const down = await testModel(database, "fake-gpt", { baseDelayMs: 5 });
    expect(down).toMatchObject({ ok: false, error: "OpenAI returned 503 Service Unavailable after 2 attempts: overloaded" });
  });

  it("deleting a provider removes its models", async () => {
    const p = await createProvider(database, { name: "Temp", kind: "openai-compatible", baseUrl: fake.baseURL });
    await createModel(database, { id: "temp-model", providerId: p.id, modelName: "t" });
    await deleteProvider(database, p.id);
    expect((await listModels(database)).some((m) => m.id === "temp-model")).toBe(false);
    expect((await appError(deleteProvider(database, p.id))).code).toBe("not_found");
  });

  it("seeds the built-in replay models and tests them offline", async () => {
    await database.db.execute(sql`update model set is_default = false`);
    const added = await seedReplayModels(database);
    expect(added).toContain("replay:refund-demo");
    expect(await seedReplayModels(database)).toEqual([]);
    const demo = (await listModels(database)).find((m) => m.id === "replay:refund-demo");
    expect(demo).toMatchObject({ providerKind: "replay", modelName: "refund-demo", isDefault: true });
    const result = await testModel(database, "replay:refund-demo");
    expect(result).toMatchObject({ ok: true, text: expect.stringContaining("ground, reason") });
    const noFixture = await appError(createModel(database, { providerId: "replay", modelName: "no-such-fixture" }));
    expect(noFixture.problems).toEqual([{ path: "modelName", message: "must name a replay fixture" }]);
  });
});
