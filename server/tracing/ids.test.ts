import { describe, expect, it } from "vitest";
import { runIdOfTrace, spanIdOf, traceIdOf } from "./ids";

describe("a run's trace and span ids", () => {
  it("is the run's UUID as 32 hex digits, and reads back as the run id", () => {
    const runId = "0B4F4A8E-3C5E-4C1E-9A53-2A4A7C8D9E10";
    expect(traceIdOf(runId)).toBe("0b4f4a8e3c5e4c1e9a532a4a7c8d9e10");
    expect(runIdOfTrace(traceIdOf(runId))).toBe(runId.toLowerCase());
    expect(runIdOfTrace("not-a-trace")).toBeNull();
  });

  it("hashes a run id that is not a UUID, and never gives the all-zero id", () => {
    expect(traceIdOf("old-run")).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf("old-run")).toBe(traceIdOf("old-run"));
    expect(traceIdOf("old-run")).not.toBe(traceIdOf("old-run-2"));
    expect(traceIdOf("00000000-0000-0000-0000-000000000000")).not.toMatch(/^0+$/);
  });

  it("derives span ids from the run and the span's key: the same every time, different per span and per run", () => {
    const a = "0b4f4a8e-3c5e-4c1e-9a53-2a4a7c8d9e10";
    expect(spanIdOf(a, "run")).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdOf(a, "node:refund")).toBe(spanIdOf(a, "node:refund"));
    expect(new Set([spanIdOf(a, "run"), spanIdOf(a, "node:refund"), spanIdOf(a, "obs:1"), spanIdOf("another-run", "run")]).size).toBe(4);
  });
});
