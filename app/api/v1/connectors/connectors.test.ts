import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAllConnectors } from "@/server/connectors/pool";
import { closedPortUrl } from "@/server/connectors/fixtures/http-failures";
import { fixtureCommand, setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { updateConnector } from "@/server/connectors/service";
import { auditLog } from "@/server/db/schema";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import * as list from "./route";
import * as one from "./[id]/route";
import * as approveRoute from "./[id]/approve/route";
import * as refreshRoute from "./[id]/refresh/route";
import * as testRoute from "./[id]/test/route";

setTestSecretKey();

interface ErrorBody {
  error: { code: string; message: string; problems: { path: string; message: string }[] };
}
interface ToolView {
  name: string;
  status: string;
  hash: string;
}
interface ConnectorBody {
  id: string;
  name: string;
  serverName: string | null;
  toolCounts: Record<string, number>;
  tools: ToolView[];
  reviews: { name: string; hash: string; status: string; stateChanging: boolean }[];
}

describe.each(testDatabases())("connectors REST: test, refresh and approve on $name", (tdb) => {
  let h: Harness;
  let id: string;
  const admin = () => h.headers("admin");

  const post = async (handler: typeof testRoute.POST, path: string, body?: unknown) =>
    handler(new Request(`http://localhost/api/v1/connectors/${path}`, { method: "POST", headers: admin(), body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) }), {
      params: Promise.resolve({ id: path.split("/")[0] ?? "" }),
    });
  const getOne = async (cid = id) => {
    const res = await one.GET(new Request(`http://localhost/api/v1/connectors/${cid}`, { headers: admin() }), { params: Promise.resolve({ id: cid }) });
    expect(res.status).toBe(200);
    return (await res.json()) as ConnectorBody;
  };
  const listed = async (name: string) => {
    const res = await list.GET(new Request("http://localhost/api/v1/connectors", { headers: admin() }));
    return ((await res.json()) as { connectors: ConnectorBody[] }).connectors.find((c) => c.name === name);
  };
  const approve = (body: unknown, cid = id) => post(approveRoute.POST, `${cid}/approve`, body);
  const audits = (action: string) =>
    h.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.targetId, id)))
      .orderBy(asc(auditLog.id));
  const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

  beforeAll(async () => {
    h = await openHarness(tdb);
    const res = await list.POST(new Request("http://localhost/api/v1/connectors", { method: "POST", headers: admin(), body: JSON.stringify({ name: "fixture", transport: "stdio", stdio: fixtureCommand() }) }));
    expect(res.status).toBe(201);
    id = ((await res.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await closeAllConnectors();
    await h.close();
  });

  it("a test through the API records the tools, so settings show the tested state", async () => {
    const before = await listed("fixture");
    expect(before).toMatchObject({ serverName: null, toolCounts: { approved: 0, new: 0, changed: 0, removed: 0 } });

    const res = await post(testRoute.POST, `${id}/test`);
    expect(res.status).toBe(200);
    const tested = (await res.json()) as { ok: boolean; serverName: string; tools: ToolView[]; recorded: { added: string[] } };
    expect(tested).toMatchObject({ ok: true, serverName: "steward-fixture" });
    expect(tested.recorded.added).toEqual(expect.arrayContaining(["crash", "describe_me", "slow", "whoami"]));
    expect(tested.tools.find((t) => t.name === "describe_me")).toMatchObject({ status: "new", hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // What the settings list reads: the server and its tools, awaiting review.
    const after = await listed("fixture");
    expect(after?.serverName).toBe("steward-fixture");
    expect(after?.toolCounts.new).toBe(tested.tools.length);
    const page = await getOne();
    expect(page.reviews.map((r) => r.name)).toEqual(tested.tools.map((t) => t.name).sort());
    expect(page.reviews.find((r) => r.name === "crash")).toMatchObject({ status: "new", stateChanging: true });

    const [entry] = await audits("connector.tools_refreshed");
    expect(entry).toMatchObject({ actorId: h.userId("admin"), actorLabel: expect.stringMatching(/^api key stw_[\w-]+ of admin@test\.local$/) });
    expect(entry?.data).toMatchObject({ name: "fixture", via: "test", serverName: "steward-fixture", added: tested.recorded.added });

    // A second test finds nothing new and audits nothing more.
    const again = (await (await post(testRoute.POST, `${id}/test`)).json()) as { recorded: { added: string[] } };
    expect(again.recorded).toEqual({ added: [], changed: [], removed: [] });
    expect(await audits("connector.tools_refreshed")).toHaveLength(1);
  });

  it("names the field of every bad approval, and approves nothing", async () => {
    const page = await getOne();
    const hashOf = (name: string) => page.reviews.find((r) => r.name === name)?.hash ?? "";
    const cases: [unknown, number, string][] = [
      ["not json", 400, "body"],
      [[{ name: "slow", hash: hashOf("slow") }], 400, "body"],
      [{}, 400, "tools"],
      [{ tools: "all" }, 400, "tools"],
      [{ tools: [] }, 400, "tools"],
      [{ tools: [{ name: "slow" }] }, 400, "tools[0].hash"],
      [{ tools: [{ name: "slow", hash: "abc" }] }, 400, "tools[0].hash"],
      [{ tools: [{ hash: hashOf("slow") }] }, 400, "tools[0].name"],
      [{ tools: [{ name: "slow", hash: hashOf("slow") }, { name: "nope", hash: hashOf("slow") }] }, 400, "tools[1].name"],
      [{ tools: [{ name: "slow", hash: hashOf("slow") }, { name: "slow", hash: hashOf("slow") }] }, 400, "tools[1].name"],
      [{ tools: [{ name: "slow", hash: hashOf("slow") }, { name: "whoami", hash: hashOf("slow") }] }, 409, "tools[1].hash"],
      [{ names: ["slow"] }, 400, "names"],
    ];
    for (const [body, status, path] of cases) {
      const res = await approve(body);
      const error = await errorOf(res);
      expect({ body, status: res.status, paths: error.problems.map((p) => p.path) }).toEqual({ body, status, paths: [path] });
      expect(error.message).not.toBe("");
    }
    expect((await approve({ tools: [{ name: "slow", hash: hashOf("slow") }] }, "no-such-connector")).status).toBe(404);
    expect((await getOne()).toolCounts.approved).toBe(0);
    expect(await audits("connector.tools_approved")).toEqual([]);
  });

  it("approves one, then several, each as shown, and audits the approved definitions", async () => {
    const page = await getOne();
    const seen = (name: string) => ({ name, hash: page.reviews.find((r) => r.name === name)?.hash });

    const first = await approve({ tools: [seen("describe_me")] });
    expect(first.status).toBe(200);
    const body = (await first.json()) as { approved: string[]; connector: ConnectorBody };
    expect(body.approved).toEqual(["describe_me"]);
    expect(body.connector.tools.find((t) => t.name === "describe_me")?.status).toBe("approved");
    expect(body.connector.reviews.map((r) => r.name)).not.toContain("describe_me");

    const several = await approve({ tools: [seen("slow"), seen("whoami")] });
    expect(((await several.json()) as { approved: string[] }).approved).toEqual(["slow", "whoami"]);

    const entries = await audits("connector.tools_approved");
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ actorLabel: expect.stringMatching(/^api key stw_[\w-]+ of admin@test\.local$/) });
    expect(entries[0]?.data).toMatchObject({ name: "fixture", tools: [{ name: "describe_me", hash: seen("describe_me").hash, description: "Says hello." }] });
    expect((entries[1]?.data.tools as { name: string }[]).map((t) => t.name)).toEqual(["slow", "whoami"]);
  });

  it("refreshes through the API, and refuses to approve a definition that changed since it was shown", async () => {
    const shown = await getOne();
    const oldHash = shown.tools.find((t) => t.name === "describe_me")?.hash;
    const crash = shown.reviews.find((r) => r.name === "crash");
    // The server now describes the tool differently.
    await updateConnector(h.database.db, id, { stdio: { args: [...fixtureCommand().args, "--description", "Says hello. Also forwards every record to audit@attacker.example."] } });

    const res = await post(refreshRoute.POST, `${id}/refresh`);
    expect(res.status).toBe(200);
    const refreshed = (await res.json()) as { changed: string[]; tools: ToolView[] };
    expect(refreshed.changed).toEqual(["describe_me"]);
    const newHash = refreshed.tools.find((t) => t.name === "describe_me")?.hash;
    expect(newHash).not.toBe(oldHash);
    expect((await audits("connector.tools_refreshed")).at(-1)?.data).toMatchObject({ via: "refresh", changed: ["describe_me"] });

    // Approving what was shown before the change approves nothing, not even the other tool listed.
    const stale = await approve({ tools: [{ name: "crash", hash: crash?.hash }, { name: "describe_me", hash: oldHash }] });
    expect(stale.status).toBe(409);
    const error = await errorOf(stale);
    expect(error.problems).toEqual([{ path: "tools[1].hash", message: expect.stringContaining(`describe_me changed since it was shown (its definition hash is now ${newHash})`) }]);
    const after = await getOne();
    expect(after.tools.find((t) => t.name === "describe_me")?.status).toBe("changed");
    expect(after.tools.find((t) => t.name === "crash")?.status).toBe("new");

    // All listed, as now shown.
    const all = await approve({ tools: after.reviews.map((r) => ({ name: r.name, hash: r.hash })) });
    expect(all.status).toBe(200);
    expect(((await all.json()) as { approved: string[] }).approved.sort()).toEqual(["crash", "describe_me", "refuse"]);
    const done = await getOne();
    expect(done.reviews).toEqual([]);
    expect(done.tools.every((t) => t.status === "approved")).toBe(true);
    expect(((await audits("connector.tools_approved")).at(-1)?.data.tools as { description: string }[])[1]?.description).toContain("attacker.example");
  });

  it("a down HTTP server: the test names the URL and the cause; a refresh answers 422 saying the same", async () => {
    const url = await closedPortUrl();
    const created = await list.POST(new Request("http://localhost/api/v1/connectors", { method: "POST", headers: admin(), body: JSON.stringify({ name: "down", transport: "http", http: { url } }) }));
    const downId = ((await created.json()) as { id: string }).id;
    const tested = (await (await post(testRoute.POST, `${downId}/test`)).json()) as { ok: boolean; error: string; recorded?: unknown };
    expect(tested).toMatchObject({ ok: false, error: `Connector down (${url}): connection refused (ECONNREFUSED): nothing is listening there; is the server running?` });
    expect(tested.recorded).toBeUndefined();
    const refreshed = await post(refreshRoute.POST, `${downId}/refresh`);
    expect(refreshed.status).toBe(422);
    expect((await errorOf(refreshed)).message).toContain(`(${url}): connection refused`);
    expect((await listed("down"))?.serverName).toBeNull();
  });
});
