import { afterAll, beforeAll, describe, expect, it } from "vitest";
import canonicalize from "canonicalize";
import type { Database } from "@/server/db/database";
import { getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { seedMission, testEngine, waitForRun } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";
import { generateSigningKey, signatureHeader } from "./signing";

// The embedded executor calls the mission functions through a serve() handler of its own that
// checks no signature (endpoint.ts, inProcessEndpoint); the handler a real Inngest server calls,
// behind app/api/inngest, must still refuse every call not signed with the local key.

const graph = mission(
  "signed",
  [node.trigger("start", { fields: [{ name: "id", type: "string" }] }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "trigger.id" })],
  edges("start->done"),
);

describe("the serve() handlers of an embedded engine", () => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  beforeAll(async () => {
    database = await testDatabases()[0]!.open();
    engine = testEngine(database);
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  it("runs missions through the executor's own handler, while the public one refuses unsigned and wrongly signed calls", async () => {
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: { id: "req-7" }, userId: seeded.starter }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect((await getRun(database, runId)).verdict).toEqual({ outcome: "ok", summary: "req-7" });

    const fnId = engine.executor.functions[0]!.id;
    const body = canonicalize({ version: 2, event: { name: "mission/run.requested", data: { runId } }, events: [], steps: {}, ctx: { run_id: "forged", attempt: 0, stack: { stack: [], current: 0 } } }) ?? "";
    const url = `http://embedded.invalid/api/inngest?fnId=${encodeURIComponent(fnId)}&stepId=step`;
    const unsigned = await engine.handler.POST(new Request(url, { method: "POST", body, headers: { "content-type": "application/json" } }) as never, undefined);
    expect(unsigned.status).toBe(401);
    const forged = { "content-type": "application/json", "x-inngest-signature": signatureHeader(generateSigningKey(), body) };
    const wrongKey = await engine.handler.POST(new Request(url, { method: "POST", body, headers: forged }) as never, undefined);
    expect(wrongKey.status).toBe(401);
  });
});
