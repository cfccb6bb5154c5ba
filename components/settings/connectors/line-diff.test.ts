import { describe, expect, it } from "vitest";
import { diffLines, stableJson } from "./line-diff";

describe("diffLines", () => {
  it("keeps common lines and marks what was removed and added", () => {
    expect(diffLines("a\nb\nc", "a\nB\nc\nd")).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "B" },
      { kind: "same", text: "c" },
      { kind: "added", text: "d" },
    ]);
  });

  it("handles empty sides", () => {
    expect(diffLines("", "x")).toEqual([
      { kind: "removed", text: "" },
      { kind: "added", text: "x" },
    ]);
    expect(diffLines("same", "same")).toEqual([{ kind: "same", text: "same" }]);
  });

  it("compares schemas regardless of key order", () => {
    const before = stableJson({ type: "object", properties: { b: { type: "string" }, a: { type: "number" } } });
    const after = stableJson({ properties: { a: { type: "number" }, b: { type: "string" } }, type: "object" });
    expect(diffLines(before, after).every((l) => l.kind === "same")).toBe(true);
    const widened = stableJson({ properties: { a: { type: "number" }, b: { type: "string" }, c: { type: "boolean" } }, type: "object" });
    const diff = diffLines(before, widened);
    // Both sides are recoverable from the diff, and only the new property shows as added.
    expect(diff.filter((l) => l.kind !== "added").map((l) => l.text).join("\n")).toBe(before);
    expect(diff.filter((l) => l.kind !== "removed").map((l) => l.text).join("\n")).toBe(widened);
    const added = diff.filter((l) => l.kind === "added").map((l) => l.text.trim());
    expect(added).toContain('"c": {');
    expect(added).toContain('"type": "boolean"');
    expect(diff.filter((l) => l.kind === "removed").length).toBeLessThanOrEqual(1);
  });
});
