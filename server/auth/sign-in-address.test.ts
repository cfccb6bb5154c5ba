import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { HARNESS_PASSWORD } from "@/test/session";
import { env } from "@/server/env";
import { installPeerAddressStamp } from "@/server/portal/client-address";
import { getAuth } from "./auth";

// Finding 3 of issue #18: sign-in rate limiting trusted `X-Forwarded-For` with STEWARD_TRUST_PROXY
// off (Next.js keeps a header the client sent and fills it in from the socket only when it is
// absent), so every guess with a new made-up address got a fresh allowance, and the made-up
// address was what the session and the audit recorded.

/** A Node server that stamps requests, as the app's server does (server/boot), handing them to better-auth as Next.js hands them to app/api/auth/[...all]. */
async function stampedAuthServer(): Promise<{ base: string; close: () => Promise<void> }> {
  installPeerAddressStamp();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    const answer = await (await getAuth()).handler(new Request(`http://localhost:3000${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }));
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function signIn(base: string, password: string, forwardedFor: string) {
  return fetch(`${base}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ email: "viewer@test.local", password }),
  });
}

describe.each(testDatabases())("the sign-in client address on $name", (tdb) => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof stampedAuthServer>>;
  beforeAll(async () => {
    h = await openHarness(tdb);
    server = await stampedAuthServer();
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  it("records the socket's address, not the one the client claims, in the session and the audit", async () => {
    expect((await signIn(server.base, HARNESS_PASSWORD, "203.0.113.66")).status).toBe(200);
    const [session] = await h.database.rows<{ ip_address: string }>(sql`select s.ip_address from session s join "user" u on u.id = s.user_id where u.email = 'viewer@test.local'`);
    expect(session?.ip_address).toBe("127.0.0.1");
    const [audit] = await h.database.rows<{ data: { ipAddress: string } }>(sql`select data from audit_log where action = 'auth.sign_in' order by id desc limit 1`);
    expect(audit?.data.ipAddress).toBe("127.0.0.1");
  });
});

// better-auth keeps its counts in memory for the whole process, so this runs once, after the
// sign-ins above (which count too), on one database.
describe("the sign-in rate limit", () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof stampedAuthServer>>;
  beforeAll(async () => {
    h = await openHarness(testDatabases()[0]!);
    server = await stampedAuthServer();
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  it("counts every guess from one socket against one limit, whatever address each claims", async () => {
    const limit = env().STEWARD_SIGNIN_RATE_LIMIT;
    const statuses: number[] = [];
    for (let i = 1; i <= limit && !statuses.includes(429); i++) statuses.push((await signIn(server.base, "wrong-password-here", `198.51.100.${i}`)).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    // Yet another made-up address gets no fresh allowance.
    expect((await signIn(server.base, HARNESS_PASSWORD, "192.0.2.99")).status).toBe(429);
  });
});
