// What `npm test` says about a run besides the counts: which tests failed and why, tests skipped,
// suites that did not run, and whether the PostgreSQL half ran. The failures are repeated in the
// summary because CI keeps only the end of the output. Pure functions over the reporters' JSON, so
// scripts/test-report.test.ts can check them without running a suite.
import path from "node:path";

const SKIPPED = new Set(["skipped", "pending", "todo", "disabled"]);

/** Counts from Vitest's JSON report; `skippedFiles`: test files none of whose tests ran. */
export function vitestCounts(report, root) {
  const files = report?.testResults ?? [];
  const skippedFiles = files
    .filter((f) => f.status !== "failed" && (f.assertionResults ?? []).every((t) => SKIPPED.has(t.status)))
    .map((f) => path.relative(root, f.name));
  const ran = files.flatMap((f) => f.assertionResults ?? []).filter((t) => !SKIPPED.has(t.status));
  return {
    passed: report?.numPassedTests ?? 0,
    failed: report?.numFailedTests ?? 0,
    skipped: (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0),
    skippedFiles,
    // Integration tests name their database (describe.each(testDatabases()) … $name).
    postgresTests: ran.filter((t) => /postgres/i.test(t.fullName ?? "")).length,
  };
}

/** Each failed Vitest test as `file › name` with the first lines of its first failure. */
export function vitestFailures(report, root) {
  return (report?.testResults ?? []).flatMap((f) => {
    const file = path.relative(root, f.name);
    const failed = (f.assertionResults ?? []).filter((t) => t.status === "failed");
    // A file that failed outside any test (a hook, an import) has only its own message.
    if (!failed.length && f.status === "failed") return [{ where: file, message: f.message ?? "" }];
    return failed.map((t) => ({ where: `${file} › ${t.fullName}`, message: t.failureMessages?.[0] ?? "" }));
  });
}

/** Each Playwright test that failed or was flaky, as `file:line › title`, with its first error. */
export function playwrightFailures(report) {
  const out = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== "unexpected" && t.status !== "flaky") continue;
        const error = (t.results ?? []).map((r) => r.error?.message).find(Boolean) ?? "";
        const flaky = t.status === "flaky" ? " (flaky: passed on retry)" : "";
        out.push({ where: `${spec.file ?? suite.file}:${spec.line} › ${[...titles, spec.title].join(" › ")}${flaky}`, message: error });
      }
    }
    for (const s of suite.suites ?? []) walk(s, [...titles, s.title]);
  };
  for (const s of report?.suites ?? []) walk(s, []);
  return out;
}

const ANSI = /\u001b\[[0-9;]*m/g;
// Stack frames of the test runner and of Node itself say nothing about the failure.
const NOISE = /^\s*at .*(node_modules|node:internal|<anonymous>)/;
/** A failure's message cut to a few lines, without terminal colours or the runner's frames. */
export function shortMessage(message, maxLines = 12) {
  const lines = String(message)
    .replace(ANSI, "")
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l && !NOISE.test(l));
  const kept = lines.slice(0, maxLines).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
  if (lines.length > maxLines) kept.push(`… ${lines.length - maxLines} more lines`);
  return kept;
}

/** Counts from Playwright's JSON report. */
export function playwrightCounts(report) {
  const s = report?.stats ?? {};
  return { passed: s.expected ?? 0, failed: (s.unexpected ?? 0) + (s.flaky ?? 0), skipped: s.skipped ?? 0 };
}

/**
 * The lines before the final `N passed, N failed`: each failed test and why, one per suite, the suites that did not run
 * and why, the skipped test files, and a loud block when the PostgreSQL half did not run.
 */
export function reportLines({ results, notRun, skippedFiles = [], postgres, failures = [] }) {
  const lines = [];
  if (failures.length) {
    lines.push(`${failures.length} failed:`);
    for (const f of failures) lines.push(`✗ ${f.where}`, ...shortMessage(f.message).map((l) => `    ${l}`));
  }
  for (const s of results) {
    const skipped = s.skipped ? ` ${String(s.skipped).padStart(4)} skipped` : "";
    lines.push(`${s.suite.padEnd(12)} ${String(s.passed).padStart(5)} passed ${String(s.failed).padStart(4)} failed${skipped}  (${s.seconds}s)`);
  }
  for (const s of notRun) lines.push(`${s.suite.padEnd(12)} did not run: ${s.why}`);
  const skipped = results.reduce((n, s) => n + (s.skipped ?? 0), 0);
  if (skipped) lines.push(`${skipped} tests skipped`);
  if (skippedFiles.length) lines.push(`test files that ran no test: ${skippedFiles.join(", ")}`);
  if (postgres && !postgres.ran) {
    const bar = "!".repeat(78);
    lines.push(
      bar,
      `!! THE POSTGRESQL HALF DID NOT RUN: ${postgres.why}`,
      "!! Every integration test ran on PGlite only. CI runs both; to run them here:",
      "!!   TEST_DATABASE_URL=postgres://steward:steward@127.0.0.1:5432/steward npm test",
      bar,
    );
  }
  return lines;
}

/** Whether the PostgreSQL half ran, from the environment and the tests that did run. */
export function postgresStatus(url, postgresTests) {
  if (!url) return { ran: false, why: "TEST_DATABASE_URL is not set." };
  if (!postgresTests) return { ran: false, why: "TEST_DATABASE_URL is set, but no test ran on PostgreSQL." };
  return { ran: true, why: "" };
}
