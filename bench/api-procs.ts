// Processes for `npm run bench api`: the servers under test (Steward's production build, n8n), the
// load client, and what /proc says about them (RSS, CPU) while the client runs.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LoadConfig, LoadResult } from "./api-load";

export const ROOT = path.resolve(import.meta.dirname, "..");
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** `pid` and every process below it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(Number(entry));
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** ppid and CPU ticks (user + system) from /proc/<pid>/stat; null once the process is gone. */
function readStat(pid: number): { ppid: number; ticks: number } | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name is in parentheses and may hold spaces: fields start after the last ")".
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
}

function rssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export const treeRssMb = (pid: number): number => processTree(pid).reduce((sum, p) => sum + rssKb(p), 0) / 1024;
const treeTicks = (pids: number[]): number => pids.reduce((sum, p) => sum + (readStat(p)?.ticks ?? 0), 0);

/** All CPUs' ticks and idle ticks, from /proc/stat. */
function machineTicks(): { total: number; idle: number } {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  return { total: v.reduce((a, b) => a + b, 0), idle: (v[3] ?? 0) + (v[4] ?? 0) };
}

export interface ServerLoad {
  /** The server's process tree, % of one core over the measured window. */
  cpuPct: number;
  rssMaxMb: number;
  /** RSS a second after the load ended. */
  rssAfterMb: number;
  /** The whole machine, % busy over the window (the client, the server, everyone else). */
  machineBusyPct: number;
  loadAvg1: number;
}

export interface Phase {
  result: LoadResult;
  server: ServerLoad;
}

/**
 * Runs the load client in its own process against the server `serverPid`, sampling the server's
 * process tree (RSS every 500 ms, CPU over the measured window).
 */
export async function runClient(cfg: LoadConfig, serverPid: number): Promise<Phase> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench", "api-load.ts"), JSON.stringify(cfg)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  let pids = processTree(serverPid);
  let rssMax = 0;
  let window: { t: number; ticks: number; machine: { total: number; idle: number } } | null = null;
  let measured: { cpuPct: number; machineBusyPct: number } | null = null;
  const sample = () => {
    pids = processTree(serverPid);
    if (window && !measured) rssMax = Math.max(rssMax, treeRssMb(serverPid));
  };
  const sampler = setInterval(sample, 500);
  let result: LoadResult | null = null;
  let buffered = "";
  child.stdout?.on("data", (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const msg = JSON.parse(line) as { event: string } & Partial<LoadResult>;
      if (msg.event === "measuring") {
        window = { t: performance.now(), ticks: treeTicks(pids), machine: machineTicks() };
        rssMax = treeRssMb(serverPid);
      } else if (msg.event === "measured" && window) {
        const seconds = (performance.now() - window.t) / 1000;
        const m = machineTicks();
        measured = {
          cpuPct: ((treeTicks(pids) - window.ticks) / CLK_TCK / seconds) * 100,
          machineBusyPct: (1 - (m.idle - window.machine.idle) / Math.max(1, m.total - window.machine.total)) * 100,
        };
        rssMax = Math.max(rssMax, treeRssMb(serverPid));
      } else if (msg.event === "result") {
        const { event: _event, ...rest } = msg;
        result = rest as LoadResult;
      }
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(sampler);
  if (code !== 0 || !result || !measured) throw new Error(`load client failed (exit ${code}) for ${cfg.mode} c=${cfg.concurrency}`);
  await new Promise((r) => setTimeout(r, 1000));
  return { result, server: { ...(measured as { cpuPct: number; machineBusyPct: number }), rssMaxMb: rssMax, rssAfterMb: treeRssMb(serverPid), loadAvg1: os.loadavg()[0] ?? NaN } };
}

export interface Started {
  pid: number;
  child: ChildProcess;
  output(): string;
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a server in its own process group (so stopping it stops whatever it started too). */
export function spawnServer(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Started {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const pid = child.pid;
  if (!pid) throw new Error(`could not start ${command}`);
  return {
    pid,
    child,
    output: () => out,
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        return;
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
        await exited;
      }
    },
  };
}

/** Resolves when `ready()` holds, checking every 100 ms; throws when the process exits first or time runs out. */
export async function until(server: Started, what: string, ready: () => boolean | Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`${what}: the process exited (${server.child.exitCode ?? server.child.signalCode}):\n${server.output().slice(-3000)}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s:\n${server.output().slice(-3000)}`);
}

/** The newest modification time under `p` (a file or a directory tree). */
function newestMtime(p: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  // Tests are not part of the build: editing one should not cost a rebuild.
  for (const entry of fs.readdirSync(p)) if (!/\.test\.tsx?$/.test(entry)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

// What a production build is made of, as scripts/start.mjs decides whether to rebuild.
const SOURCES = ["app", "components", "lib", "server", "instrumentation.ts", "next.config.mjs", "package-lock.json", "postcss.config.mjs"];

/**
 * Builds the app into `distDir` when it has no build or the sources changed since (a before/after
 * comparison must never measure a stale build); BENCH_API_SKIP_BUILD=1 uses the build as it is.
 */
export function buildIfStale(distDir: string): void {
  const buildId = path.join(ROOT, distDir, "BUILD_ID");
  const exists = fs.existsSync(buildId);
  if (exists && process.env.BENCH_API_SKIP_BUILD === "1") return;
  if (exists && !SOURCES.some((s) => newestMtime(path.join(ROOT, s)) > fs.statSync(buildId).mtimeMs)) return;
  console.log(`• building into ${distDir} (${exists ? "sources changed" : "no build yet"})…`);
  const res = spawnSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, STEWARD_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (res.status !== 0) throw new Error("next build failed");
}
