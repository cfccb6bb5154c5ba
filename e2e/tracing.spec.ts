import http from "node:http";
import type { AddressInfo } from "node:net";
import { test, expect, shot, USERS } from "./fixtures";
import { startServer } from "./server";

// Runs as OpenTelemetry traces (issue #14, docs/observability.md), in the built app: the run page
// shows the run's trace id with a copy button and a link, and when the run ends the app sends its
// trace (OTLP/HTTP, protobuf by default) to the endpoint it was given.
test("the run page shows the run's trace id and links to it; the ended run's trace reaches the OTLP endpoint", async ({ page }) => {
  test.setTimeout(300_000);
  const bodies: { path: string; type: string; body: Buffer }[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push({ path: req.url ?? "", type: String(req.headers["content-type"]), body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  // Clear of the ports next to E2E_PORT, which parallel suites on this machine use as their own.
  const port = Number(process.env.E2E_PORT ?? 3210) + 103;
  const server = await startServer({
    port,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_SERVICE_NAME: "steward-e2e",
      STEWARD_TRACE_URL_TEMPLATE: "http://localhost:16686/trace/{traceId}",
    },
  });
  try {
    expect(server.output()).toContain(`traces: each run to http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces (OTLP http/protobuf), as service steward-e2e`);
    await page.goto(`${server.url}/sign-in?next=/runs`);
    await page.getByLabel("Email").fill(USERS.builder.email);
    await page.getByLabel("Password").fill(USERS.builder.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname === "/runs");

    const call = async <T,>(path: string, input: unknown): Promise<T> => {
      const res = await page.request.post(`${server.url}/api/trpc/${path}`, { data: input, headers: { origin: server.url } });
      const body = (await res.json()) as { result?: { data: T }; error?: unknown };
      if (!res.ok() || !body.result) throw new Error(`${path} failed (${res.status()}): ${JSON.stringify(body.error)}`);
      return body.result.data;
    };
    const { runId } = await call<{ runId: string }>("runs.start", {
      missionId: "refund-adjudication",
      input: { orderId: "1042", email: "dana@example.com", reason: "The mugs arrived opened" },
    });
    const traceId = runId.replaceAll("-", "");

    await page.goto(`${server.url}/runs/${runId}`);
    await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });
    await expect(page.getByTestId("run-trace-id")).toHaveText(traceId);
    await expect(page.getByTestId("run-trace-link")).toHaveAttribute("href", `http://localhost:16686/trace/${traceId}`);
    await expect(page.getByTestId("run-trace-copy")).toBeVisible();
    await shot(page, "tracing-01-run-trace-id");
    // And back: the trace id opens its run.
    await page.goto(`${server.url}/runs/${traceId}`);
    await page.waitForURL((u) => u.pathname === `/runs/${runId}`);
    await expect(page.getByTestId("run-trace-id")).toHaveText(traceId);

    // Sent when the run ends: cancelled here, while it waits for its approval.
    expect(bodies.filter((b) => b.body.includes(Buffer.from(traceId, "hex")))).toHaveLength(0);
    await call("runs.cancel", { runId });
    await expect.poll(() => bodies.filter((b) => b.body.includes(Buffer.from(traceId, "hex"))).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const sent = Buffer.concat(bodies.filter((b) => b.body.includes(Buffer.from(traceId, "hex"))).map((b) => b.body));
    expect(bodies[0]?.path).toBe("/v1/traces");
    expect(bodies[0]?.type).toBe("application/x-protobuf");
    for (const text of ["invoke_workflow Refund adjudication", "invoke_agent Ground the request", "chat refund-demo", "execute_tool commerce.get_order", "steward-e2e", runId]) {
      expect(sent.includes(Buffer.from(text)), text).toBe(true);
    }
  } finally {
    await server.stop();
    await new Promise((resolve) => receiver.close(resolve));
  }
});
