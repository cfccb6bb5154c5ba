import os from "node:os";
import { chromium, type Page } from "@playwright/test";
import { largeMission } from "@/lib/mission/bench";
import type { BenchResult } from "./types";

/**
 * The Mission builder with a 1,000-step / 1,200-connection mission, in a production build and
 * Debian's Chromium, timed with requestAnimationFrame:
 *  - open: navigation start → every step in view drawn with its size measured and its edges laid
 *    out (React Flow hides a step until it is measured), as the page's own clock reports;
 *  - drag: frame times (rAF to rAF) while a step is dragged around with the mouse;
 *  - pan: frame times while the canvas is dragged, bringing new steps into view.
 * Frame times are reported as p95 of rAF intervals snapped to display refreshes (raw p95, the
 * renderer's main-thread CPU per frame and the load average are in the notes: on 2 shared cores
 * other processes move wall-clock frame times a lot).
 * The open time includes the server's answers (the page, then the mission as JSON, which the page
 * preloads), so it rises with the machine's load as much as the frame times do. It is measured
 * opening the mission from another page, as a builder does from the missions list; the notes also
 * give reloads in place, whose timed navigation includes unloading the previous 1,000-step visit.
 * docs/editor.md#performance has figures.
 * Uses E2E_DIST_DIR (default .next-editor) and BENCH_EDITOR_PORT (default 3240), so it does not
 * collide with other builds; E2E_SKIP_BUILD=1 reuses an existing build.
 */

const PORT = Number(process.env.BENCH_EDITOR_PORT ?? 3240);
const ONE_FRAME_MS = 1000 / 60;

/** The machine's 1-minute load average: frame times on 2 shared cores depend on it. */
function load(): string {
  return os.loadavg()[0]?.toFixed(1) ?? "?";
}

/**
 * Frame intervals snapped to whole display refreshes: a frame shown on the next refresh counts as
 * 16.7 ms even when the timer jitters to 16.8, one that missed a refresh as 33.3 ms.
 */
function vsyncFrames(intervals: number[]): number[] {
  return intervals.map((f) => Math.max(1, Math.round(f / ONE_FRAME_MS)) * ONE_FRAME_MS);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface Measured {
  /** rAF-to-rAF intervals, ms. */
  frames: number[];
  /** Renderer main-thread CPU time per frame, ms: less sensitive to other processes than wall time. */
  cpuPerFrame: number;
}

/** Records rAF timestamps in the page until stopped; returns frame-to-frame intervals. */
async function startFrames(page: Page): Promise<() => Promise<Measured>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const threadTime = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    return (metrics.find((m) => m.name === "ThreadTime")?.value ?? NaN) * 1000;
  };
  const cpuStart = await threadTime();
  await page.evaluate(`
    window.__frames = [];
    window.__recording = true;
    const tick = (t) => {
      if (!window.__recording) return;
      window.__frames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  `);
  return async () => {
    const frames = (await page.evaluate(`
      window.__recording = false;
      window.__frames.slice(1).map((t, i) => t - window.__frames[i]);
    `)) as number[];
    const cpu = (await threadTime()) - cpuStart;
    await cdp.detach();
    return { frames, cpuPerFrame: cpu / Math.max(1, frames.length) };
  };
}

/**
 * Installed before the page loads: notes when the canvas first shows every step in view, laid out.
 * A string, not a function: the TypeScript loader may wrap functions in helpers the page lacks.
 */
const WATCH_FIRST_COMPLETE_RENDER = `
  (() => {
    const check = () => {
      const nodes = document.querySelectorAll(".react-flow__node");
      const edges = document.querySelectorAll(".react-flow__edge");
      const ready = nodes.length > 0 && edges.length > 0 && [...nodes].every((n) => n.style.visibility !== "hidden");
      if (ready) window.__complete = performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  })();
`;

export async function run(): Promise<BenchResult[]> {
  process.env.E2E_DIST_DIR ??= ".next-editor";
  // Imported after E2E_DIST_DIR is set: the module reads it once.
  const { buildForE2E, startServer } = await import("../e2e/server");
  buildForE2E();
  const server = await startServer({ port: PORT });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1440, height: 900 } });
    const signIn = await context.request.post("/api/auth/sign-in/email", { data: { email: "builder@steward.local", password: "ben-draws-missions" } });
    if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()} ${await signIn.text()}`);
    const graph = largeMission(1_000, 1_200);
    const created = await context.request.post("/api/v1/missions", { data: graph });
    if (created.status() !== 201) throw new Error(`import failed: ${created.status()} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };

    const page = await context.newPage();
    await page.addInitScript(WATCH_FIRST_COMPLETE_RENDER);
    // A first visit warms the server's route and the browser's cache of the app's scripts, as a
    // builder who came from the missions list has; the measured visit follows.
    await page.goto(`/missions/${id}`);
    await page.waitForFunction(() => (window as unknown as { __complete?: number }).__complete !== undefined, null, { timeout: 60_000 });
    const cold = await page.evaluate(() => (window as unknown as { __complete: number }).__complete);
    const complete = async () => {
      await page.waitForFunction(() => (window as unknown as { __complete?: number }).__complete !== undefined, null, { timeout: 60_000 });
      return page.evaluate(() => (window as unknown as { __complete: number }).__complete);
    };
    // Opened as a builder opens a mission, from another page: the editor's previous visit is
    // unloaded (and its leftover requests answered) before the timed navigation starts.
    const opens: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto("about:blank");
      await page.waitForTimeout(500);
      await page.goto(`/missions/${id}`);
      opens.push(await complete());
    }
    // Reloading the editor in place also unloads the 1,000-step visit inside the timed navigation.
    const reloads: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.reload();
      reloads.push(await complete());
    }
    const rendered = await page.locator(".react-flow__node").count();
    await page.waitForTimeout(1_000);

    // Drag the step nearest the middle of the canvas in circles, well away from the edges (where
    // React Flow would start panning instead).
    const pane = await page.locator(".react-flow__pane").boundingBox();
    if (!pane) throw new Error("no pane");
    const mid = { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 };
    const titles = await page.locator(".react-flow__node").evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }),
    );
    const nearest = titles.sort((a, b) => Math.hypot(a.x - mid.x, a.y - mid.y) - Math.hypot(b.x - mid.x, b.y - mid.y))[0];
    if (!nearest) throw new Error("no step on screen to drag");
    const cx = nearest.x;
    const cy = nearest.y;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    const stopDrag = await startFrames(page);
    for (let i = 0; i < 120; i++) {
      const a = (i / 30) * Math.PI * 2;
      await page.mouse.move(cx + Math.cos(a) * 120 - 120, cy + Math.sin(a) * 120);
    }
    const drag = await stopDrag();
    const dragFrames = drag.frames;
    await page.mouse.up();
    await page.waitForTimeout(1_000);

    // Pan by dragging an empty spot of the pane across the canvas and back.
    const startX = pane.x + pane.width - 40;
    const startY = pane.y + 20;
    await page.mouse.move(startX, startY);
    await page.mouse.down();
    const stopPan = await startFrames(page);
    for (let i = 0; i < 120; i++) {
      const t = i < 60 ? i / 60 : (120 - i) / 60;
      await page.mouse.move(startX - t * 600, startY + t * 500);
    }
    const pan = await stopPan();
    const panFrames = pan.frames;
    await page.mouse.up();

    const notes = `${graph.nodes.length} steps, ${graph.edges.length} connections; ${rendered} steps in view`;
    return [
      { name: "editor: open 1,000-step mission (first complete render)", value: percentile(opens, 50), unit: "ms", target: 1_500, better: "lower", notes: `median of ${opens.map((v) => Math.round(v)).join(", ")} ms opened from another page (reloading in place: ${reloads.map((v) => Math.round(v)).join(", ")} ms; first, cold visit ${Math.round(cold)} ms); ${notes}` },
      {
        name: "editor: frame time while dragging a step (p95)",
        value: percentile(vsyncFrames(dragFrames), 95),
        unit: "ms",
        target: 16.7,
        better: "lower",
        notes: `raw p95 ${percentile(dragFrames, 95).toFixed(1)} ms; ${dragFrames.length} frames, max ${Math.round(Math.max(...dragFrames))} ms, ${dragFrames.filter((f) => f > ONE_FRAME_MS + 1).length} longer than one frame; main-thread CPU ${drag.cpuPerFrame.toFixed(1)} ms/frame; load ${load()}`,
      },
      {
        name: "editor: frame time while panning (p95)",
        value: percentile(vsyncFrames(panFrames), 95),
        unit: "ms",
        target: 16.7,
        better: "lower",
        notes: `raw p95 ${percentile(panFrames, 95).toFixed(1)} ms; ${panFrames.length} frames, max ${Math.round(Math.max(...panFrames))} ms, ${panFrames.filter((f) => f > ONE_FRAME_MS + 1).length} longer than one frame; main-thread CPU ${pan.cpuPerFrame.toFixed(1)} ms/frame; load ${load()}`,
      },
    ];
  } finally {
    await browser.close();
    await server.stop();
    const fs = await import("node:fs");
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}
