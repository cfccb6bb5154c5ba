import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { createDatabase } from "./scratch-database";
import { edges, mission, node } from "@/server/engine/testing/missions";
import type { LoadConfig, LoadMode } from "./api-load";
import { startN8n, N8N_EXPECTED, N8N_REQUEST } from "./api-n8n";
import { buildIfStale, ROOT, runClient, spawnServer, treeRssMb, until, type Phase } from "./api-procs";
import type { BenchResult } from "./types";
import { serverNodeFlags, serverProcessEnv } from "../scripts/server-flags.mjs";

// Throughput through the public API, as a user sees it (issue #15): the production server on its
// defaults (embedded PGlite, and PostgreSQL when TEST_DATABASE_URL is set), a 5-step mission
// started over `POST /api/v1/missions/{id}/runs` with an API key and its verdict read back, driven
// by a separate load client at several concurrencies; n8n's equivalent workflow in the same sitting
// when N8N_BENCH_DIR points at an installed n8n (../shared/bench/n8n/install-n8n.sh).
//
// Settings (env): BENCH_API_MODES ("wait poll"), BENCH_API_SECONDS (10) per measured level, BENCH_API_WARMUP_SECONDS (3) before
// each, BENCH_API_COLD_SECONDS (10) right after "ready", BENCH_API_CONCURRENCY ("1 10 50"),
// BENCH_API_PORT (3240, and the next ones for further servers), N8N_BENCH_PORT (5680),
// BENCH_API_DATABASES ("pglite postgres"; postgres needs TEST_DATABASE_URL),
// BENCH_API_SKIP_BUILD=1 (use .next-bench as it is), BENCH_API_CPU_PROF=<dir> (CPU profiles of the servers), BENCH_API_BEFORE=<distDir>: measure that
// build too, side by side (copy .next-bench aside before a change, replacing ".next-bench" inside
// it by the new name), for a before/after from one sitting; BENCH_API_BEFORE_NODE_FLAGS: the Node flags
// that build's servers start with (unset: the ones this checkout's scripts/server-flags.mjs gives;
// set empty for builds from before that file, which had none);
// BENCH_API_BEFORE_ENV ("NAME=value NAME2=value"): environment for that build's servers, to compare
// a setting on one build (BENCH_API_BEFORE may then be a copy of the same build).

const DIST = ".next-bench";
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_API_WARMUP_SECONDS ?? 3);
const COLD_SECONDS = Number(process.env.BENCH_API_COLD_SECONDS ?? 10);
const CONCURRENCY = (process.env.BENCH_API_CONCURRENCY ?? "1 10 50").trim().split(/\s+/).map(Number);
const PORT = Number(process.env.BENCH_API_PORT ?? 3240);
const MODES = (process.env.BENCH_API_MODES ?? "wait poll").trim().split(/\s+/) as LoadMode[];
const COLD_CONCURRENCY = 10;
const DATABASES = (process.env.BENCH_API_DATABASES ?? "pglite postgres").trim().split(/\s+/);

/** The request n8n's harness sends, and what the Steward mission's verdict must say about it. */
const EXPECTED_SUMMARY = "req-1 63 hello";

/**
 * The mission: a trigger with the fields of n8n's request → five steps that each read the input →
 * a verdict computed from it. Conditions need no model and no connector, so the mission governs
 * nothing and its first version publishes itself.
 */
export function benchMission() {
  const fields = [
    { name: "id", type: "string" as const },
    { name: "n", type: "number" as const },
    { name: "msg", type: "string" as const },
  ];
  const steps: [string, string][] = [
    ["extract", "size(trigger.id) > 0 && size(trigger.msg) > 0"],
    ["twice", "trigger.n * 2 == trigger.n + trigger.n"],
    ["upper", "size(trigger.msg) < 1000"],
    ["sum", "trigger.n + trigger.n * 2 == trigger.n * 3"],
    ["final", 'trigger.id.startsWith("req-")'],
  ];
  const links = steps.map(([id], i) => `${i === 0 ? "start" : `${steps[i - 1]?.[0]}:ok`}->${id}`);
  return mission(
    "API bench: 5 steps",
    [
      node.trigger("start", { fields, channels: ["api"] }),
      ...steps.map(([id, expression]) => node.condition(id, { label: id, branches: [{ id: "ok", expression }] })),
      node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: 'trigger.id + " " + string(trigger.n * 3) + " " + trigger.msg' }),
    ],
    edges(...links, "final:ok->done"),
  );
}

interface Sitting {
  name: string;
  /** Process start → "Steward is ready" (first start: migrations and seeding included). */
  readyS: number;
  /** The restart the load runs on. */
  restartReadyS: number;
  /** "ready" → the first 200 from GET /sign-in, nothing else requested before. */
  firstPageMs: number;
  idleRssMb: number;
  cold: Phase;
  /** `level`: the position in BENCH_API_CONCURRENCY, which may name a concurrency twice. */
  levels: { level: number; concurrency: number; mode: LoadMode; phase: Phase }[];
}

/** One Steward server under test: a build (distDir) on a database. */
interface Target {
  name: string;
  dist: string;
  /** Node flags of the server process (scripts/server-flags.mjs, as `npm start` gives them). */
  nodeFlags: readonly string[];
  port: number;
  env: Record<string, string>;
}

/** A target started, its mission imported, warmed by nothing: ready for the load. */
interface Running {
  target: Target;
  sitting: Sitting;
  pid: number;
  load(mode: LoadMode, concurrency: number, warmupS: number, seconds: number): LoadConfig;
  stop(): Promise<void>;
}

function startSteward(t: Target, env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env };
  // The server's own settings only: the parent may carry a test database or another data dir.
  for (const k of ["DATABASE_URL", "STEWARD_DATA_DIR", "STEWARD_DEMO", "STEWARD_DIST_DIR", "PORT", "TEST_DATABASE_URL", "NODE_OPTIONS"]) delete base[k];
  // BENCH_API_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops.
  const prof = process.env.BENCH_API_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(process.env.BENCH_API_CPU_PROF)}`] : [];
  return spawnServer(process.execPath, [...t.nodeFlags, ...prof, path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(t.port)], {
    // As `npm start` gives it (MALLOC_ARENA_MAX), unless BENCH_API_BEFORE_ENV names it.
    ...serverProcessEnv(env),
    ...base,
    ...env,
    STEWARD_DIST_DIR: t.dist,
    PORT: String(t.port),
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
  });
}

/**
 * Starts the target once (migrations, seeding), opens its first page, imports the mission and
 * checks one run; then restarts it and measures its first COLD_SECONDS; leaves it running.
 */
async function startTarget(t: Target): Promise<Running> {
  const { name } = t;
  const url = `http://127.0.0.1:${t.port}`;
  const key = `stw_${crypto.randomBytes(24).toString("base64url")}`;
  const serverEnv = { ...t.env, STEWARD_BOOTSTRAP_API_KEY: key };
  const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };

  // First start: ready, then the first page a person opens, then the mission is imported.
  let t0 = performance.now();
  let server = startSteward(t, serverEnv);
  let readyS: number;
  let firstPageMs: number;
  let missionId: string;
  try {
    await until(server, `${name}: Steward ready`, () => server.output().includes("Steward is ready"));
    readyS = (performance.now() - t0) / 1000;
    const tReady = performance.now();
    await until(server, `${name}: first page`, async () => (await fetch(`${url}/sign-in`).catch(() => null))?.ok === true, 120_000);
    firstPageMs = performance.now() - tReady;
    const imported = await fetch(`${url}/api/v1/missions`, { method: "POST", headers: auth, body: JSON.stringify(benchMission()) });
    if (imported.status !== 201) throw new Error(`${name}: importing the mission answered ${imported.status}: ${await imported.text()}`);
    missionId = ((await imported.json()) as { id: string }).id;
    const smoke = await fetch(`${url}/api/v1/missions/${missionId}/runs`, { method: "POST", headers: { ...auth, prefer: "wait=30" }, body: JSON.stringify(N8N_REQUEST) });
    const run = (await smoke.json()) as { status?: string; verdict?: { summary?: string } };
    if (smoke.status !== 200 || run.verdict?.summary !== EXPECTED_SUMMARY) throw new Error(`${name}: the smoke run answered ${smoke.status}: ${JSON.stringify(run).slice(0, 500)}`);
  } finally {
    await server.stop();
  }

  // The load runs on a restart: a fresh process that nothing has warmed up.
  t0 = performance.now();
  server = startSteward(t, serverEnv);
  try {
    await until(server, `${name}: Steward ready again`, () => server.output().includes("Steward is ready"));
    const restartReadyS = (performance.now() - t0) / 1000;
    const idleRssMb = treeRssMb(server.pid);
    const load = (mode: LoadMode, concurrency: number, warmupS: number, seconds: number): LoadConfig => ({
      mode,
      baseUrl: url,
      path: `/api/v1/missions/${missionId}/runs`,
      apiKey: key,
      body: N8N_REQUEST,
      expect: EXPECTED_SUMMARY,
      concurrency,
      warmupMs: warmupS * 1000,
      durationMs: seconds * 1000,
      pollMs: 10,
    });
    console.log(`• ${name}: ready in ${restartReadyS.toFixed(1)} s; cold start, c=${COLD_CONCURRENCY} for ${COLD_SECONDS} s`);
    const cold = await runClient(load("wait", COLD_CONCURRENCY, 0, COLD_SECONDS), server.pid);
    console.log(`• ${name} first ${COLD_SECONDS} s: ${cold.result.runsPerSec.toFixed(1)} runs/s, p95 ${cold.result.latencyMs.p95.toFixed(0)} ms; per second ${cold.result.timeline.join(" ")}`);
    const sitting: Sitting = { name, readyS, restartReadyS, firstPageMs, idleRssMb, cold, levels: [] };
    const running = server;
    return { target: t, sitting, pid: server.pid, load, stop: () => running.stop() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/**
 * The server's CPU time per completed run (its process tree: on PostgreSQL the database server's
 * own work is not in it). On a machine others share, runs/s follows the CPU share the server got;
 * this follows only what a run costs, so it is the steadier before/after comparison.
 */
export const cpuMsPerRun = (p: Phase): number => (p.server.cpuPct * 10) / p.result.runsPerSec;

function latencyNote(p: Phase): string {
  const r = p.result;
  const l = r.latencyMs;
  return `p50 ${fmt(l.p50, 0)} / p95 ${fmt(l.p95, 0)} / p99 ${fmt(l.p99, 0)} ms; errors ${r.errors.total}${r.waitRanOut ? `, wait ran out ${r.waitRanOut}` : ""}; server CPU ${fmt(p.server.cpuPct, 0)}% = ${fmt(cpuMsPerRun(p), 1)} CPU ms per run, RSS max ${fmt(p.server.rssMaxMb, 0)} MB, after ${fmt(p.server.rssAfterMb, 0)} MB; machine ${fmt(p.server.machineBusyPct, 0)}% busy`;
}

/** The table printed at the end: one row per concurrency, every engine side by side. */
/** `n8n`: its phase at each level (a position in CONCURRENCY). */
function printTable(sittings: Sitting[], n8n: Map<number, Phase> | null): void {
  const head = ["c", ...(n8n ? ["n8n runs/s (p50; CPU per run)"] : [])];
  for (const s of sittings) head.push(`${s.name} wait runs/s (p50; CPU per run)`, `${s.name} poll runs/s (p50; CPU per run)`, ...(n8n ? [`${s.name}/n8n`] : []));
  const rows = CONCURRENCY.map((c, level) => {
    const cell = (p: Phase | undefined) => (p ? `${fmt(p.result.runsPerSec)} (${fmt(p.result.latencyMs.p50, 0)} ms; ${fmt(cpuMsPerRun(p), 0)} CPU ms/run)` : "–");
    const row = [String(c)];
    const peer = n8n?.get(level);
    if (n8n) row.push(cell(peer));
    for (const s of sittings) {
      const wait = s.levels.find((l) => l.level === level && l.mode === "wait")?.phase;
      const poll = s.levels.find((l) => l.level === level && l.mode === "poll")?.phase;
      row.push(cell(wait), cell(poll));
      if (n8n) row.push(wait && peer ? `${fmt(wait.result.runsPerSec / peer.result.runsPerSec, 2)}× / ${poll ? fmt(poll.result.runsPerSec / peer.result.runsPerSec, 2) : "–"}×` : "–");
    }
    return row;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ") + " |";
  console.log("\n" + line(head));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(line(r));
  for (const s of sittings) {
    const warm = s.levels.find((l) => l.concurrency === COLD_CONCURRENCY && l.mode === "wait")?.phase;
    console.log(
      `${s.name}: first ${COLD_SECONDS} s after ready ${fmt(s.cold.result.runsPerSec)} runs/s (p95 ${fmt(s.cold.result.latencyMs.p95, 0)} ms)${warm ? ` = ${fmt((s.cold.result.runsPerSec / warm.result.runsPerSec) * 100, 0)}% of warm` : ""}; per second ${s.cold.result.timeline.join(" ")}; first page ${fmt(s.firstPageMs, 0)} ms after ready; ready in ${fmt(s.readyS)} s (restart ${fmt(s.restartReadyS)} s); idle RSS ${fmt(s.idleRssMb, 0)} MB`,
    );
  }
}

function rowsOf(s: Sitting, n8n: Map<number, Phase> | null): BenchResult[] {
  const pg = s.name.startsWith("postgres");
  // The first level at a concurrency; rows below go level by level, a repeated concurrency included.
  const level = (c: number, mode: LoadMode) => s.levels.find((l) => l.concurrency === c && l.mode === mode)?.phase;
  const peerAt = (c: number) => n8n?.get(CONCURRENCY.indexOf(c));
  const rows: BenchResult[] = [];
  for (const [at, c] of CONCURRENCY.entries()) {
    const wait = s.levels.find((l) => l.level === at && l.mode === "wait")?.phase;
    const poll = s.levels.find((l) => l.level === at && l.mode === "poll")?.phase;
    const peer = n8n?.get(at);
    if (wait) {
      // The issue's targets: at c=10 at least 2× n8n on PGlite, 1.5× on PostgreSQL; at c=50 no less than at c=10.
      const target = c === 10 && peer ? (pg ? 1.5 : 2) * peer.result.runsPerSec : c === 50 ? level(10, "wait")?.result.runsPerSec : undefined;
      const ratio = peer ? `; ${fmt(wait.result.runsPerSec / peer.result.runsPerSec, 2)}× n8n` : "";
      rows.push({ name: `${s.name}: c=${c} runs/s, one request (Prefer: wait)`, value: wait.result.runsPerSec, unit: "runs/s", better: "higher", ...(target !== undefined ? { target: +target.toFixed(1) } : {}), notes: latencyNote(wait) + ratio });
    }
    if (poll) {
      const ratio = peer ? `; ${fmt(poll.result.runsPerSec / peer.result.runsPerSec, 2)}× n8n` : "";
      rows.push({ name: `${s.name}: c=${c} runs/s, start + GET every 10 ms`, value: poll.result.runsPerSec, unit: "runs/s", better: "higher", notes: latencyNote(poll) + `; ${poll.result.requests} requests` + ratio });
    }
    if (wait) rows.push({ name: `${s.name}: c=${c} server CPU per run (wait)`, value: cpuMsPerRun(wait), unit: "ms", better: "lower", notes: peer ? `n8n ${fmt(cpuMsPerRun(peer), 1)} ms; ${fmt(cpuMsPerRun(wait) / cpuMsPerRun(peer), 2)}× n8n` : "" });
    if (wait && peer) rows.push({ name: `${s.name}: c=${c} Steward/n8n runs/s (wait)`, value: wait.result.runsPerSec / peer.result.runsPerSec, unit: "×", better: "higher", ...(c === 10 ? { target: pg ? 1.5 : 2 } : {}) });
  }
  const c1 = level(1, "wait");
  if (c1) {
    const peer = peerAt(1);
    rows.push({ name: `${s.name}: c=1 p50 request → verdict (wait)`, value: c1.result.latencyMs.p50, unit: "ms", better: "lower", ...(peer ? { target: +peer.result.latencyMs.p50.toFixed(1) } : {}), notes: peer ? `n8n p50 ${fmt(peer.result.latencyMs.p50)} ms` : "" });
  }
  const c50 = level(50, "wait");
  if (c50) {
    const poll50 = level(50, "poll");
    rows.push({ name: `${s.name}: c=50 errors (wait)`, value: c50.result.errors.total, unit: "", target: 0, better: "lower", notes: `poll variant: ${poll50?.result.errors.total ?? "–"}; ${c50.result.errorSamples.slice(0, 2).join(" | ")}` });
  }
  const warm = level(COLD_CONCURRENCY, "wait");
  rows.push({
    name: `${s.name}: first ${COLD_SECONDS} s after ready, c=${COLD_CONCURRENCY} runs/s (wait)`,
    value: s.cold.result.runsPerSec,
    unit: "runs/s",
    better: "higher",
    ...(warm ? { target: +(0.8 * warm.result.runsPerSec).toFixed(1) } : {}),
    notes: `${warm ? `${fmt((s.cold.result.runsPerSec / warm.result.runsPerSec) * 100, 0)}% of warm; ` : ""}per second: ${s.cold.result.timeline.join(" ")}; ${latencyNote(s.cold)}`,
  });
  rows.push({ name: `${s.name}: first page (GET /sign-in) after ready`, value: s.firstPageMs, unit: "ms", target: 2000, better: "lower", notes: `process start → ready ${fmt(s.readyS)} s (first start), ${fmt(s.restartReadyS)} s (restart)` });
  const last = s.levels.filter((l) => l.concurrency === Math.max(...CONCURRENCY)).at(-1)?.phase;
  if (last) {
    rows.push({
      name: `${s.name}: server RSS after the c=${Math.max(...CONCURRENCY)} load`,
      value: last.server.rssAfterMb,
      unit: "MB",
      ...(Math.max(...CONCURRENCY) === 50 ? { target: pg ? 300 : 600 } : {}),
      better: "lower",
      notes: `idle after start ${fmt(s.idleRssMb, 0)} MB; max during the load ${fmt(Math.max(...s.levels.map((l) => l.phase.server.rssMaxMb)), 0)} MB`,
    });
  }
  return rows;
}

export async function run(): Promise<BenchResult[]> {
  const uptimeBefore = execSync("uptime", { encoding: "utf8" }).trim();
  console.log(`• ${uptimeBefore}; ${os.cpus().length} cores; ${SECONDS} s per level after ${WARMUP_SECONDS} s warm-up, concurrency ${CONCURRENCY.join(", ")}`);
  buildIfStale(DIST);
  const before = process.env.BENCH_API_BEFORE;
  if (before && !fs.existsSync(path.join(ROOT, before, "BUILD_ID"))) throw new Error(`BENCH_API_BEFORE=${before}: no build there`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "steward-bench-api-"));
  const adminUrl = process.env.TEST_DATABASE_URL;
  // Unset: the flags this checkout gives each database (as for this build); set, even empty: those.
  const beforeFlagsEnv = process.env.BENCH_API_BEFORE_NODE_FLAGS;
  const beforeFlags = beforeFlagsEnv === undefined ? null : beforeFlagsEnv.split(/\s+/).filter(Boolean);
  const beforeEnv = Object.fromEntries(
    (process.env.BENCH_API_BEFORE_ENV ?? "")
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
  // This build's servers get the flags `npm start` gives for their database (null); the other build's, BENCH_API_BEFORE_NODE_FLAGS when set.
  const builds: [suffix: string, dist: string, nodeFlags: readonly string[] | null, extraEnv: Record<string, string>][] = [
    ["", DIST, null, {}],
    ...(before ? [[" before", before, beforeFlags, beforeEnv] as [string, string, string[] | null, Record<string, string>]] : []),
  ];
  const targets: Target[] = [];
  const databases: { drop(): Promise<void> }[] = [];
  const running: Running[] = [];
  let n8nPeer: Awaited<ReturnType<typeof startN8n>> | null = null;
  let n8n: Map<number, Phase> | null = null;
  let n8nInfo: Record<string, unknown> | null = null;
  try {
    for (const [suffix, dist, nodeFlags, extraEnv] of builds) {
      // Embedded defaults: PGlite in a fresh data dir, demo mode as `npm start` gives it (on).
      if (DATABASES.includes("pglite")) targets.push({ name: `pglite${suffix}`, dist, nodeFlags: nodeFlags ?? serverNodeFlags({}), port: PORT + targets.length, env: { ...extraEnv, STEWARD_DATA_DIR: path.join(scratch, `data${targets.length}`) } });
      if (adminUrl && DATABASES.includes("postgres")) {
        const db = await createDatabase(adminUrl);
        databases.push(db);
        // PostgreSQL defaults: demo off; the secret key must come from the environment.
        targets.push({
          name: `postgres${suffix}`,
          dist,
          nodeFlags: nodeFlags ?? serverNodeFlags({ DATABASE_URL: db.url }),
          port: PORT + targets.length,
          env: { ...extraEnv, DATABASE_URL: db.url, STEWARD_DATA_DIR: path.join(scratch, `pg${targets.length}`), STEWARD_SECRET_KEY: crypto.randomBytes(32).toString("hex") },
        });
      }
    }
    // Each server started, measured cold, and left running: the levels below then take turns, so
    // that every engine meets the machine's load of the same minute (other work shares the cores).
    for (const t of targets) running.push(await startTarget(t));
    if (process.env.N8N_BENCH_DIR) {
      n8nPeer = await startN8n(process.env.N8N_BENCH_DIR);
      n8n = new Map();
      n8nInfo = { version: n8nPeer.version, readyS: n8nPeer.readyS };
    }
    // The turn a server takes within a level has moved its figure by 10–30% on this machine (the
    // same code measured in two turns of one sitting), so every other level takes its turns in
    // reverse order, n8n's included; repeat a level (BENCH_API_CONCURRENCY="10 10") to see both.
    for (const [level, concurrency] of CONCURRENCY.entries()) {
      const n8nTurn = async () => {
        if (!n8nPeer) return;
        const phase = await runClient(
          { mode: "webhook", baseUrl: n8nPeer.url, path: n8nPeer.path, body: N8N_REQUEST, expect: N8N_EXPECTED, concurrency, warmupMs: WARMUP_SECONDS * 1000, durationMs: SECONDS * 1000 },
          n8nPeer.pid,
        );
        console.log(`• n8n c=${concurrency}: ${phase.result.runsPerSec.toFixed(1)} runs/s, p50 ${phase.result.latencyMs.p50.toFixed(0)} ms, errors ${phase.result.errors.total}, CPU ${phase.server.cpuPct.toFixed(0)}% (${cpuMsPerRun(phase).toFixed(1)} ms per run), RSS max ${phase.server.rssMaxMb.toFixed(0)} MB`);
        n8n?.set(level, phase);
      };
      const stewardTurn = async (r: Running) => {
        for (const mode of MODES) {
          const phase = await runClient(r.load(mode, concurrency, WARMUP_SECONDS, SECONDS), r.pid);
          const x = phase.result;
          console.log(
            `• ${r.target.name} c=${concurrency} ${mode}: ${x.runsPerSec.toFixed(1)} runs/s, p50 ${x.latencyMs.p50.toFixed(0)} ms, p99 ${x.latencyMs.p99.toFixed(0)} ms, errors ${x.errors.total}, CPU ${phase.server.cpuPct.toFixed(0)}% (${cpuMsPerRun(phase).toFixed(1)} ms per run), RSS max ${phase.server.rssMaxMb.toFixed(0)} MB`,
          );
          r.sitting.levels.push({ level, concurrency, mode, phase });
        }
      };
      const turns = [n8nTurn, ...running.map((r) => () => stewardTurn(r))];
      for (const turn of level % 2 === 1 ? turns.reverse() : turns) await turn();
    }
  } finally {
    await Promise.all([...running.map((r) => r.stop()), n8nPeer?.stop()]);
    for (const db of databases) await db.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const sittings = running.map((r) => r.sitting);

  const uptimeAfter = execSync("uptime", { encoding: "utf8" }).trim();
  printTable(sittings, n8n);
  console.log(`machine: before ${uptimeBefore}\n         after  ${uptimeAfter}`);
  const raw = { at: new Date().toISOString(), uptimeBefore, uptimeAfter, cores: os.cpus().length, settings: { SECONDS, WARMUP_SECONDS, COLD_SECONDS, CONCURRENCY, DIST, BEFORE: before ?? null }, sittings, n8n: n8n ? { ...n8nInfo, levels: [...n8n].map(([level, phase]) => ({ concurrency: CONCURRENCY[level], phase })) } : null };
  const out = path.join(ROOT, "bench-results", "api-raw.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(raw, null, 2));
  console.log(`raw figures: ${path.relative(ROOT, out)}`);

  const rows = sittings.flatMap((s) => rowsOf(s, n8n));
  if (n8n) {
    for (const [level, p] of n8n) rows.push({ name: `n8n: c=${CONCURRENCY[level]} runs/s`, value: p.result.runsPerSec, unit: "runs/s", better: "higher", notes: latencyNote(p) });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run();
  for (const r of results) console.log(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.target !== undefined ? ` (target ${r.better === "higher" ? "≥" : "≤"} ${r.target})` : ""}`);
  process.exit(0);
}
