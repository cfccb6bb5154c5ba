import { describe, expect, it } from "vitest";
import { playwrightCounts, postgresStatus, reportLines, vitestCounts } from "./test-report.mjs";

// What `npm test` prints besides passes and failures (scripts/test.mjs), from reports shaped as
// Vitest's and Playwright's JSON reporters write them.

const test = (fullName: string, status: string) => ({ fullName, status, title: fullName, ancestorTitles: [] });
const vitestReport = {
  numPassedTests: 3,
  numFailedTests: 1,
  numPendingTests: 2,
  numTodoTests: 1,
  testResults: [
    { name: "/repo/server/a.test.ts", status: "failed", assertionResults: [test("a on 'pglite' works", "passed"), test("a on 'postgres' works", "failed")] },
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
});
