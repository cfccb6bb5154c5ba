import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptJson } from "@/server/crypto/secrets";
import { ConnectorError } from "./errors";
import { ConnectorPool, type ConnectorSpec } from "./pool";
import { closedPortUrl, startFailingServer, type TestHttpServer } from "./fixtures/http-failures";
import { processAlive, startEverythingHttp, fixtureCommand, setTestSecretKey, waitFor, type RunningServer } from "./fixtures/test-helpers";

setTestSecretKey();

let seq = 0;
function fixtureSpec(over: Partial<ConnectorSpec> = {}, env: Record<string, string> = {}): ConnectorSpec {
  const { command, args } = fixtureCommand();
  seq++;
  return {
    id: `fixture-${seq}`,
    name: `fixture${seq}`,
    transport: "stdio",
    config: { command, args },
    secretEnv: Object.keys(env).length ? encryptJson(env) : null,
    secretHeaders: null,
    timeoutMs: 20_000,
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    return e as ConnectorError;
  }
  throw new Error("expected the call to fail");
}

describe("ConnectorPool over stdio", () => {
  const pool = new ConnectorPool();
  afterAll(() => pool.closeAll());

  it("starts a client on demand, reuses it, passes secret env and the idempotency key", async () => {
    const spec = fixtureSpec({}, { FIXTURE_SECRET: "s3cr3t-value-for-the-server" });
    const first = await pool.callTool(spec, "whoami", {}, { idempotencyKey: "run-1:refund" });
    expect(first.structuredContent).toMatchObject({ idempotencyKey: "run-1:refund", secret: "s3cr3t-value-for-the-server", leakedSecretKey: false });
    const second = await pool.callTool(spec, "whoami", {});
    expect((second.structuredContent as { pid: number }).pid).toBe((first.structuredContent as { pid: number }).pid);
    expect((second.structuredContent as { idempotencyKey: string | null }).idempotencyKey).toBeNull();
  });

  it("restarts a crashed server on the next call", async () => {
    const spec = fixtureSpec();
    const before = (await pool.callTool(spec, "whoami", {})).structuredContent as { pid: number };
    const err = await rejection(pool.callTool(spec, "crash", {}));
    expect(err.code).toBe("transport");
    expect(err.message).toMatch(/closed the connection/);
    await waitFor(() => !processAlive(before.pid));
    const after = (await pool.callTool(spec, "whoami", {})).structuredContent as { pid: number };
    expect(after.pid).not.toBe(before.pid);
    expect(processAlive(after.pid)).toBe(true);
  });

  it("times a slow call out after the connector's timeout and keeps the client usable", async () => {
    const spec = fixtureSpec({ timeoutMs: 400 });
    await pool.callTool(spec, "whoami", {}); // start the process outside the timed call
    const started = Date.now();
    const err = await rejection(pool.callTool(spec, "slow", { ms: 5_000 }));
    expect(err.code).toBe("timeout");
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(new RegExp(`${spec.name}\\.slow did not answer within 400 ms`));
    expect(Date.now() - started).toBeLessThan(3_000);
    const quick = await pool.callTool(spec, "slow", { ms: 10 });
    expect(quick.content).toEqual([{ type: "text", text: JSON.stringify({ sleptMs: 10 }) }]);
  });

  it("cancels a call when its AbortSignal fires", async () => {
    const spec = fixtureSpec();
    await pool.callTool(spec, "whoami", {});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const started = Date.now();
    const err = await rejection(pool.callTool(spec, "slow", { ms: 10_000 }, { signal: ac.signal }));
    expect(err.code).toBe("cancelled");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("returns a server's refusals (tool errors, bad arguments, unknown tools) as error results", async () => {
    const spec = fixtureSpec();
    const refused = await pool.callTool(spec, "refuse", {});
    expect(refused).toMatchObject({ isError: true, content: [{ type: "text", text: "refused on purpose" }] });
    const invalidArgs = await pool.callTool(spec, "slow", { ms: "not a number" });
    expect(invalidArgs.isError).toBe(true);
    expect(JSON.stringify(invalidArgs.content)).toMatch(/ms/);
    const unknown = await pool.callTool(spec, "no_such_tool", {});
    expect(unknown.isError).toBe(true);
    expect(JSON.stringify(unknown.content)).toMatch(/no_such_tool/);
  });

  it("reports a missing command clearly", async () => {
    const spec = fixtureSpec({ config: { command: "/nonexistent/steward-mcp-server", args: [] } });
    const err = await rejection(pool.listTools(spec));
    expect(err.code).toBe("transport");
    expect(err.message).toMatch(/command not found: \/nonexistent\/steward-mcp-server/);
  });

  it("restarts with a new configuration, and closeAll stops the processes", async () => {
    const spec = fixtureSpec({}, { FIXTURE_SECRET: "one" });
    const a = (await pool.callTool(spec, "whoami", {})).structuredContent as { pid: number; secret: string };
    const changed = { ...spec, secretEnv: encryptJson({ FIXTURE_SECRET: "two" }) };
    const b = (await pool.callTool(changed, "whoami", {})).structuredContent as { pid: number; secret: string };
    expect(b.secret).toBe("two");
    expect(b.pid).not.toBe(a.pid);
    await waitFor(() => !processAlive(a.pid));
    await pool.closeAll();
    await waitFor(() => !processAlive(b.pid));
  });
});

describe.each(["streamableHttp", "sse"] as const)("ConnectorPool against server-everything over %s", (mode) => {
  const pool = new ConnectorPool();
  let server: RunningServer;
  beforeAll(async () => {
    server = await startEverythingHttp(mode);
  });
  afterAll(async () => {
    await pool.closeAll();
    await server?.stop();
  });

  const spec = (): ConnectorSpec => ({
    id: `everything-${mode}`,
    name: "everything",
    transport: mode === "sse" ? "sse" : "http",
    config: { url: server.url },
    secretEnv: null,
    secretHeaders: encryptJson({ Authorization: "Bearer test-token-not-checked-by-this-server" }),
    timeoutMs: 20_000,
  });

  it("lists tools with their annotations and calls one", async () => {
    const { tools, server: info } = await pool.listTools(spec());
    expect(info.name).toBe("mcp-servers/everything");
    const echo = tools.find((t) => t.name === "echo");
    expect(echo?.annotations).toEqual({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
    const toggle = tools.find((t) => t.name === "toggle-simulated-logging");
    expect(toggle?.annotations?.readOnlyHint).toBe(false);
    const res = await pool.callTool(spec(), "echo", { message: "over the wire" });
    expect(res.content).toEqual([{ type: "text", text: "Echo: over the wire" }]);
  });

  it("reconnects after the server went away and came back", async () => {
    await pool.callTool(spec(), "get-sum", { a: 1, b: 2 });
    await server.stop();
    const err = await rejection(pool.callTool(spec(), "get-sum", { a: 1, b: 2 }));
    expect(err.code).toBe("transport");
    const port = new URL(server.url).port;
    // A new server on another port stands in for a restarted one: the edited URL is picked up.
    server = await startEverythingHttp(mode);
    expect(new URL(server.url).port).not.toBe(port);
    const res = await pool.callTool(spec(), "get-sum", { a: 2, b: 3 });
    expect(res.content).toEqual([{ type: "text", text: "The sum of 2 and 3 is 5." }]);
  });
});

describe("ConnectorPool against an unreachable URL", () => {
  it("fails with a transport error", async () => {
    const pool = new ConnectorPool();
    const err = await rejection(
      pool.listTools({ id: "nowhere", name: "nowhere", transport: "http", config: { url: "http://127.0.0.1:9/mcp" }, secretEnv: null, secretHeaders: null, timeoutMs: 5_000 }),
    );
    expect(err.code).toBe("transport");
    expect(err.message).toBe("Connector nowhere (http://127.0.0.1:9/mcp): the port is one HTTP clients refuse to use (bad port): use another port");
    await pool.closeAll();
  });
});

describe.each(["http", "sse"] as const)("ConnectorPool names the URL and the cause when an %s server fails", (transport) => {
  const pool = new ConnectorPool();
  let server: TestHttpServer;
  beforeAll(async () => {
    server = await startFailingServer({ token: "right-token-1234" });
  });
  afterAll(async () => {
    await pool.closeAll();
    await server?.close();
  });

  const spec = (url: string, token?: string): ConnectorSpec => ({
    id: `failing-${transport}-${url}-${token ?? ""}`,
    name: "remote",
    transport,
    config: { url },
    secretEnv: null,
    secretHeaders: token ? encryptJson({ Authorization: `Bearer ${token}` }) : null,
    timeoutMs: 5_000,
  });

  it("a closed port: connection refused", async () => {
    const url = await closedPortUrl();
    const err = await rejection(pool.listTools(spec(url)));
    expect(err.code).toBe("transport");
    expect(err.message).toBe(`Connector remote (${url}): connection refused (ECONNREFUSED): nothing is listening there; is the server running?`);
  });

  it("https to a plain HTTP server: TLS", async () => {
    const url = server.url.replace("http://", "https://");
    const err = await rejection(pool.listTools(spec(url, "right-token-1234")));
    expect(err.code).toBe("transport");
    expect(err.message).toMatch(new RegExp(`^Connector remote \\(${url.replace(/[.?/]/g, "\\$&")}\\): TLS handshake failed \\(ERR_SSL_WRONG_VERSION_NUMBER\\): the server does not speak https there`));
  });

  it("a server answering 401: the status and what to check, without the query string", async () => {
    const err = await rejection(pool.listTools(spec(`${server.url}?key=query-secret`, "wrong-token")));
    expect(err.code).toBe("transport");
    expect(err.message).toMatch(new RegExp(`^Connector remote \\(${server.url.replace(/[.?/]/g, "\\$&")}\\): HTTP 401 Unauthorized: the server refused the credentials: check the connector's headers`));
    expect(err.message).not.toContain("query-secret");
    if (transport === "http") expect(err.message).toContain("the server said: missing or wrong bearer token");
  });
});

describe("ConnectorPool against an HTTP server that hangs past the timeout", () => {
  it("times out naming the URL and the wait", async () => {
    const server = await startFailingServer();
    const pool = new ConnectorPool();
    try {
      const started = Date.now();
      const err = await rejection(pool.listTools({ id: "hangs", name: "hangs", transport: "http", config: { url: server.url }, secretEnv: null, secretHeaders: null, timeoutMs: 500 }));
      expect(err.code).toBe("timeout");
      expect(err.message).toBe(`Connector hangs (${server.url}) did not answer within 500 ms`);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await pool.closeAll();
      await server.close();
    }
  });
});
