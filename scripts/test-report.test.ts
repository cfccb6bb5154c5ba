import { describe, expect, it } from "vitest";
import { playwrightCounts, playwrightFailures, postgresStatus, reportLines, vitestCounts, vitestFailures } from "./test-report.mjs";

// What `npm test` prints besides passes and failures (scripts/test.mjs), from reports shaped as
// Vitest's and Playwright's JSON reporters write them.

const test = (fullName: string, status: string, failureMessages: string[] = []) => ({ fullName, status, title: fullName, ancestorTitles: [], failureMessages });
const vitestReport = {
  numPassedTests: 3,
  numFailedTests: 1,
  numPendingTests: 2,
  numTodoTests: 1,
  testResults: [
    { name: "/repo/server/a.test.ts", status: "failed", assertionResults: [test("a on 'pglite' works", "passed"), test("a on 'postgres' works", "failed", ["\u001b[31mAssertionError: expected 2 to be 1\u001b[39m\n    at a.test.ts:4:5"])] },
    { name: "/repo/server/b.test.ts", status: "passed", assertionResults: [test("b on 'postgres' works", "passed"), test("b later", "todo")] },
    { name: "/repo/e2e/c.test.ts", status: "passed", assertionResults: [test("c one", "skipped"), test("c two", "pending")] },
    { name: "/repo/lib/d.test.ts", status: "passed", assertionResults: [test("d", "passed")] },
  ],
};

describe("npm test's report", () => {
  it("counts skipped and todo tests, the files that ran none, and the tests that ran on PostgreSQL", () => {
    expect(vitestCounts(vitestReport, "/repo")).toEqual({ passed: 3, failed: 1, skipped: 3, skippedFiles: ["e2e/c.test.ts"], postgresTests: 2 });
    expect(vitestCounts(null, "/repo")).toEqual({ passed: 0, failed: 0, skipped: 0, skippedFiles: [], postgresTests: 0 });
    expect(playwrightCounts({ stats: { expected: 5, unexpected: 1, flaky: 1, skipped: 2 } })).toEqual({ passed: 5, failed: 2, skipped: 2 });
  });

  it("says loudly when the PostgreSQL half did not run, and why", () => {
    const unset = postgresStatus(undefined, 0);
    expect(unset).toEqual({ ran: false, why: "TEST_DATABASE_URL is not set." });
    expect(postgresStatus("postgres://x", 0).ran).toBe(false);
    expect(postgresStatus("postgres://x", 4)).toEqual({ ran: true, why: "" });

    const lines = reportLines({
      results: [
        { suite: "lint", passed: 1, failed: 0, seconds: 3 },
        { suite: "vitest", passed: 3, failed: 1, skipped: 3, seconds: 9 },
      ],
      notRun: [{ suite: "e2e", why: "not asked for (npm test -- lint unit)" }],
      skippedFiles: ["e2e/c.test.ts"],
      postgres: unset,
    });
    expect(lines).toContain("vitest           3 passed    1 failed    3 skipped  (9s)");
    expect(lines).toContain("lint             1 passed    0 failed  (3s)");
    expect(lines).toContain("e2e          did not run: not asked for (npm test -- lint unit)");
    expect(lines).toContain("3 tests skipped");
    expect(lines).toContain("test files that ran no test: e2e/c.test.ts");
    expect(lines).toContain("!! THE POSTGRESQL HALF DID NOT RUN: TEST_DATABASE_URL is not set.");
    // The final `N passed, N failed` line is test.mjs's own and stays last.
    expect(lines.some((l) => /^\d+ passed, \d+ failed$/.test(l))).toBe(false);
  });

  it("prints no PostgreSQL warning when it ran, or when the integration tests were not asked for", () => {
    const results = [{ suite: "vitest", passed: 3, failed: 0, seconds: 1 }];
    expect(reportLines({ results, notRun: [], postgres: { ran: true, why: "" } }).join("\n")).not.toContain("POSTGRESQL");
    expect(reportLines({ results, notRun: [] }).join("\n")).not.toContain("POSTGRESQL");
  });

  it("names each failed test and the start of its error, since CI keeps only the end of the output", () => {
    const hookFailed = { name: "/repo/server/e.test.ts", status: "failed", message: "Hook timed out in 10000ms", assertionResults: [] };
    const vitest = vitestFailures({ ...vitestReport, testResults: [...vitestReport.testResults, hookFailed] }, "/repo");
    expect(vitest).toEqual([
      { where: "server/a.test.ts › a on 'postgres' works", message: expect.stringContaining("expected 2 to be 1") },
      { where: "server/e.test.ts", message: "Hook timed out in 10000ms" },
    ]);
    const playwright = playwrightFailures({
      suites: [
        {
          title: "x.spec.ts",
          file: "x.spec.ts",
          specs: [{ title: "passes", file: "x.spec.ts", line: 3, tests: [{ status: "expected", results: [{}] }] }],
          suites: [
            {
              title: "group",
              file: "x.spec.ts",
              specs: [
                { title: "breaks", file: "x.spec.ts", line: 9, tests: [{ status: "unexpected", results: [{ error: { message: "Timed out 5000ms waiting for getByText('Done')" } }] }] },
                { title: "wobbles", file: "x.spec.ts", line: 20, tests: [{ status: "flaky", results: [{ error: { message: "first try failed" } }, {}] }] },
              ],
            },
          ],
        },
      ],
    });
    expect(playwright).toEqual([
      { where: "x.spec.ts:9 › group › breaks", message: "Timed out 5000ms waiting for getByText('Done')" },
      { where: "x.spec.ts:20 › group › wobbles (flaky: passed on retry)", message: "first try failed" },
    ]);

    const frames = "    at file:///repo/node_modules/@vitest/runner/dist/index.js:1:1\n    at new Promise (<anonymous>)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";
    const long = [...Array.from({ length: 16 }, (_, i) => `line ${i}`), frames].join("\n");
    const lines = reportLines({ results: [], notRun: [], failures: [...vitest, { where: "long.test.ts › t", message: long }] });
    expect(lines[0]).toBe("3 failed:");
    expect(lines).toContain("✗ server/a.test.ts › a on 'postgres' works");
    // Without the terminal's colours.
    expect(lines).toContain("    AssertionError: expected 2 to be 1");
    expect(lines).toContain("    line 11");
    expect(lines).not.toContain("    line 12");
    expect(lines).toContain("    … 4 more lines");
    expect(lines.join("\n")).not.toMatch(/node_modules|<anonymous>|node:internal/);
    expect(reportLines({ results: [], notRun: [] }).join("\n")).not.toContain("failed:");
  });
});
