import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openDecisionHarness, type DecisionHarness } from "@/test/decision-harness";
import { sessionCookie } from "@/test/session";
import { appUrl } from "@/server/env";
import * as missions from "@/app/api/v1/missions/route";
import * as decision from "@/app/api/v1/decisions/[id]/route";
import * as trpc from "@/app/api/trpc/[trpc]/route";

// Finding 4 of issue #18: with an approver's session cookie, a `text/plain` POST from another site
// approved a decision, and a self-submitting form on another port of the same host created a
// mission. Cookies are for browsers: a state-changing request signed in by cookie must come from
// the app's own origin and send application/json. API keys are not affected.

interface ErrorBody {
  error: { code: string; message: string; problems: { path: string; message: string }[] };
}

describe.each(testDatabases())("session cookies on REST and tRPC on $name", (tdb) => {
  let h: DecisionHarness;
  let approver: string;
  let builder: string;
  const app = () => new URL(appUrl()).origin;

  beforeAll(async () => {
    h = await openDecisionHarness(tdb);
    approver = await sessionCookie("approver@test.local");
    builder = await sessionCookie("builder@test.local");
  });
  afterAll(() => h?.close());

  function request(path: string, opts: { cookie?: string; key?: "builder"; origin?: string; type?: string; site?: string; body: string }): Request {
    const headers = new Headers();
    if (opts.cookie) headers.set("cookie", opts.cookie);
    if (opts.key) headers.set("authorization", h.headers(opts.key).get("authorization")!);
    if (opts.origin) headers.set("origin", opts.origin);
    if (opts.type) headers.set("content-type", opts.type);
    if (opts.site) headers.set("sec-fetch-site", opts.site);
    return new Request(`${app()}${path}`, { method: "POST", headers, body: opts.body });
  }
  const createMissionAs = (opts: Omit<Parameters<typeof request>[1], "body">, name: string) =>
    missions.POST(request("/api/v1/missions", { ...opts, body: JSON.stringify({ name }) }));
  const missionsNamed = async (name: string) => Number((await h.database.rows<{ n: number }>(sql`select count(*)::int as n from mission where name = ${name}`))[0]?.n);

  it("refuses a text/plain vote from another site carrying an approver's cookie; the decision stays pending", async () => {
    const decisionId = await h.pendingDecision();
    const vote = (opts: Omit<Parameters<typeof request>[1], "body">) =>
      decision.POST(request(`/api/v1/decisions/${decisionId}`, { ...opts, body: JSON.stringify({ approve: true, reason: "ok" }) }), { params: Promise.resolve({ id: decisionId }) });

    const forged = await vote({ cookie: approver, origin: "http://evil.example", type: "text/plain" });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as ErrorBody).error.problems).toEqual([{ path: "headers.origin", message: expect.stringContaining("http://evil.example is not this app's origin") }]);
    const [row] = await h.database.rows<{ status: string }>(sql`select status from decision where id = ${decisionId}`);
    expect(row?.status).toBe("pending");

    // The app's own page, sending JSON, decides with the same cookie.
    const own = await vote({ cookie: approver, origin: app(), type: "application/json" });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { status: string }).status).toBe("approved");
  });

  it("refuses a self-submitting form on another port of the same host, and anything but JSON", async () => {
    const otherPort = `http://localhost:${Number(new URL(app()).port || 80) + 1}`;
    const form = await missions.POST(request("/api/v1/missions", { cookie: builder, origin: otherPort, type: "application/x-www-form-urlencoded", body: '{"name":"csrf form","x":"=1"}' }));
    expect(form.status).toBe(403);
    expect(await missionsNamed("csrf form")).toBe(0);

    const plain = await createMissionAs({ cookie: builder, origin: app(), type: "text/plain" }, "csrf plain");
    expect(plain.status).toBe(415);
    expect(((await plain.json()) as ErrorBody).error.problems).toEqual([{ path: "headers.content-type", message: "is text/plain; send application/json" }]);
    // No Origin, but the browser's fetch metadata says it came from another site.
    const sameSite = await createMissionAs({ cookie: builder, site: "same-site", type: "application/json" }, "csrf same-site");
    expect(sameSite.status).toBe(403);
    expect(((await sameSite.json()) as ErrorBody).error.problems[0]?.path).toBe("headers.sec-fetch-site");
    expect(await missionsNamed("csrf plain")).toBe(0);
    expect(await missionsNamed("csrf same-site")).toBe(0);

    // From the app itself; from its pages reached through a proxy that keeps the Host; from a
    // script holding the cookie (no browser headers at all); with an API key from anywhere.
    expect((await createMissionAs({ cookie: builder, origin: app(), site: "same-origin", type: "application/json" }, "own page")).status).toBe(201);
    const proxied = request("/api/v1/missions", { cookie: builder, origin: "http://127.0.0.1:9999", type: "application/json", body: JSON.stringify({ name: "through a proxy" }) });
    proxied.headers.set("host", "127.0.0.1:9999");
    expect((await missions.POST(proxied)).status).toBe(201);
    expect((await createMissionAs({ cookie: builder, type: "application/json; charset=utf-8" }, "script")).status).toBe(201);
    expect((await createMissionAs({ key: "builder", origin: "http://evil.example", type: "text/plain" }, "api key")).status).toBe(201);
  });

  it("applies the same rule to tRPC mutations; queries are reads and stay open", async () => {
    const mutate = (opts: Omit<Parameters<typeof request>[1], "body"> & { body?: string }) =>
      trpc.POST(request("/api/trpc/missions.create", { body: JSON.stringify({ name: "trpc csrf" }), ...opts }));
    const forged = await mutate({ cookie: builder, origin: "http://evil.example", type: "application/json" });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { data: { problems: { path: string }[] } } }).error.data.problems[0]?.path).toBe("headers.origin");
    // A cross-site multipart form is a "simple" request (no preflight) that tRPC would parse.
    const multipart = new FormData();
    multipart.set("name", "trpc csrf");
    const formReq = new Request(`${app()}/api/trpc/missions.create`, { method: "POST", headers: { cookie: builder, origin: "http://localhost:1" }, body: multipart });
    expect((await trpc.POST(formReq)).status).toBe(403);
    expect(await missionsNamed("trpc csrf")).toBe(0);

    expect((await mutate({ cookie: builder, origin: app(), type: "application/json" })).status).toBe(200);
    const read = await trpc.GET(new Request(`${app()}/api/trpc/missions.list`, { headers: { cookie: builder, origin: "http://evil.example" } }));
    expect(read.status).toBe(200);
  });
});
