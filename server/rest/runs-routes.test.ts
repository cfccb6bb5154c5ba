import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { publishForTest } from "@/test/publishing";
import * as missionRuns from "@/app/api/v1/missions/[id]/runs/route";
import * as runGet from "@/app/api/v1/runs/[id]/route";

type Body = { error: { code: string; message: string; problems: { path: string; message: string }[] } };

describe.each(testDatabases())("REST runs: bad input on $name", (tdb) => {
  let h: Harness;
  let missionId: string;
  beforeAll(async () => {
    h = await openHarness(tdb);
    const m = await createMission(h.database.db, { name: "Approval", template: "approval" }, h.userId("builder"));
    await saveVersion(h.database.db, m.id, {}, h.userId("builder"));
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    missionId = m.id;
  });
  afterAll(() => h.close());

  const post = (id: string, body: string) =>
    missionRuns.POST(new Request(`http://localhost/api/v1/missions/${id}/runs`, { method: "POST", headers: h.headers("builder"), body }), {
      params: Promise.resolve({ id }),
    });

  it("names each trigger field the input gets wrong and starts nothing", async () => {
    const res = await post(missionId, JSON.stringify({ details: 42, unexpected: true }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    const paths = body.error.problems.map((p) => p.path);
    expect(paths.some((p) => p.includes("title"))).toBe(true);
    expect(paths.some((p) => p.includes("details"))).toBe(true);
    const list = await missionRuns.GET(new Request(`http://localhost/api/v1/missions/${missionId}/runs`, { headers: h.headers("viewer") }), { params: Promise.resolve({ id: missionId }) });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(0);
  });

  it("answers non-JSON and non-object bodies with 400 naming the body", async () => {
    for (const body of ["not json", "[1,2]", ""]) {
      const res = await post(missionId, body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as Body).error.problems[0]?.path).toBe("body");
    }
  });

  it("answers unknown missions and runs with 404", async () => {
    expect((await post("no-such-mission", JSON.stringify({ title: "x" }))).status).toBe(404);
    const res = await runGet.GET(new Request("http://localhost/api/v1/runs/nope", { headers: h.headers("viewer") }), { params: Promise.resolve({ id: "nope" }) });
    expect(res.status).toBe(404);
  });
});
