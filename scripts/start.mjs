// `npm start`: build when the production build is missing or older than the sources, then serve.
// Migrations, demo seeding and the embedded executor run inside the server process (instrumentation.ts).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { serverNodeFlags, serverProcessEnv } from "./server-flags.mjs";

const root = path.resolve(import.meta.dirname, "..");
const distDir = process.env.STEWARD_DIST_DIR ?? ".next";
const buildId = path.join(root, distDir, "BUILD_ID");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const SOURCES = ["app", "components", "lib", "server", "instrumentation.ts", "next.config.mjs", "package-lock.json", "postcss.config.mjs"];

function newestMtime(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

function needsBuild() {
  if (!fs.existsSync(buildId)) return true;
  const built = fs.statSync(buildId).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(root, s)) > built);
}

if (process.argv.includes("--rebuild") || needsBuild()) {
  console.log("• Building Steward (first start or sources changed)…");
  const res = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (res.status !== 0) process.exit(res.status ?? 1);
}

const port = process.env.PORT ?? "3000";
const child = spawn(process.execPath, [...serverNodeFlags(process.env), nextBin, "start", "-p", port], {
  cwd: root,
  stdio: "inherit",
  // NEXT_MANUAL_SIG_HANDLE: Next.js's own SIGTERM handler exits (143) at once; Steward's (server/boot/boot.ts)
  // lets running steps finish first (docs/deployment.md, "Shutdown").
  env: { ...serverProcessEnv(process.env), ...process.env, PORT: port, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", NEXT_MANUAL_SIG_HANDLE: "1" },
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
