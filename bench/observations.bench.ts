import crypto from "node:crypto";
import { chromium, type Page } from "@playwright/test";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "@/server/db/database";
import { recordObservation } from "@/server/observations/record";
import { seedRun } from "@/server/observations/testing/seed-run";
import { createDatabase } from "./scratch-database";
import type { BenchResult } from "./types";

/**
 * Observations, end to end, in a production build:
 *  - written on the server → rendered in the browser's DOM, p50/p95 over 1,000 Observations of a
 *    live run. They are written by this process on the same PostgreSQL as the app, so each one
 *    travels the cross-replica path: INSERT + NOTIFY → the app's LISTEN → bus → SSE → the page.
 *  - a finished run with 10,000 Observations: navigation → every row received and the rail drawn,
 *    and the frame times while scrolling through it.
 * Needs PostgreSQL (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local default).
 */

const PORT = Number(process.env.BENCH_PORT ?? 3262);
const LIVE_COUNT = 1_000;
const LIVE_EVERY_MS = 10;
const BIG_COUNT = 10_000;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function signedInPage(baseUrl: string): Promise<{ page: Page; close(): Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  const res = await context.request.post("/api/auth/sign-in/email", { data: { email: "viewer@steward.local", password: "vic-only-reads" } });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()} ${await res.text()}`);
  return { page: await context.newPage(), close: () => browser.close() };
}

// Code run in the page is passed as text: tsx (esbuild keepNames) would wrap named functions in
// a `__name` helper that does not exist in the browser.

/** Records, in the page, when each Observation row first enters the DOM (epoch ms). */
const WATCH_ROWS = `(() => {
  const seen = new Map();
  window.__rowsSeen = seen;
  function note() {
    const at = performance.timeOrigin + performance.now();
    for (const el of document.querySelectorAll('[data-testid="obs-row"]')) {
      const id = Number(el.dataset.id);
      if (!seen.has(id)) seen.set(id, at);
    }
  }
  new MutationObserver(note).observe(document.body, { subtree: true, childList: true });
  note();
})()`;

/** Scrolls the rail from top to bottom, one step per frame, and returns the frame times. */
const SCROLL_FRAMES = `new Promise((done) => {
  const el = document.querySelector('[data-testid="rail-list"]');
  el.scrollTop = 0;
  const times = [];
  let last = performance.now();
  function step(now) {
    times.push(now - last);
    last = now;
    el.scrollTop += 400;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || times.length > 2000) done(times.slice(1));
    else requestAnimationFrame(step);
  }
  requestAnimationFrame(step);
})`;

/** True (and stamps the moment once) when the rail counts every row and draws some. */
const OPENED = (n: number) => `(() => {
  const done = document.querySelector('[data-testid="explain-rail"]')?.getAttribute("data-total") === "${n}" && !!document.querySelector('[data-testid="obs-row"]');
  if (done && window.__openedAt === undefined) window.__openedAt = performance.now();
  return done;
})()`;

async function liveLatency(database: Database, page: Page): Promise<number[]> {
  const { runId } = await seedRun(database, "running");
  await page.goto(`/runs/${runId}`);
  await page.getByTestId("explain-rail").waitFor();
  await page.getByTestId("stream-connection").and(page.locator('[data-state="live"]')).waitFor({ timeout: 30_000 });
  await page.evaluate(WATCH_ROWS);

  const written = new Map<number, number>();
  for (let i = 0; i < LIVE_COUNT; i++) {
    const t0 = Date.now();
    const row = await recordObservation(database, {
      runId,
      nodeId: "approval",
      kind: i % 10 === 9 ? "tool_call" : "reasoning",
      text: `Observation ${i}: checking the order, the payment and the policy clause that applies.`,
      data: i % 10 === 9 ? { tool: "commerce.get_order", args: { orderId: String(1000 + i) } } : { step: Math.floor(i / 10) },
    });
    written.set(row.id, t0);
    const wait = t0 + LIVE_EVERY_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const last = Math.max(...written.keys());
  await page.waitForFunction(`window.__rowsSeen.has(${last})`, undefined, { timeout: 60_000 });
  const seen = new Map(await page.evaluate<[number, number][]>("[...window.__rowsSeen.entries()]"));
  const missing = [...written.keys()].filter((id) => !seen.has(id));
  if (missing.length) throw new Error(`${missing.length} Observations never reached the DOM (first: ${missing[0]})`);
  return [...written].map(([id, t0]) => (seen.get(id) as number) - t0).sort((a, b) => a - b);
}

async function bigRun(database: Database, page: Page): Promise<{ openMs: number; frameP95: number; frameMean: number }> {
  const { runId } = await seedRun(database, "succeeded");
  // What a long, finished run leaves behind: started, reasoning and tool traffic, succeeded.
  const minutesAgo = sql`now() - interval '10 minutes'`;
  await database.db.execute(sql`insert into observation (run_id, kind, text, data, at)
    values (${runId}, 'status', 'Run started', '{"status":"running"}'::jsonb, ${minutesAgo})`);
  const body = BIG_COUNT - 2;
  for (let start = 1; start <= body; start += 2_000) {
    await database.db.execute(sql`
      insert into observation (run_id, node_id, kind, text, data, at)
      select ${runId}, 'approval', (array['reasoning','tool_call','tool_result','text'])[1 + g % 4],
             'Observation ' || g || ': the model reasons about the order and the refund policy.',
             jsonb_build_object('step', g / 10), ${minutesAgo} + g * interval '50 milliseconds'
      from generate_series(${start}::int, ${Math.min(body, start + 1_999)}::int) as g`);
  }
  await database.db.execute(sql`insert into observation (run_id, kind, text, data, at)
    values (${runId}, 'status', 'Run succeeded: approved',
            '{"status":"succeeded","verdict":{"outcome":"approved","summary":"Approved after 10,000 Observations"}}'::jsonb, now())`);

  await page.goto("about:blank");
  await page.goto(`/runs/${runId}`);
  // Stamped in the page on the first frame that shows every row counted and some drawn.
  await page.waitForFunction(OPENED(BIG_COUNT), undefined, { timeout: 30_000, polling: "raf" });
  const openMs = await page.evaluate<number>("window.__openedAt");

  const frames = await page.evaluate<number[]>(SCROLL_FRAMES);
  frames.sort((a, b) => a - b);
  return { openMs, frameP95: percentile(frames, 95), frameMean: frames.reduce((a, b) => a + b, 0) / frames.length };
}

export async function run(): Promise<BenchResult[]> {
  // Set before e2e/server is loaded: it reads the dist dir when imported.
  process.env.E2E_DIST_DIR ??= ".next-runview";
  const { buildForE2E, startServer } = await import("../e2e/server");
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://steward:steward@127.0.0.1:5432/postgres";
  const db = await createDatabase(adminUrl);
  buildForE2E();
  const server = await startServer({
    port: PORT,
    env: { DATABASE_URL: db.url, STEWARD_DEMO: "1", STEWARD_SECRET_KEY: crypto.randomBytes(32).toString("hex") },
  });
  const database = await openDatabase({ driver: "postgres", url: db.url, max: 4 });
  const browser = await signedInPage(server.url);
  try {
    const latencies = await liveLatency(database, browser.page);
    const big = await bigRun(database, browser.page);
    const notes = `${LIVE_COUNT} Observations written every ${LIVE_EVERY_MS} ms on PostgreSQL by another process (NOTIFY path)`;
    return [
      { name: "Observation written → in the DOM, p50", value: percentile(latencies, 50), unit: "ms", better: "lower", notes },
      { name: "Observation written → in the DOM, p95", value: percentile(latencies, 95), unit: "ms", target: 150, better: "lower", notes },
      { name: "Observation written → in the DOM, max", value: latencies.at(-1) as number, unit: "ms", better: "lower" },
      { name: `run with ${BIG_COUNT.toLocaleString("en")} Observations: open → all rows in the rail`, value: big.openMs, unit: "ms", target: 2_000, better: "lower", notes: "from navigation start" },
      { name: `scrolling the ${BIG_COUNT.toLocaleString("en")}-row rail: frame time p95`, value: big.frameP95, unit: "ms", target: 33, better: "lower", notes: `mean ${big.frameMean.toFixed(1)} ms, 400 px per frame` },
    ];
  } finally {
    await browser.close();
    await database.close();
    await server.stop();
    await db.drop();
  }
}
