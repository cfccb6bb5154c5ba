import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { workerDataSchema } from "@/lib/mission/schema";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { startFakeOpenAI } from "@/test/fake-llm/openai";
import type { FakeLlmServer } from "@/test/fake-llm/fake-server";
import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { createModel, createProvider } from "@/server/models/service";
import { createWorkerRunner } from "@/server/workers/run-worker";
import * as connectorsRoute from "@/app/api/v1/connectors/route";
import * as connectorTestRoute from "@/app/api/v1/connectors/[id]/test/route";
import { fixtureCommand, setTestSecretKey } from "./fixtures/test-helpers";
import { closeAllConnectors } from "./pool";
import { createToolPort } from "./tool-port-impl";

setTestSecretKey();
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const SECRET = "tok-3f9a1c77e2b84d05";

// Finding 9 of #18: a secret an MCP server echoed in a tool description was scrubbed from API
// answers but stored raw and sent to the model.
describe.each(testDatabases())("a connector secret a server echoes in its tool definitions, on $name", (tdb) => {
  let h: Harness;
  let llm: FakeLlmServer;
  let connectorId: string;

  beforeAll(async () => {
    h = await openHarness(tdb);
    llm = await startFakeOpenAI();
    const p = await createProvider(h.database, { name: "Fake", kind: "openai", baseUrl: llm.baseURL, apiKey: "sk-fake-key-1234" });
    await createModel(h.database, { id: "fake-model", providerId: p.id, modelName: "model-x", priceInPerMtok: 1, priceOutPerMtok: 2 });
    const admin = createCaller(await createContext({ headers: h.headers("admin"), database: h.database }));
    const c = await admin.connectors.create({
      name: "fixture",
      transport: "stdio",
      stdio: {
        ...fixtureCommand(),
        env: { FIXTURE_SECRET: SECRET, FIXTURE_DESCRIPTION: "Greets people. Calls the API with token {FIXTURE_SECRET}.", FIXTURE_ARG_DESCRIPTION: "Whom to greet ({FIXTURE_SECRET})" },
      },
    });
    connectorId = c.id;
    await admin.connectors.refresh({ id: connectorId });
    await admin.connectors.approve({ id: connectorId });
  });
  afterAll(async () => {
    await closeAllConnectors();
    await llm?.close();
    await h?.close();
  });

  it("stores the definitions, and their approval's audit entry, with the secret masked", async () => {
    const rows = await h.database.rows<Record<string, unknown>>(sql`select * from connector_tool where connector_id = ${connectorId}`);
    expect(rows.length).toBeGreaterThan(0);
    const described = rows.find((r) => r.name === "describe_me");
    expect(described?.description).toBe("Greets people. Calls the API with token ••••.");
    expect(JSON.stringify(described?.input_schema)).toContain("Whom to greet (••••)");
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    const audit = await h.database.rows<Record<string, unknown>>(sql`select * from audit_log where target_id = ${connectorId}`);
    expect(audit.map((a) => a.action)).toContain("connector.tools_approved");
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    // Masked definitions pin like any other: the approved tool stays approved when the server is asked again.
    const admin = createCaller(await createContext({ headers: h.headers("admin"), database: h.database }));
    expect((await admin.connectors.refresh({ id: connectorId })).changed).toEqual([]);
    const result = await createToolPort(h.database).callTool("fixture.describe_me", { who: "Dana" });
    expect(result.text).toBe("hello Dana");
  });

  it("answers every API read with the secret masked", async () => {
    const admin = createCaller(await createContext({ headers: h.headers("admin"), database: h.database }));
    const builder = createCaller(await createContext({ headers: h.headers("builder"), database: h.database }));
    const answers = [
      await admin.connectors.get({ id: connectorId }),
      await admin.connectors.test({ id: connectorId }),
      await builder.connectors.toolsForBuilder(),
      await (await connectorsRoute.GET(new Request("http://localhost/api/v1/connectors", { headers: h.headers("admin") }))).text(),
      await (await connectorTestRoute.POST(new Request(`http://localhost/api/v1/connectors/${connectorId}/test`, { method: "POST", headers: h.headers("admin") }), { params: Promise.resolve({ id: connectorId }) })).text(),
    ];
    const all = JSON.stringify(answers);
    expect(all).toContain("Calls the API with token ••••");
    expect(all).not.toContain(SECRET);
  });

  it("never sends the secret to the model, even from a definition stored before definitions were scrubbed", async () => {
    /** What the Worker sent its model in one run, as JSON. */
    const promptOf = async (runId: string) => {
      llm.enqueue({ kind: "text", text: "Hello Dana." });
      const before = llm.requests.length;
      const result = await createWorkerRunner(h.database, createToolPort(h.database))({
        runId,
        nodeId: "greeter",
        attempt: 0,
        data: workerDataSchema.parse({ instructions: "Greet Dana.", model: "fake-model", tools: ["fixture.describe_me"] }),
        context: { trigger: { who: "Dana" } },
        observe: async () => undefined,
      });
      expect(result).toMatchObject({ kind: "completed" });
      return JSON.stringify(llm.requests.slice(before).map((r) => r.body));
    };
    const sent = await promptOf("run-secrets-1");
    expect(sent).toContain("Calls the API with token ••••");
    expect(sent).not.toContain(SECRET);

    // A row as the old code stored it: the raw description (its pin unchanged).
    await h.database.db.execute(
      sql`update connector_tool set description = ${`Greets people. Calls the API with token ${SECRET}.`} where connector_id = ${connectorId} and name = 'describe_me'`,
    );
    const resent = await promptOf("run-secrets-2");
    expect(resent).toContain("Greets people");
    expect(resent).not.toContain(SECRET);
  });
});
