import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { warmUp } from "./warm-up";

describe("warmUp", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A server that records what it is asked and answers `status` after `delayMs`. */
  async function listen(status: number, delayMs = 0): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
      setTimeout(() => res.writeHead(status, { location: "/sign-in" }).end("x"), delayMs);
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
  }

  it("asks for the first pages and the run routes, several rounds, with a key that is no key", async () => {
    const { url, seen } = await listen(401);
    const w = await warmUp(url);
    expect(w.requests).toBe(seen.length);
    expect(seen).toContain("GET /sign-in -");
    expect(seen).toContain("POST /api/v1/missions/warm-up/runs Bearer stw_warm-up-is-not-a-key");
    expect(seen).toContain("GET /api/v1/runs/warm-up Bearer stw_warm-up-is-not-a-key");
    // Every path more than once: the later rounds let V8 optimise what the first one loaded.
    expect(seen.filter((s) => s === "GET /sign-in -").length).toBeGreaterThan(1);
    // The API's paths many more times than the pages': an API client's first runs go through them.
    const starts = seen.filter((s) => s === "POST /api/v1/missions/warm-up/runs Bearer stw_warm-up-is-not-a-key").length;
    expect(starts).toBeGreaterThanOrEqual(10 * seen.filter((s) => s === "GET /sign-in -").length);
  });

  it("follows no redirect: a page without a session answers with one", async () => {
    const { url, seen } = await listen(307);
    await warmUp(url);
    expect(seen.every((s) => !s.startsWith("GET /sign-in?"))).toBe(true);
    expect(seen.length).toBeGreaterThan(0);
  });

  it("gives up at once when the server cannot be reached, without throwing", async () => {
    const { url } = await listen(200);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(warmUp(url)).resolves.toMatchObject({ requests: 0 });
  });

  it("stops when its time budget is spent", async () => {
    const { url, seen } = await listen(200, 150);
    const t0 = performance.now();
    await warmUp(url, 400);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(seen.length).toBeLessThanOrEqual(4);
  });
});
