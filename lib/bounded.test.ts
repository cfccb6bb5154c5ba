import { describe, expect, it } from "vitest";
import { capValue, formatBytes, isTruncated, jsonBytes, truncateStrings, truncateText } from "./bounded";

describe("bounded values", () => {
  it("formats sizes in decimal units", () => {
    expect([formatBytes(999), formatBytes(16_000), formatBytes(1_900_002), formatBytes(123_456_789)]).toEqual(["999 bytes", "16 KB", "1.9 MB", "123 MB"]);
  });

  it("cuts text with a marker naming the whole size, never splitting a surrogate pair, and only once", () => {
    expect(truncateText("short", 10)).toBe("short");
    const cut = truncateText("a".repeat(5_000), 100);
    expect(cut).toBe(`${"a".repeat(100)}… [truncated: 5 KB in all]`);
    expect(truncateText(cut, 100)).toBe(cut);
    // "😀" is two UTF-16 units: a cut in between would leave a lone surrogate, which jsonb refuses.
    const emoji = truncateText(`${"a".repeat(99)}😀${"b".repeat(50)}`, 100);
    expect(emoji.startsWith(`${"a".repeat(99)}…`)).toBe(true);
    expect(() => encodeURIComponent(emoji)).not.toThrow(); // throws on a lone surrogate
  });

  it("cuts every string inside a value, leaving keys and other values alone", () => {
    expect(truncateStrings({ long: "x".repeat(20), n: 1, list: ["y".repeat(20), true] }, 5)).toEqual({
      long: "xxxxx… [truncated: 20 bytes in all]",
      n: 1,
      list: ["yyyyy… [truncated: 20 bytes in all]", true],
    });
  });

  it("stands in for a value over the limit with its size, a preview and the download link", () => {
    const small = { a: 1 };
    expect(capValue(small, 100, "/x")).toBe(small);
    const big = { text: "é".repeat(1_000) };
    const capped = capValue(big, 1_000, "/api/v1/runs/r/values?part=input");
    expect(isTruncated(capped)).toBe(true);
    expect(capped).toEqual({ $truncated: { bytes: jsonBytes(big), preview: JSON.stringify(big), download: "/api/v1/runs/r/values?part=input" } });
    expect(jsonBytes(big)).toBe(2_011);
    expect(isTruncated({ $truncated: "no" })).toBe(false);
  });
});
