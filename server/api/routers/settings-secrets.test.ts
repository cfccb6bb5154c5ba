import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors";
import { closeAllConnectors } from "@/server/connectors/pool";
import { EVERYTHING_ENTRY, setTestSecretKey, startEverythingHttp, type RunningServer } from "@/server/connectors/fixtures/test-helpers";
import { auditLog, connector, modelProvider } from "@/server/db/schema";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import * as connectorsRoute from "@/app/api/v1/connectors/route";
import * as oneRoute from "@/app/api/v1/connectors/[id]/route";
import * as approveRoute from "@/app/api/v1/connectors/[id]/approve/route";
import * as refreshRoute from "@/app/api/v1/connectors/[id]/refresh/route";
import * as testRoute from "@/app/api/v1/connectors/[id]/test/route";
import { createCallerFactory, createContext, router } from "../trpc";
import { connectorsRouter } from "./connectors";
import { modelsRouter } from "./models";

setTestSecretKey();

const ENV_SECRET = "s3cr3t-value-123";
const HEADER_SECRET = "h3ad3r-s3cret-456";
const MODEL_KEY = "sk-test-abcdef123456";
const SECRETS = [ENV_SECRET, HEADER_SECRET, MODEL_KEY];

const settingsRouter = router({ connectors: connectorsRouter, models: modelsRouter });
const createCaller = createCallerFactory(settingsRouter);

/**
 * Issue #5: no secret (model key, connector env or header) appears in any tRPC or REST response.
 * Every procedure of both routers and every connectors REST route is called with the secrets
 * stored, including the paths where a server or provider echoes them back; everything that comes
 * back (results and errors) is searched for the plaintext.
 */
describe.each(testDatabases())("no secret leaves the server, on $name", (tdb) => {
  let h: Harness;
  let http: RunningServer;
  let fake: FakeLlmServer;
  const seen: string[] = [];
  const called = new Set<string>();

  /** Calls a procedure and keeps what came back, result or error. */
  async function call<T>(path: string, fn: () => Promise<T>): Promise<T | undefined> {
    called.add(path);
    try {
      const out = await fn();
      seen.push(`${path} → ${JSON.stringify(out)}`);
      return out;
    } catch (e) {
      const cause = e instanceof TRPCError ? e.cause : e;
      seen.push(`${path} ✗ ${e instanceof Error ? e.message : String(e)} ${isAppError(cause) ? JSON.stringify(cause.problems) : ""} ${JSON.stringify(e)}`);
      return undefined;
    }
  }

  async function restCall(label: string, res: Response): Promise<unknown> {
    const text = await res.text();
    seen.push(`${label} ${res.status} → ${text}`);
    return JSON.parse(text) as unknown;
  }

  beforeAll(async () => {
    h = await openHarness(tdb);
    http = await startEverythingHttp("streamableHttp");
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await closeAllConnectors();
    await http.stop();
    await fake.close();
    await h.close();
  });

  it("never returns a stored secret from any procedure or route", async () => {
    const admin = createCaller(await createContext({ headers: h.headers("admin"), database: h.database }));
    const builder = createCaller(await createContext({ headers: h.headers("builder"), database: h.database }));

    // Connectors: a real stdio server holding the env secret, a real HTTP server sent the header
    // secret, and a stdio server that prints its secret to stderr and dies.
    const stdio = await call("connectors.create", () =>
      admin.connectors.create({ name: "everything", transport: "stdio", stdio: { command: process.execPath, args: [EVERYTHING_ENTRY, "stdio"], env: { SECRET_TOKEN: ENV_SECRET } } }),
    );
    const remote = await call("connectors.create", () =>
      admin.connectors.create({ name: "remote", transport: "http", http: { url: http.url, headers: { Authorization: `Bearer ${HEADER_SECRET}` } } }),
    );
    const leaky = await call("connectors.create", () =>
      admin.connectors.create({
        name: "leaky",
        transport: "stdio",
        stdio: { command: process.execPath, args: ["-e", "console.error('SECRET_TOKEN=' + process.env.SECRET_TOKEN); process.exit(1)"], env: { SECRET_TOKEN: ENV_SECRET } },
      }),
    );
    expect(stdio && remote && leaky).toBeTruthy();
    const ids = [stdio!.id, remote!.id, leaky!.id];

    await call("connectors.list", () => admin.connectors.list());
    for (const id of ids) {
      const res = await call("connectors.test", () => admin.connectors.test({ id }));
      if (id === leaky!.id) expect(res).toMatchObject({ ok: false, error: expect.stringContaining("SECRET_TOKEN=••••") });
      else expect(res?.ok).toBe(true);
      await call("connectors.refresh", () => admin.connectors.refresh({ id }));
      await call("connectors.get", () => admin.connectors.get({ id }));
    }
    await call("connectors.approve", () => admin.connectors.approve({ id: stdio!.id }));
    await call("connectors.approve", () => admin.connectors.approve({ id: remote!.id, names: ["echo"] }));
    await call("connectors.setPolicy", () => admin.connectors.setPolicy({ id: stdio!.id, tool: "toggle-simulated-logging", policy: "autonomous" }));
    await call("connectors.setPolicy", () => admin.connectors.setPolicy({ id: stdio!.id, tool: "toggle-simulated-logging", policy: "autonomous", confirmLoosen: true }));
    await call("connectors.update", () => admin.connectors.update({ id: stdio!.id, timeoutMs: 30_000, stdio: { env: { SECRET_TOKEN: null, OTHER: "0ther-value-789" } } }));
    await call("connectors.update", () => admin.connectors.update({ id: remote!.id, http: { url: "not a url", headers: { Authorization: `Bearer ${HEADER_SECRET}` } } }));
    await call("connectors.setEnabled", () => admin.connectors.setEnabled({ id: remote!.id, enabled: false }));
    await call("connectors.toolsForBuilder", () => builder.connectors.toolsForBuilder());
    await call("connectors.delete", () => admin.connectors.delete({ id: leaky!.id }));

    // Models: a provider holding the key; one test answers, one gets the key echoed in an error.
    const provider = await call("models.createProvider", () => admin.models.createProvider({ name: "Local", kind: "openai-compatible", baseUrl: fake.baseURL, apiKey: MODEL_KEY }));
    await call("models.createModel", () => admin.models.createModel({ providerId: provider!.id, modelName: "local-1", isDefault: true }));
    await call("models.createModel", () => admin.models.createModel({ providerId: provider!.id, modelName: "local-2" }));
    fake.enqueue({ kind: "text", text: "OK" }, { kind: "status", status: 401, body: { error: { message: `Incorrect API key provided: ${MODEL_KEY}` } } });
    expect((await call("models.test", () => admin.models.test({ id: "local-1" })))?.ok).toBe(true);
    const echoed = await call("models.test", () => admin.models.test({ id: "local-1" }));
    expect(echoed?.error).toContain("Incorrect API key provided: ••••");
    expect(fake.requests.at(-1)?.headers.authorization).toBe(`Bearer ${MODEL_KEY}`);
    await call("models.list", () => admin.models.list());
    await call("models.updateProvider", () => admin.models.updateProvider({ id: provider!.id, name: "Local LLM" }));
    await call("models.updateProvider", () => admin.models.updateProvider({ id: provider!.id, baseUrl: null }));
    await call("models.updateModel", () => admin.models.updateModel({ id: "local-1", label: "Local one" }));
    await call("models.setDefault", () => admin.models.setDefault({ id: "local-2" }));
    await call("models.listForBuilder", () => builder.models.listForBuilder());
    await call("models.deleteModel", () => admin.models.deleteModel({ id: "local-2" }));
    const spare = await call("models.createProvider", () => admin.models.createProvider({ name: "Spare", kind: "openai", apiKey: MODEL_KEY }));
    await call("models.deleteProvider", () => admin.models.deleteProvider({ id: spare!.id }));

    expect([...called].sort()).toEqual(Object.keys(settingsRouter._def.procedures).sort());

    // REST, with the admin's API key.
    const headers = h.headers("admin");
    const list = (await restCall("GET /api/v1/connectors", await connectorsRoute.GET(new Request("http://localhost/api/v1/connectors", { headers })))) as { connectors: { name: string }[] };
    expect(list.connectors.map((c) => c.name).sort()).toEqual(["everything", "remote"]);
    const created = (await restCall(
      "POST /api/v1/connectors",
      await connectorsRoute.POST(
        new Request("http://localhost/api/v1/connectors", {
          method: "POST",
          headers,
          body: JSON.stringify({ name: "rest-made", transport: "sse", http: { url: "http://127.0.0.1:9/sse", headers: { "X-Api-Key": HEADER_SECRET } } }),
        }),
      ),
    )) as { id: string; http: { headers: { name: string; value: string }[] } };
    expect(created.http.headers).toEqual([{ name: "X-Api-Key", value: "••••-456" }]);
    for (const id of [stdio!.id, remote!.id, created.id]) {
      const params = { params: Promise.resolve({ id }) };
      const url = `http://localhost/api/v1/connectors/${id}`;
      await restCall(`POST /api/v1/connectors/${id}/test`, await testRoute.POST(new Request(`${url}/test`, { method: "POST", headers }), params));
      await restCall(`POST /api/v1/connectors/${id}/refresh`, await refreshRoute.POST(new Request(`${url}/refresh`, { method: "POST", headers }), params));
      const page = (await restCall(`GET /api/v1/connectors/${id}`, await oneRoute.GET(new Request(url, { headers }), params))) as { tools: { name: string; hash: string }[] };
      const tools = page.tools.map(({ name, hash }) => ({ name, hash }));
      if (tools.length) await restCall(`POST /api/v1/connectors/${id}/approve`, await approveRoute.POST(new Request(`${url}/approve`, { method: "POST", headers, body: JSON.stringify({ tools }) }), params));
    }

    // The secrets are stored (encrypted) and were used, so the checks below are not vacuous.
    const stored = await h.database.db.select().from(connector);
    expect(stored.every((c) => !JSON.stringify(c).includes(HEADER_SECRET) && !JSON.stringify(c).includes(ENV_SECRET))).toBe(true);
    expect(stored.some((c) => c.secretHeaders)).toBe(true);
    const [p] = await h.database.db.select().from(modelProvider);
    expect(p?.apiKey && !p.apiKey.includes(MODEL_KEY)).toBe(true);
    expect(seen.join("\n")).toContain("••••-123"); // the masked env value
    expect(seen.join("\n")).toContain("••••3456"); // the masked key

    const everything = seen.join("\n");
    for (const secret of SECRETS) expect(everything, `${secret} leaked`).not.toContain(secret);
    const audit = JSON.stringify(await h.database.db.select().from(auditLog));
    expect(audit).toContain("connector.policy_loosened");
    for (const secret of SECRETS) expect(audit, `${secret} in the audit log`).not.toContain(secret);
  });
});
