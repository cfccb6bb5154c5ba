import { describe, expect, it } from "vitest";
import { backoffMs } from "./backoff";

describe("backoffMs", () => {
  it("doubles from the base per retry and stops at the cap", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, { baseMs: 1_000, maxMs: 10_000 }))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000]);
    expect(backoffMs(0, { baseMs: 1_000, maxMs: 10_000 })).toBe(1_000);
  });

  it("spreads the wait by the jitter, both ways", () => {
    const opts = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2 };
    expect(backoffMs(3, opts, () => 0)).toBeCloseTo(3_200, 6);
    expect(backoffMs(3, opts, () => 0.5)).toBeCloseTo(4_000, 6);
    expect(backoffMs(3, opts, () => 1)).toBeCloseTo(4_800, 6);
    // The cap applies before the jitter.
    expect(backoffMs(20, opts, () => 1)).toBeCloseTo(72_000, 6);
  });
});
