import { describe, expect, it } from "vitest";
import { dueAt, durationMs, retryAt } from "./durations";
import { equalityPaths, matches, valueAt } from "./matching";

describe("durations", () => {
  it("reads the time strings the SDK writes", () => {
    expect(durationMs("1s")).toBe(1_000);
    expect(durationMs("2h30m")).toBe(9_000_000);
    expect(durationMs("1w1d")).toBe(8 * 86_400_000);
    expect(durationMs("250ms")).toBe(250);
    expect(() => durationMs("soon")).toThrow('Invalid duration "soon"');
    expect(() => durationMs("1s later")).toThrow(/Invalid duration/);
  });

  it("treats ISO dates (sleepUntil) as absolute", () => {
    expect(dueAt("2030-01-02T03:04:05.000Z").toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(dueAt("10s", 1_000).getTime()).toBe(11_000);
  });

  it("honours Retry-After in seconds or as a date, else backs off exponentially", () => {
    expect(retryAt(0, "3", 100, 0).getTime()).toBe(3_000);
    expect(retryAt(0, "2031-01-01T00:00:00Z", 100, 0).toISOString()).toBe("2031-01-01T00:00:00.000Z");
    const third = retryAt(3, null, 100, 0).getTime();
    expect(third).toBeGreaterThanOrEqual(640);
    expect(third).toBeLessThanOrEqual(960);
  });
});

describe("wait and cancel matching", () => {
  it("matches CEL over the trigger event and the incoming one; errors are no match", () => {
    const event = { data: { runId: "r1" } };
    expect(matches("event.data.runId == async.data.runId", { event, async: { data: { runId: "r1" } } })).toBe(true);
    expect(matches("event.data.runId == async.data.runId", { event, async: { data: { runId: "r2" } } })).toBe(false);
    expect(matches("event.data.runId == async.data.missing.deep", { event, async: { data: {} } })).toBe(false);
    expect(matches("this is not CEL ((", { event, async: {} })).toBe(false);
    expect(matches(null, {})).toBe(true);
  });

  it("recognises cancelOn's equality so candidates can be filtered in SQL", () => {
    expect(equalityPaths("event.data.runId == async.data.runId")).toEqual({ eventPath: ["data", "runId"], asyncPath: ["data", "runId"] });
    expect(equalityPaths("async.data.x > 1")).toBeNull();
    expect(valueAt({ data: { a: { b: 2 } } }, ["data", "a", "b"])).toBe(2);
    expect(valueAt({ data: 1 }, ["data", "a"])).toBeUndefined();
  });
});
