import { describe, expect, it } from "vitest";
import { createNode, nodeSummary } from "../node-kinds";
import { MISSION_FORMAT } from "../schema";
import { validateMission } from "../validate";
import { durationProblem, wakeAt } from "./wait";

function withWait(data: Record<string, unknown>) {
  const trigger = createNode("trigger", "trigger", { x: 0, y: 0 });
  const verdict = createNode("verdict", "verdict", { x: 600, y: 0 });
  verdict.data.outcomes = ["done"];
  return {
    format: MISSION_FORMAT,
    name: "Wait",
    description: "",
    nodes: [trigger, { id: "pause", kind: "wait", position: { x: 300, y: 0 }, data: { label: "Pause", ...data } }, verdict],
    edges: [
      { id: "e1", source: "trigger", target: "pause" },
      { id: "e2", source: "pause", target: "verdict" },
    ],
  };
}

describe("a Wait's wake-up time", () => {
  const now = Date.parse("2026-12-06T08:00:00Z");
  it("takes timestamps and ISO dates, and refuses anything else, saying what it gave", () => {
    expect(wakeAt("2026-12-07T08:00:00Z", now)).toEqual({ ok: true, at: new Date("2026-12-07T08:00:00Z") });
    expect(wakeAt("2026-12-07", now)).toEqual({ ok: true, at: new Date("2026-12-07T00:00:00Z") });
    expect(wakeAt("2026-12-07T09:00:00+01:00", now)).toEqual({ ok: true, at: new Date("2026-12-07T08:00:00Z") });
    expect(wakeAt("tomorrow", now)).toEqual({ ok: false, problem: 'must give a time (a timestamp, or an ISO 8601 date such as "2026-12-07T08:00:00Z"), gave "tomorrow"' });
    expect(wakeAt(42, now)).toMatchObject({ ok: false, problem: expect.stringContaining("gave 42") });
    expect(wakeAt("2026-02-30T00:00:00Z", now)).toMatchObject({ ok: false, problem: expect.stringContaining("not a real time") });
    expect(wakeAt("2028-12-07T00:00:00Z", now)).toMatchObject({ ok: false, problem: expect.stringContaining("more than 366 days ahead") });
  });

  it("takes durations up to 366 days", () => {
    expect([durationProblem("30s"), durationProblem("366d")]).toEqual([null, null]);
    expect(durationProblem("367d")).toBe("must be at most 366d");
    expect(durationProblem("soon")).toBe("must be a duration like 30s, 15m, 24h or 7d");
  });
});

describe("validating a Wait", () => {
  it("accepts a duration or an until expression, and summarises each", () => {
    expect(validateMission(withWait({ mode: "duration", duration: "15m" })).problems).toEqual([]);
    const until = validateMission(withWait({ mode: "until", until: 'timestamp("2026-12-07T08:00:00Z")' }));
    expect(until.problems).toEqual([]);
    const pause = until.graph?.nodes.find((n) => n.id === "pause");
    expect(pause && nodeSummary(pause)).toBe('Until timestamp("2026-12-07T08:00:00Z")');
  });

  it("names the field of each problem", () => {
    expect(validateMission(withWait({ mode: "until" })).problems).toEqual([{ path: "nodes[1].data.until", nodeId: "pause", message: "write the expression that gives the time to wake up" }]);
    expect(validateMission(withWait({ mode: "duration", duration: "400d" })).problems).toEqual([{ path: "nodes[1].data.duration", nodeId: "pause", message: "must be at most 366d" }]);
    expect(validateMission(withWait({ mode: "duration", duration: "soon" })).problems).toEqual([
      expect.objectContaining({ path: "nodes[1].data.duration", message: "must be a duration like 30s, 15m, 24h or 7d" }),
    ]);
    expect(validateMission(withWait({ mode: "until", until: "nowhere.at" })).problems).toEqual([expect.objectContaining({ path: "nodes[1].data.until", message: expect.stringContaining("nowhere") })]);
  });
});
