import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { compileLinearRegex, estimatePatternSize, MAX_PATTERN_SIZE } from "./linear-regex";

describe("compileLinearRegex", () => {
  it("estimates a pattern's program from its text without ever estimating low", () => {
    for (const pattern of [
      "abc",
      "^(a+)+$",
      "(?:a?){200}a{200}",
      "(?i)too (small|large)",
      "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$",
      "\\pL{100}",
      "[\\p{L}\\p{N}]{50}x",
      "(?P<year>\\d{4})-(\\d{2})",
      "a{2,}b{3,5}",
      "\\Qa.b\\E+",
      "x|y|(z{10}){10}",
      "[[:alpha:]]+\\b",
    ]) {
      const compiled = RE2JS.compile(pattern);
      expect(estimatePatternSize(pattern), pattern).toBeGreaterThanOrEqual(compiled.programSize());
    }
  });

  it("refuses before compiling what would take long to compile", () => {
    const pattern = "a{1000}b{1000}".repeat(10);
    expect(estimatePatternSize(pattern)).toBeGreaterThan(MAX_PATTERN_SIZE);
    const start = process.cpuUsage();
    const outcome = compileLinearRegex(pattern);
    const used = process.cpuUsage(start);
    expect(outcome).toEqual({ ok: false, message: expect.stringMatching(/is too large: it would compile to more than 2000 instructions/) });
    expect((used.user + used.system) / 1000).toBeLessThan(20);
    expect(compileLinearRegex("x".repeat(1_001))).toEqual({ ok: false, message: expect.stringMatching(/too large: 1001 characters, at most 1000/) });
  });

  it("names what RE2 lacks", () => {
    expect(compileLinearRegex("(a)\\1")).toMatchObject({ ok: false, message: expect.stringMatching(/not valid RE2 syntax .*; RE2 has no backreferences/) });
    expect(compileLinearRegex("a(?!b)")).toMatchObject({ ok: false, message: expect.stringMatching(/RE2 has no lookahead/) });
    expect(compileLinearRegex("(?<=a)b")).toMatchObject({ ok: false, message: expect.stringMatching(/RE2 has no lookbehind/) });
    expect(compileLinearRegex("a(")).toMatchObject({ ok: false, message: expect.stringMatching(/missing closing \)/) });
  });

  it("translates JavaScript syntax for JSON Schema patterns", () => {
    const outcome = compileLinearRegex("^\\u00e9(?<n>\\d+)$", "ecma");
    expect(outcome.ok && outcome.regex.test("é42")).toBe(true);
    expect(compileLinearRegex("^\\u00e9$").ok).toBe(false);
  });
});
