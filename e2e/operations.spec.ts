import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { startServer, type StartedServer } from "./server";

// The operator's endpoints on a real server process: health, readiness, metrics behind a token.
const TOKEN = "e2e-metrics-token-0123456789";

test.describe("operating endpoints", () => {
  let server: StartedServer;
  test.beforeAll(async () => {
    // A second server beside the suite's: its start (migrate, seed, warm up) may take a while on a busy machine.
    test.setTimeout(240_000);
    // Started as `npm start` starts it (scripts/start.mjs): with Next.js's own signal handlers off.
    server = await startServer({ port: Number(process.env.E2E_PORT ?? 3210) + 5, env: { METRICS_TOKEN: TOKEN, NEXT_MANUAL_SIG_HANDLE: "1" } });
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test("health and readiness answer without signing in, and say what they checked", async ({ request }) => {
    const health = await request.get(`${server.url}/api/health`);
    expect(health.status()).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const ready = await request.get(`${server.url}/api/ready`);
    expect(ready.status()).toBe(200);
    expect(ready.headers()["cache-control"]).toBe("no-store");
    expect(await ready.json()).toEqual({
      ready: true,
      checks: {
        database: { ok: true, detail: "reachable" },
        migrations: { ok: true, detail: expect.stringMatching(/^applied through 00\d\d_/) as unknown as string },
        executor: { ok: true, detail: "embedded executor running" },
      },
    });
  });

  test("metrics need the token, and then read what the database records", async ({ request }) => {
    const none = await request.get(`${server.url}/api/metrics`);
    expect(none.status()).toBe(401);
    expect(none.headers()["www-authenticate"]).toMatch(/^Bearer/);
    expect((await request.get(`${server.url}/api/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status()).toBe(401);
    const res = await request.get(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of ["steward_runs_started_total", "steward_step_duration_seconds", "steward_queue_due_jobs", "steward_decisions_waiting", "steward_model_tokens_total", "steward_connector_call_duration_seconds", "steward_process_cpu_seconds_total"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // A fresh demo data dir: nothing queued, nothing spent.
    expect(text).toMatch(/^steward_queue_due_jobs 0$/m);
    expect(text).toMatch(/^steward_model_cost_total 0$/m);
  });

  test("the server does not hold Next.js's compiler in memory: its configuration needs no compiling", async () => {
    // A next.config.ts made `next start` load SWC (about 25 MB resident) to compile it.
    const maps = fs.readFileSync(`/proc/${server.child.pid}/maps`, "utf8");
    expect(maps).toContain(fs.realpathSync(process.execPath));
    expect(maps).not.toContain("next-swc");
  });

  test("SIGTERM: the server stops taking work, lets running steps finish within the grace, and exits 0", async () => {
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    const from = Date.now();
    server.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - from).toBeLessThan(25_000);
    expect(server.output()).toContain("[shutdown] SIGTERM: taking no new work; waiting up to 25 s for running steps");
    expect(server.output()).toMatch(/\[shutdown\] running steps finished in \d+ ms; exiting/);
  });

  test("without METRICS_TOKEN the metrics endpoint does not exist", async ({ request }) => {
    // The suite's shared server runs without a token.
    expect((await request.get("/api/metrics")).status()).toBe(404);
  });
});
