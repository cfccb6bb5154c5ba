import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness, type Persona } from "@/test/app-harness";
import type { MissionGraph, MissionNode } from "@/lib/mission/schema";
import { refundMission } from "@/lib/mission/templates/refund";
import { createApiKey } from "@/server/auth/api-keys";
import { createUser } from "@/server/auth/users";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import * as missions from "@/app/api/v1/missions/route";
import * as versions from "./route";
import * as publish from "./[number]/publish/route";
import * as reject from "./[number]/reject/route";
import * as missionRuns from "../runs/route";
import * as runGet from "@/app/api/v1/runs/[id]/route";

// Finding 1 of issue #18, through the public API: a builder saved a version whose approval
// builders decide, started a run and approved their own refund.

type Who = Persona | { key: string };
type ErrorBody = { error: { code: string; message: string; problems: { path: string; message: string }[] } };

function loosened(name: string): MissionGraph {
  const g = refundMission();
  const nodes = g.nodes.map((n): MissionNode => (n.kind === "approval" ? { ...n, data: { ...n.data, approverRole: "builder", separationOfDuties: false } } : n));
  return { ...g, name, nodes };
}

describe.each(testDatabases())("reviewed publishing over REST on $name", (tdb) => {
  let h: Harness;
  let secondBuilder: { key: string };
  const input = { orderId: "1042", email: "dana@example.com", reason: "It broke." };

  beforeAll(async () => {
    setEngineDeps({ send: async () => {} });
    h = await openHarness(tdb);
    const u = await createUser(h.database.db, { email: "builder2@test.local", name: "Second builder", password: "correct-horse-battery", roles: ["builder"] });
    secondBuilder = { key: (await createApiKey(h.database.db, { name: "second builder" }, u.id)).key };
  });
  afterAll(async () => {
    resetEngineDeps();
    await h?.close();
  });

  const headers = (who: Who) => (typeof who === "object" ? new Headers({ "content-type": "application/json", authorization: `Bearer ${who.key}` }) : h.headers(who));
  const call = (handler: (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>, who: Who, path: string, params: Record<string, string>, body?: unknown) =>
    handler(new Request(`http://localhost${path}`, { method: body === undefined ? "GET" : "POST", headers: headers(who), body: body === undefined ? undefined : JSON.stringify(body) }), {
      params: Promise.resolve(params),
    });

  async function runVersionOf(missionId: string): Promise<number | ErrorBody> {
    const res = await call(missionRuns.POST, "builder", `/api/v1/missions/${missionId}/runs`, { id: missionId }, input);
    if (res.status !== 202) return (await res.json()) as ErrorBody;
    const { runId } = (await res.json()) as { runId: string };
    const run = await call(runGet.GET, "viewer", `/api/v1/runs/${runId}`, { id: runId });
    return ((await run.json()) as { versionNumber: number }).versionNumber;
  }

  const publishAs = (who: Who, id: string, number: number, body: unknown = {}) =>
    call(publish.POST, who, `/api/v1/missions/${id}/versions/${number}/publish`, { id, number: String(number) }, body);

  it("a builder's version that lets builders approve waits for an approver; runs keep the published version", async () => {
    const created = await call(missions.POST, "builder", "/api/v1/missions", {}, { ...refundMission(), name: "Refunds over REST" });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    // A new mission that governs something waits for review too: nothing runs yet.
    expect(await runVersionOf(id)).toMatchObject({ error: { message: 'Mission "Refunds over REST" has no published version: version 1 awaits review by an approver or admin' } });
    expect((await publishAs("approver", id, 1)).status).toBe(200);
    expect(await runVersionOf(id)).toBe(1);

    const saved = await call(versions.POST, "builder", `/api/v1/missions/${id}/versions`, { id }, { graph: loosened("Refunds over REST"), message: "builders approve" });
    expect(saved.status).toBe(201);
    const v2 = (await saved.json()) as { id: string; number: number; review: { status: string; changes: string[]; publishedVersion: number } };
    expect(v2.review).toEqual({
      status: "awaiting_review",
      publishedVersion: 1,
      changes: ['Approval "Approve refund": who decides approver → builder', 'Approval "Approve refund": separation of duties on → off'],
    });
    expect(await runVersionOf(id)).toBe(1);

    // Naming the version does not get round it.
    const trpc = createCaller(await createContext({ headers: h.headers("builder"), database: h.database }));
    const byId = await trpc.runs.start({ missionId: id, versionId: v2.id, input }).catch((e: unknown) => e);
    expect(byId).toBeInstanceOf(TRPCError);
    expect((byId as TRPCError).code).toBe("BAD_REQUEST");
    expect((byId as TRPCError).message).toMatch(/^Version 2 of mission "Refunds over REST" cannot run: it awaits review by an approver or admin/);

    const own = await publishAs("builder", id, 2);
    expect(own.status).toBe(403);
    expect(((await own.json()) as ErrorBody).error.message).toBe("You saved it: an approver or admin other than its author must publish version 2");
    const other = await publishAs(secondBuilder, id, 2);
    expect(other.status).toBe(403);
    expect(((await other.json()) as ErrorBody).error.message).toBe("Version 2 changes governance: an approver or admin must publish it");
    expect((await publishAs("viewer", id, 2)).status).toBe(403);

    const listed = await call(versions.GET, "viewer", `/api/v1/missions/${id}/versions`, { id });
    const list = (await listed.json()) as { publishedVersion: number; versions: { number: number; published: boolean; review: { status: string } }[] };
    expect(list.publishedVersion).toBe(1);
    expect(list.versions.map((v) => [v.number, v.review.status, v.published])).toEqual([
      [2, "awaiting_review", false],
      [1, "published", true],
    ]);

    const ok = await publishAs("approver", id, 2, { note: "Builders may decide these." });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ missionId: id, number: 2, status: "published", publishedVersion: 2 });
    expect(await runVersionOf(id)).toBe(2);
  });

  it("refuses the author who is also an approver, and a viewer", async () => {
    const u = await createUser(h.database.db, { email: "both@test.local", name: "Both", password: "correct-horse-battery", roles: ["builder", "approver"] });
    const both = { key: (await createApiKey(h.database.db, { name: "both" }, u.id)).key };
    const created = await call(missions.POST, both, "/api/v1/missions", {}, { ...refundMission(), name: "Self review" });
    const id = ((await created.json()) as { id: string }).id;
    const own = await publishAs(both, id, 1);
    expect(own.status).toBe(403);
    expect(((await own.json()) as ErrorBody).error.message).toMatch(/^You saved it/);
    expect((await publishAs("admin", id, 1)).status).toBe(200);
  });

  it("publishes a Worker-instructions-only change on save", async () => {
    const created = await call(missions.POST, "builder", "/api/v1/missions", {}, { ...refundMission(), name: "Wording over REST" });
    const id = ((await created.json()) as { id: string }).id;
    await publishAs("approver", id, 1);
    const g = refundMission();
    const graph = { ...g, name: "Wording over REST", nodes: g.nodes.map((n): MissionNode => (n.kind === "worker" ? { ...n, data: { ...n.data, instructions: "Be brief." } } : n)) };
    const saved = await call(versions.POST, "builder", `/api/v1/missions/${id}/versions`, { id }, { graph });
    expect(((await saved.json()) as { review: unknown }).review).toEqual({ status: "published", changes: [], publishedVersion: 2 });
    expect(await runVersionOf(id)).toBe(2);
  });

  it("rejects with a reason, and answers bad input naming the field", async () => {
    const created = await call(missions.POST, "builder", "/api/v1/missions", {}, { ...refundMission(), name: "Rejected over REST" });
    const id = ((await created.json()) as { id: string }).id;
    const rejectAs = (who: Who, number: string, body?: unknown) =>
      reject.POST(
        new Request(`http://localhost/api/v1/missions/${id}/versions/${number}/reject`, { method: "POST", headers: headers(who), body: body === undefined ? undefined : JSON.stringify(body) }),
        { params: Promise.resolve({ id, number }) },
      );
    const noReason = await rejectAs("approver", "1");
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as ErrorBody).error.problems[0]?.path).toBe("note");
    const badNumber = await rejectAs("approver", "one", { note: "x" });
    expect(badNumber.status).toBe(400);
    expect(((await badNumber.json()) as ErrorBody).error.problems[0]?.path).toBe("number");
    expect((await rejectAs("builder", "1", { note: "x" })).status).toBe(403);
    expect((await rejectAs("approver", "9", { note: "x" })).status).toBe(404);
    const rejected = await rejectAs("approver", "1", { note: "Who asked for this?" });
    expect(rejected.status).toBe(200);
    const again = await publishAs("admin", id, 1);
    expect(again.status).toBe(409);
    expect(((await again.json()) as ErrorBody).error.message).toMatch(/^Version 1 was rejected by approver: Who asked for this\?/);
    expect(await runVersionOf(id)).toMatchObject({ error: { message: /version 1 was rejected/ } });
  });
});
