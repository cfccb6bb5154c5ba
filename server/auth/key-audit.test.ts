import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { edges, mission, node } from "@/server/engine/testing/missions";
import * as missions from "@/app/api/v1/missions/route";
import * as missionRuns from "@/app/api/v1/missions/[id]/runs/route";
import * as runCancel from "@/app/api/v1/runs/[id]/cancel/route";

// Finding 6 of #18: whatever is done with an API key says so in the audit log, naming the key.
const graph = mission("keyed", [node.trigger("start", { channels: ["manual", "api"] }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })], edges("start->done"));

describe.each(testDatabases())("acts done with an API key, on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());

  it("name the key and its owner in the audit: import, run start, cancel", async () => {
    const imported = await missions.POST(new Request("http://localhost/api/v1/missions", { method: "POST", headers: h.headers("builder"), body: JSON.stringify(graph) }));
    expect(imported.status).toBe(201);
    const missionId = ((await imported.json()) as { id: string }).id;
    const started = await missionRuns.POST(new Request(`http://localhost/api/v1/missions/${missionId}/runs`, { method: "POST", headers: h.headers("builder"), body: "{}" }), {
      params: Promise.resolve({ id: missionId }),
    });
    expect(started.status).toBe(202);
    const runId = ((await started.json()) as { runId: string }).runId;
    await runCancel.POST(new Request(`http://localhost/api/v1/runs/${runId}/cancel`, { method: "POST", headers: h.headers("builder") }), { params: Promise.resolve({ id: runId }) });

    const [key] = await h.database.rows<{ id: string; prefix: string }>(sql`select id, prefix from api_key where user_id = ${h.userId("builder")}`);
    const rows = await h.database.rows<{ action: string; actor_id: string; actor_label: string; data: { apiKeyId?: string } }>(
      sql`select action, actor_id, actor_label, data from audit_log where (target_id = ${missionId} or run_id = ${runId}) and actor_id is not null order by id`,
    );
    const acts = rows.filter((r) => ["mission.imported", "run.started", "run.cancelled"].includes(r.action));
    expect(acts.map((r) => r.action)).toEqual(expect.arrayContaining(["mission.imported", "run.started"]));
    for (const r of acts) {
      expect(r, r.action).toMatchObject({ actor_id: h.userId("builder"), actor_label: `api key ${key?.prefix} of builder@test.local`, data: { apiKeyId: key?.id } });
    }
  });
});
