import { TRPCError } from "@trpc/server";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { isAppError, zodProblems, type FieldProblem } from "@/lib/errors";
import { setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { auditLog } from "@/server/db/schema";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import { createCallerFactory, createContext, router } from "../trpc";
import { modelsRouter } from "./models";

setTestSecretKey();

const createCaller = createCallerFactory(router({ models: modelsRouter }));

async function problemsOf(p: Promise<unknown>): Promise<{ code: string; problems: FieldProblem[] }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    const cause = e.cause;
    return { code: e.code, problems: cause instanceof ZodError ? zodProblems(cause.issues) : isAppError(cause) ? cause.problems : [] };
  }
  throw new Error("expected the call to fail");
}

describe.each(testDatabases())("models router on $name", (tdb) => {
  let h: Harness;
  let fake: FakeLlmServer;
  let admin: ReturnType<typeof createCaller>;
  let builder: ReturnType<typeof createCaller>;
  const entries = async (action: string) => h.database.db.select().from(auditLog).where(eq(auditLog.action, action)).orderBy(asc(auditLog.id));
  // The harness calls with API keys, which each entry names (data.apiKeyId, checked once below); the rest is compared whole.
  const audits = async (action: string) => (await entries(action)).map(({ data: { apiKeyId: _key, ...data }, ...a }) => ({ ...a, data }));

  beforeAll(async () => {
    h = await openHarness(tdb);
    fake = await startFakeOpenAI();
    admin = createCaller(await createContext({ headers: h.headers("admin"), database: h.database }));
    builder = createCaller(await createContext({ headers: h.headers("builder"), database: h.database }));
  });
  afterAll(async () => {
    await fake.close();
    await h.close();
  });

  it("names the missing field of a provider", async () => {
    const noUrl = await problemsOf(admin.models.createProvider({ name: "Local", kind: "openai-compatible" }));
    expect(noUrl.problems).toEqual([{ path: "baseUrl", message: "is required for an OpenAI-compatible server" }]);
    const noKey = await problemsOf(admin.models.createProvider({ name: "OpenAI", kind: "openai" }));
    expect(noKey.problems).toEqual([{ path: "apiKey", message: "is required for OpenAI" }]);
    const badKind = await problemsOf(admin.models.createProvider({ name: "X", kind: "gemini" as "openai" }));
    expect(badKind.problems.map((p) => p.path)).toEqual(["kind"]);
  });

  it("adds a provider and a model, tests it against a local server, and audits every change", async () => {
    const provider = await admin.models.createProvider({ name: "Fake LLM", kind: "openai-compatible", baseUrl: fake.baseURL, apiKey: "sk-local-0000abcd" });
    expect(provider).toMatchObject({ kind: "openai-compatible", apiKeyMasked: "••••abcd", modelCount: 0 });

    const bad = await problemsOf(admin.models.createModel({ providerId: provider.id, modelName: "fake-1", priceInPerMtok: -1 }));
    expect(bad.problems.map((p) => p.path)).toEqual(["priceInPerMtok"]);

    const model = await admin.models.createModel({ providerId: provider.id, modelName: "fake-1", label: "Fake one", priceInPerMtok: 0.5, priceOutPerMtok: 1.5, isDefault: true });
    expect(model).toMatchObject({ id: "fake-1", isDefault: true, priceInPerMtok: 0.5 });
    const taken = await problemsOf(admin.models.createModel({ providerId: provider.id, modelName: "fake-1" }));
    expect(taken).toEqual({ code: "CONFLICT", problems: [{ path: "id", message: "is already taken" }] });

    fake.enqueue({ kind: "text", text: "OK from the fake" });
    expect(await admin.models.test({ id: "fake-1" })).toMatchObject({ ok: true, text: "OK from the fake" });
    expect(fake.requests.at(-1)?.headers.authorization).toBe("Bearer sk-local-0000abcd");

    await admin.models.createModel({ providerId: provider.id, modelName: "fake-2", id: "second" });
    await admin.models.setDefault({ id: "second" });
    const overview = await admin.models.list();
    expect(overview.models.filter((m) => m.isDefault).map((m) => m.id)).toEqual(["second"]);
    expect(overview.replayFixtures).toContain("refund-demo");

    const updated = await admin.models.updateModel({ id: "fake-1", label: "Fake first", priceOutPerMtok: 2 });
    expect(updated).toMatchObject({ label: "Fake first", priceOutPerMtok: 2 });
    expect((await audits("model.updated"))[0]?.data).toEqual({ changed: { label: { from: "Fake one", to: "Fake first" }, priceOutPerMtok: { from: 1.5, to: 2 } } });
    expect((await entries("model.updated"))[0]).toMatchObject({ actorLabel: expect.stringMatching(/^api key stw_\S+ of admin@test\.local$/), data: { apiKeyId: expect.any(String) } });
    expect((await audits("model.default_changed")).map((a) => a.data)).toEqual([
      { from: null, to: "fake-1" },
      { from: "fake-1", to: "second" },
    ]);

    expect(await builder.models.listForBuilder()).toEqual([
      { id: "fake-1", label: "Fake first" },
      { id: "second", label: "second" },
    ]);
    expect((await problemsOf(builder.models.list())).code).toBe("FORBIDDEN");

    await admin.models.deleteModel({ id: "second" });
    expect((await audits("model.deleted"))[0]).toMatchObject({ targetId: "second", actorId: h.userId("admin") });
    expect((await audits("model.created")).map((a) => a.targetId)).toEqual(["fake-1", "second"]);
    expect((await audits("model.provider_created"))[0]?.data).toEqual({ name: "Fake LLM", kind: "openai-compatible", baseUrl: fake.baseURL, hasKey: true });
  });

  it("keeps the stored provider when an edit fails, replaces and removes the key on request", async () => {
    const p = (await admin.models.list()).providers.find((x) => x.name === "Fake LLM")!;
    const failed = await problemsOf(admin.models.updateProvider({ id: p.id, name: "Renamed", baseUrl: null }));
    expect(failed.problems).toEqual([{ path: "baseUrl", message: "is required for an OpenAI-compatible server" }]);
    const invalidUrl = await problemsOf(admin.models.updateProvider({ id: p.id, baseUrl: "localhost:11434" }));
    expect(invalidUrl.problems[0]?.path).toBe("baseUrl");
    expect((await admin.models.list()).providers.find((x) => x.id === p.id)).toMatchObject({ name: "Fake LLM", baseUrl: fake.baseURL, apiKeyMasked: "••••abcd" });

    const replaced = await admin.models.updateProvider({ id: p.id, apiKey: "sk-local-1111wxyz" });
    expect(replaced.apiKeyMasked).toBe("••••wxyz");
    const removed = await admin.models.updateProvider({ id: p.id, name: "Fake", apiKey: null });
    expect(removed).toMatchObject({ name: "Fake", apiKeyMasked: null });
    expect((await audits("model.provider_updated")).map((a) => a.data)).toEqual([
      { name: "Fake LLM", changed: {}, apiKey: "replaced" },
      { name: "Fake", changed: { name: { from: "Fake LLM", to: "Fake" }, hasKey: { from: true, to: false } }, apiKey: "removed" },
    ]);
    expect(JSON.stringify(await audits("model.provider_updated"))).not.toContain("1111wxyz");
  });

  it("shows a provider's error text, scrubbed of the key it was sent", async () => {
    const p = await admin.models.createProvider({ name: "Echoing", kind: "openai-compatible", baseUrl: fake.baseURL, apiKey: "sk-echo-5555secret" });
    await admin.models.createModel({ providerId: p.id, modelName: "echo-model" });
    fake.enqueue({ kind: "status", status: 401, body: { error: { message: "Incorrect API key provided: sk-echo-5555secret", type: "invalid_request_error", code: "invalid_api_key" } } });
    const res = await admin.models.test({ id: "echo-model" });
    expect(res.ok).toBe(false);
    expect(res.error).toContain("Incorrect API key provided: ••••");
    expect(res.error).not.toContain("sk-echo-5555secret");
  });

  it("deletes a provider with its models", async () => {
    const p = (await admin.models.list()).providers.find((x) => x.name === "Echoing")!;
    await admin.models.deleteProvider({ id: p.id });
    const overview = await admin.models.list();
    expect(overview.providers.map((x) => x.name)).not.toContain("Echoing");
    expect(overview.models.map((m) => m.id)).not.toContain("echo-model");
    expect((await audits("model.provider_deleted"))[0]?.data).toMatchObject({ name: "Echoing", models: ["echo-model"] });
    expect((await problemsOf(admin.models.deleteProvider({ id: p.id }))).code).toBe("NOT_FOUND");
    expect((await problemsOf(admin.models.test({ id: "echo-model" }))).code).toBe("NOT_FOUND");
  });
});
