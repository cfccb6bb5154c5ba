import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..");
/** Where the global setup writes the e2e server's console output (tests read its data dir from it). */
export function serverLogPath(port = Number(process.env.E2E_PORT ?? 3210)): string {
  return path.join(ROOT, "test-results", `e2e-server-${port}.log`);
}

export const E2E_DIST = process.env.E2E_DIST_DIR ?? ".next-e2e";

/** The absolute path of an npm package's bin script, as its package.json names it (for stdio connectors). */
export function binOf(pkg: string): string {
  const dir = path.join(ROOT, "node_modules", pkg);
  const json = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof json.bin === "string" ? json.bin : Object.values(json.bin)[0];
  if (!bin) throw new Error(`${pkg} has no bin in its package.json`);
  return fs.realpathSync(path.join(dir, bin));
}

/** Builds the app into its own dist dir (skipped when E2E_SKIP_BUILD=1 and a build exists). */
export function buildForE2E(): void {
  const exists = fs.existsSync(path.join(ROOT, E2E_DIST, "BUILD_ID"));
  if (process.env.E2E_SKIP_BUILD === "1" && exists) return;
  const res = spawnSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, STEWARD_DIST_DIR: E2E_DIST, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (res.status !== 0) throw new Error("next build failed for e2e");
}

export interface StartedServer {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `next start` on the e2e build with a throwaway data dir. */
export async function startServer(opts: { port: number; dataDir?: string; env?: Record<string, string> }): Promise<StartedServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "steward-e2e-"));
  let out = "";
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(opts.port)], {
    cwd: ROOT,
    env: { ...process.env, STEWARD_DIST_DIR: E2E_DIST, STEWARD_DATA_DIR: dataDir, PORT: String(opts.port), NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", STEWARD_SIGNIN_RATE_LIMIT: "1000", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}/sign-in`);
      if (res.ok && out.includes("Steward is ready")) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  if (!out.includes("Steward is ready")) throw new Error(`server did not become ready:\n${out}`);
  return {
    url,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
