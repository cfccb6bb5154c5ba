// `npm test`: typecheck, lint, unit + integration (Vitest), then Playwright against a production build.
// `npm test -- unit lint` runs only those. Ends with one line `N passed, N failed` summing every
// suite; before it, the tests skipped, the suites that did not run, and (loudly) whether the
// PostgreSQL half of the integration tests ran (TEST_DATABASE_URL).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { playwrightCounts, playwrightFailures, postgresStatus, reportLines, vitestCounts, vitestFailures } from "./test-report.mjs";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const results = [];
fs.mkdirSync(path.join(root, "test-results"), { recursive: true });

function run(name, cmd, args, env = {}) {
  console.log(`\n━━ ${name} ━━ ${[path.basename(cmd), ...args].join(" ")}`);
  const started = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  return { status: res.status ?? 1, seconds };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));
  } catch {
    return null;
  }
}

const only = process.argv.slice(2);
const notRun = [];
const want = (s) => {
  const yes = only.length === 0 || only.includes(s);
  if (!yes) notRun.push({ suite: s, why: `not asked for (npm test -- ${only.join(" ")})` });
  return yes;
};
let skippedFiles = [];
const failures = [];
let postgres;
if ((only.length === 0 || only.includes("unit")) && !process.env.TEST_DATABASE_URL) {
  console.log("\n!! TEST_DATABASE_URL is not set: the integration tests run on PGlite only, not on PostgreSQL.");
}

if (want("typecheck")) {
  const r = run("typecheck", bin("tsc"), ["--noEmit", "-p", "."]);
  results.push({ suite: "typecheck", passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, seconds: r.seconds });
}
if (want("lint")) {
  const r = run("lint", bin("eslint"), ["--max-warnings=0", "."]);
  results.push({ suite: "lint", passed: r.status === 0 ? 1 : 0, failed: r.status === 0 ? 0 : 1, seconds: r.seconds });
}
if (want("unit")) {
  const out = "test-results/vitest.json";
  fs.rmSync(path.join(root, out), { force: true });
  const r = run("unit + integration (vitest)", bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`]);
  const j = readJson(out);
  const counts = vitestCounts(j, root);
  const failed = counts.failed + (j ? 0 : 1) + (r.status !== 0 && j && !j.numFailedTests ? 1 : 0);
  results.push({ suite: "vitest", passed: counts.passed, failed, skipped: counts.skipped, seconds: r.seconds });
  skippedFiles = counts.skippedFiles;
  failures.push(...vitestFailures(j, root));
  postgres = postgresStatus(process.env.TEST_DATABASE_URL, counts.postgresTests);
}
if (want("e2e")) {
  const out = `test-results/e2e-${process.env.E2E_PORT ?? 3210}.json`;
  fs.rmSync(path.join(root, out), { force: true });
  const r = run("end-to-end (playwright)", bin("playwright"), ["test"]);
  const j = readJson(out);
  const counts = playwrightCounts(j);
  const failed = counts.failed + (j ? 0 : 1) + (r.status !== 0 && j && !j.stats?.unexpected ? 1 : 0);
  failures.push(...playwrightFailures(j));
  results.push({ suite: "playwright", passed: counts.passed, failed, skipped: counts.skipped, seconds: r.seconds });
}

console.log("\n━━ summary ━━");
for (const line of reportLines({ results, notRun, skippedFiles, postgres, failures })) console.log(line);
const passed = results.reduce((n, s) => n + s.passed, 0);
const failed = results.reduce((n, s) => n + s.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
