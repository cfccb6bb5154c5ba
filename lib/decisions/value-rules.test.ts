import { describe, expect, it } from "vitest";
import { checkValue, rulesFromSchema, type FieldLike } from "./value-rules";

const note: FieldLike = { name: "note", label: "Note", type: "string" };

/** CPU milliseconds `fn` takes (the machine is shared: wall time would measure the neighbours). */
function cpuMs(fn: () => unknown): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

describe("patterns from a tool's schema run in linear time", () => {
  it("checks a catastrophic pattern from an untrusted MCP server at once", () => {
    const rules = rulesFromSchema({ properties: { note: { type: "string", pattern: "^(a+)+$" } } });
    let problem: string | null = null;
    // JavaScript's RegExp takes seconds here (2^29 ways to split the a's) and doubles per "a".
    const ms = cpuMs(() => (problem = checkValue(note, `${"a".repeat(29)}!`, rules.note)));
    expect(problem).toBe("must match the pattern ^(a+)+$");
    expect(ms).toBeLessThan(150);
    expect(checkValue(note, "a".repeat(29), rules.note)).toBeNull();
  });

  it("checks an email address in linear time", () => {
    const email: FieldLike = { name: "to", label: "To", type: "string" };
    let problem: string | null = null;
    const ms = cpuMs(() => (problem = checkValue(email, `a@${".".repeat(50_000)} `, { format: "email" })));
    expect(problem).toBe("must be an email address");
    expect(ms).toBeLessThan(150);
    expect(checkValue(email, "dana@example.com", { format: "email" })).toBeNull();
    expect(checkValue(email, "dana@example", { format: "email" })).toBe("must be an email address");
  });

  it("reads JSON Schema's JavaScript syntax: \\d, \\u escapes, named groups, partial matches", () => {
    const cases: [string, string, boolean][] = [
      ["^\\d{3}-\\d{4}$", "555-1234", true],
      ["^\\d{3}-\\d{4}$", "555-12345", false],
      ["^\\u00e9+$", "ééé", true],
      ["^(?<year>\\d{4})-\\d{2}$", "2026-01", true],
      ["ref", "a ref here", true],
      ["^[A-Z]{2}\\d+$", "de42", false],
    ];
    for (const [pattern, value, ok] of cases) {
      expect(checkValue(note, value, { pattern }), `${pattern} on ${value}`).toBe(ok ? null : `must match the pattern ${pattern}`);
    }
  });

  it("does not enforce a pattern it cannot run in linear time (the tool still checks its own input)", () => {
    expect(checkValue(note, "anything", { pattern: "^(?=a)b" })).toBeNull();
    expect(checkValue(note, "anything", { pattern: "(a)\\1" })).toBeNull();
    expect(checkValue(note, "anything", { pattern: "a{1000}b{1000}".repeat(10) })).toBeNull();
  });
});
