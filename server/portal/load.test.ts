import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { seedMission, testEngine } from "@/server/engine/testing/harness";
import { handleStatus, handleSubmission } from "./http";
import type { PortalStatusView } from "./status";
import { instantPortal } from "./testing";

const CONCURRENT = 50;

function post(slug: string, body: unknown, address: string, type = "application/json"): Request {
  return new Request(`http://127.0.0.1/api/v1/portal/${slug}/submissions`, {
    method: "POST",
    headers: { "content-type": type, "x-forwarded-for": `10.9.9.9, ${address}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/**
 * Load: 50 customers submit at the same moment through the HTTP handler the route uses, with the
 * real engine running the missions. Every one gets a run and a status page; nothing answers 5xx.
 */
describe.each(testDatabases())("portal under load on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;

  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database);
    await engine.executor.start();
    await seedMission(database, instantPortal("instant"));
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  it(`takes ${CONCURRENT} submissions at once: ${CONCURRENT} runs, ${CONCURRENT} status pages, no 5xx`, async () => {
    const deps = { database, trustProxy: true, send: engine.send };
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => handleSubmission(post("instant", { orderId: String(5000 + i), email: `c${i}@example.com` }, `203.0.113.${i + 1}`), "instant", deps)),
    );
    const elapsed = Date.now() - started;
    expect(responses.map((r) => r.status)).toEqual(Array(CONCURRENT).fill(201));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { reference: string; statusUrl: string }[];
    expect(new Set(bodies.map((b) => b.statusUrl)).size).toBe(CONCURRENT);
    for (const b of bodies) expect(Object.keys(b).sort()).toEqual(["reference", "statusUrl"]);

    const [runs] = await database.rows<{ n: number }>(sql`select count(*)::int as n from run where channel = 'portal'`);
    expect(Number(runs?.n)).toBe(CONCURRENT);

    const tokens = bodies.map((b) => b.statusUrl.split("/").at(-1)!);
    const pages = await Promise.all(tokens.map((t) => handleStatus("instant", t, { database })));
    expect(pages.map((p) => p.status)).toEqual(Array(CONCURRENT).fill(200));

    // The engine decides every one of them.
    const deadline = Date.now() + 60_000;
    let views: PortalStatusView[] = [];
    while (Date.now() < deadline) {
      views = (await Promise.all(tokens.map(async (t) => (await handleStatus("instant", t, { database })).json()))) as PortalStatusView[];
      if (views.every((v) => v.stage === "decided")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(views.map((v) => v.decision?.outcome)).toEqual(Array(CONCURRENT).fill("approved"));
    expect(new Set(views.map((v) => v.reference))).toEqual(new Set(bodies.map((b) => b.reference)));
    console.log(`[portal load] ${CONCURRENT} concurrent submissions accepted in ${elapsed} ms on ${tdb.name}`);
  }, 120_000);

  it("answers bad requests with 4xx, never 5xx", async () => {
    const deps = { database, trustProxy: true, send: engine.send };
    const cases: [Request, string, number][] = [
      [post("instant", { orderId: "1" }, "198.51.100.1"), "instant", 400],
      [post("instant", { orderId: "1", email: "x" }, "198.51.100.1"), "instant", 400],
      [post("instant", "{ nope", "198.51.100.1"), "instant", 400],
      [post("instant", "[1,2]", "198.51.100.1"), "instant", 400],
      [post("instant", "orderId=1&email=a%40example.com", "198.51.100.1", "application/x-www-form-urlencoded"), "instant", 201],
      [post("instant", "<xml/>", "198.51.100.1", "text/xml"), "instant", 415],
      [post("instant", { orderId: "1", email: "a@example.com", pad: "x".repeat(70_000) }, "198.51.100.1"), "instant", 413],
      [post("nowhere", { orderId: "1", email: "a@example.com" }, "198.51.100.1"), "nowhere", 404],
      [post("Bad Slug", { orderId: "1", email: "a@example.com" }, "198.51.100.1"), "Bad Slug", 404],
    ];
    for (const [req, slug, status] of cases) expect({ slug, status: (await handleSubmission(req, slug, deps)).status }).toEqual({ slug, status });
    const problems = (await (await handleSubmission(post("instant", { email: "nope" }, "198.51.100.2"), "instant", deps)).json()) as { problems: unknown };
    expect(problems.problems).toEqual([
      { field: "orderId", message: "Order number is required." },
      { field: "email", message: "Enter an email address like name@example.com." },
    ]);
    expect((await handleStatus("instant", "not-a-token", { database })).status).toBe(404);
  });

  it("answers 429 with Retry-After once one address has sent its share", async () => {
    const deps = { database, trustProxy: true, send: engine.send };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await handleSubmission(post("instant", { orderId: String(i), email: "r@example.com" }, "192.0.2.200"), "instant", deps)).status);
    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    const limited = await handleSubmission(post("instant", { orderId: "x", email: "r@example.com" }, "192.0.2.200"), "instant", deps);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Without a trusted proxy the forwarded address is not believed: the socket's counts.
    const untrusted = await handleSubmission(post("instant", { orderId: "y", email: "r@example.com" }, "192.0.2.201"), "instant", { ...deps, trustProxy: false });
    expect(untrusted.status).toBe(201);
  });
});
