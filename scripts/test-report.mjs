// What `npm test` says about a run besides passes and failures: tests skipped, suites that did
// not run, and whether the PostgreSQL half ran. Pure functions over the reporters' JSON, so
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

/** Counts from Playwright's JSON report. */
export function playwrightCounts(report) {
  const s = report?.stats ?? {};
  return { passed: s.expected ?? 0, failed: (s.unexpected ?? 0) + (s.flaky ?? 0), skipped: s.skipped ?? 0 };
}

/**
 * The lines before the final `N passed, N failed`: one per suite, the suites that did not run
 * and why, the skipped test files, and a loud block when the PostgreSQL half did not run.
 */
export function reportLines({ results, notRun, skippedFiles = [], postgres }) {
  const lines = [];
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
