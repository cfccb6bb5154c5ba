import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { testDatabases } from "@/test/databases";
import type { Persona } from "@/test/app-harness";
import { approvalMission as graph, openDecisionHarness, type DecisionHarness } from "@/test/decision-harness";
import { createContext, publicProcedure, router } from "@/server/api/trpc";
import * as missions from "@/app/api/v1/missions/route";
import * as missionOne from "@/app/api/v1/missions/[id]/route";
import * as versions from "@/app/api/v1/missions/[id]/versions/route";
import * as runs from "@/app/api/v1/missions/[id]/runs/route";
import * as decisionList from "@/app/api/v1/decisions/route";
import * as decision from "@/app/api/v1/decisions/[id]/route";
import * as trpc from "@/app/api/trpc/[trpc]/route";

// Finding 7 of issue #18: a NUL character or a lone surrogate in any text input gave a 500
// (PostgreSQL refuses both in text and jsonb). Every entry point answers 400 naming the field.

interface ErrorBody {
  error: { code: string; message: string; problems: { path: string; message: string }[] };
}
interface TrpcError {
  error: { message: string; data: { httpStatus: number; problems: { path: string; message: string }[] } };
}

// JSON.stringify writes a lone surrogate as the escape `\udc00`: what a hostile client sends.
const NUL = "a\u0000b";
const LONE = "a\udc00b";

describe.each(testDatabases())("text PostgreSQL cannot store, on $name", (tdb) => {
  let h: DecisionHarness;
  let missionId: string;

  beforeAll(async () => {
    h = await openDecisionHarness(tdb);
    missionId = h.missionId;
  });
  afterAll(() => h?.close());

  const at = (path: string, p: Persona, body?: unknown, method = body === undefined ? "GET" : "POST") =>
    new Request(`http://localhost${path}`, { method, headers: h.headers(p), body: body === undefined ? undefined : JSON.stringify(body) });
  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  async function expect400(res: Response, path: string, message: RegExp) {
    const body = (await res.json()) as ErrorBody;
    expect({ status: res.status, problems: body.error.problems }).toEqual({ status: 400, problems: [{ path, message: expect.stringMatching(message) }] });
  }

  it("REST: a mission import, a run input and a new version name the bad string", async () => {
    const doc = structuredClone(graph);
    doc.nodes[1]!.data.label = NUL;
    await expect400(await missions.POST(at("/api/v1/missions", "builder", doc)), "nodes[1].data.label", /NUL character/);
    await expect400(await runs.POST(at(`/api/v1/missions/${missionId}/runs`, "builder", { orderId: LONE }), params(missionId)), "orderId", /unpaired UTF-16 surrogate/);
    await expect400(await versions.POST(at(`/api/v1/missions/${missionId}/versions`, "builder", { graph, message: NUL }), params(missionId)), "message", /NUL/);
    // A key can carry it too.
    await expect400(await runs.POST(at(`/api/v1/missions/${missionId}/runs`, "builder", { [NUL]: "x" }), params(missionId)), "body", /has a key that contains a NUL/);
    const [row] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`);
    expect(Number(row?.n)).toBe(0);
  });

  it("REST: path parameters and the query string", async () => {
    await expect400(await missionOne.GET(at("/api/v1/missions/x", "viewer"), params(NUL)), "id", /NUL/);
    await expect400(await decisionList.GET(at(`/api/v1/decisions?missionId=${encodeURIComponent(NUL)}`, "viewer")), "query.missionId", /NUL/);
  });

  it("REST: deep nesting is refused before anything walks it", async () => {
    const deep = `{"graph":${"[".repeat(100_000)}"end"${"]".repeat(100_000)}}`;
    const req = new Request(`http://localhost/api/v1/missions/${missionId}/versions`, { method: "POST", headers: h.headers("builder"), body: deep });
    const res = await versions.POST(req, params(missionId));
    await expect400(res, `graph${"[0]".repeat(63)}`, /nested more than 64 levels/);
  });

  it("REST and tRPC: decision values and reasons; the decision stays pending", async () => {
    const decisionId = await h.pendingDecision();
    await expect400(await decision.POST(at(`/api/v1/decisions/${decisionId}`, "approver", { approve: true, values: { note: LONE } }), params(decisionId)), "values.note", /surrogate/);
    await expect400(await decision.POST(at(`/api/v1/decisions/${decisionId}`, "approver", { approve: false, reason: NUL }), params(decisionId)), "reason", /NUL/);
    const rpc = await trpc.POST(at("/api/trpc/decisions.decide", "approver", { decisionId, approve: false, reason: NUL }));
    expect(rpc.status).toBe(400);
    expect(((await rpc.json()) as TrpcError).error.data.problems).toEqual([{ path: "reason", message: expect.stringMatching(/NUL/) }]);
    const [row] = await h.database.rows<{ status: string }>(sql`select status from decision where id = ${decisionId}`);
    expect(row?.status).toBe("pending");
  });

  it("tRPC: any procedure's input, and a mission document inside a string", async () => {
    const create = await trpc.POST(at("/api/trpc/missions.create", "builder", { name: NUL }));
    expect(create.status).toBe(400);
    expect(((await create.json()) as TrpcError).error.data.problems).toEqual([{ path: "name", message: expect.stringMatching(/NUL/) }]);
    const get = await trpc.GET(at(`/api/trpc/missions.get?input=${encodeURIComponent(JSON.stringify({ id: LONE }))}`, "viewer"));
    expect(get.status).toBe(400);
    const doc = structuredClone(graph);
    doc.nodes[0]!.data.label = NUL;
    const imported = await trpc.POST(at("/api/trpc/missions.import", "builder", { document: JSON.stringify(doc) }));
    expect(imported.status).toBe(400);
    expect(((await imported.json()) as TrpcError).error.data.problems).toEqual([{ path: "document.nodes[0].data.label", message: expect.stringMatching(/NUL/) }]);
  });

  it("tRPC: an unexpected error's message (which can quote SQL) stays in the log", async () => {
    const failing = router({ boom: publicProcedure.query(() => Promise.reject(new Error('select "secret" from "user" where id = $1'))) });
    const res = await fetchRequestHandler({ endpoint: "/api/trpc", req: at("/api/trpc/boom", "viewer"), router: failing, createContext: () => createContext({ headers: new Headers() }) });
    expect(res.status).toBe(500);
    const body = (await res.json()) as TrpcError;
    expect(body.error.message).toBe("Something went wrong on our side. The error was logged.");
    expect(JSON.stringify(body)).not.toContain("secret");
  });
});
