import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { publishForTest } from "@/test/publishing";
import { createTestCase } from "@/server/test-cases/service";
import * as testRuns from "./route";
import * as testRunGet from "@/app/api/v1/test-runs/[id]/route";

type Body = { error: { code: string; message: string; problems: { path: string; message: string }[] } };

describe.each(testDatabases())("REST suite runs: bad input on $name", (tdb) => {
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

  const post = (id: string, body: string, who: "builder" | "viewer" = "builder") =>
    testRuns.POST(new Request(`http://localhost/api/v1/missions/${id}/test-runs`, { method: "POST", headers: h.headers(who), body }), { params: Promise.resolve({ id }) });
  const problems = async (res: Response) => ((await res.json()) as Body).error.problems.map((p) => p.path);

  it("names the field at fault and starts nothing", async () => {
    let res = await post(missionId, "{}");
    expect(res.status).toBe(400);
    expect(await problems(res)).toEqual(["missionId"]);
    await createTestCase(h.database, { missionId, name: "any", input: { title: "t" } }, null);
    res = await post(missionId, JSON.stringify({ versionId: 7 }));
    expect(res.status).toBe(400);
    expect(await problems(res)).toEqual(["versionId"]);
    res = await post(missionId, JSON.stringify({ versionId: "nope" }));
    expect(res.status).toBe(404);
    expect(await problems(res)).toEqual(["versionId"]);
    for (const body of ["not json", "[1]"]) expect(await problems(await post(missionId, body)), body).toEqual(["body"]);
    expect((await post("no-such-mission", "{}")).status).toBe(404);
    expect((await post(missionId, "{}", "viewer")).status).toBe(403);
    const list = await testRuns.GET(new Request(`http://localhost/api/v1/missions/${missionId}/test-runs`, { headers: h.headers("viewer") }), { params: Promise.resolve({ id: missionId }) });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(0);
    const one = await testRunGet.GET(new Request("http://localhost/api/v1/test-runs/nope", { headers: h.headers("viewer") }), { params: Promise.resolve({ id: "nope" }) });
    expect(one.status).toBe(404);
  });
});
