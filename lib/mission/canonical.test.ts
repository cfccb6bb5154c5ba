import { describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors";
import { canonicalJson, normalizeMission } from "./canonical";
import { MISSION_FORMAT, type MissionGraph } from "./schema";
import { refundMission } from "./templates/refund";

describe("canonicalJson", () => {
  it("sorts keys at every level and drops whitespace", () => {
    const g: MissionGraph = { format: MISSION_FORMAT, name: "x", description: "", edges: [], nodes: [{ position: { y: 2, x: 1 }, id: "t", kind: "trigger", data: { label: "T", fields: [], channels: ["api"] } }] };
    expect(canonicalJson(g)).toBe(
      '{"description":"","edges":[],"format":"steward.mission/v1","name":"x","nodes":[{"data":{"channels":["api"],"fields":[],"label":"T"},"id":"t","kind":"trigger","position":{"x":1,"y":2}}]}',
    );
  });

  it("is the same for the same graph however its keys were ordered", () => {
    const a = refundMission();
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const shuffled = reverseKeys(a) as typeof a;
    expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(a));
    expect(canonicalJson(shuffled)).toBe(canonicalJson(a));
    expect(JSON.parse(canonicalJson(a))).toEqual(a);
  });

  it("keeps array order, which is content", () => {
    const a = refundMission();
    const b = { ...a, nodes: [...a.nodes].reverse() };
    expect(canonicalJson(b)).not.toBe(canonicalJson(a));
  });

  it("leaves out undefined fields", () => {
    const a = refundMission();
    const withUndefined = { ...a, edges: a.edges.map((e) => ({ ...e, sourceHandle: e.sourceHandle })) };
    expect(canonicalJson(withUndefined)).toBe(canonicalJson(a));
  });
});

describe("normalizeMission", () => {
  it("fills defaults", () => {
    const g = normalizeMission({
      format: MISSION_FORMAT,
      name: "Defaults",
      nodes: [{ id: "w", kind: "worker", position: { x: 0, y: 0 }, data: {} }],
      edges: [],
    });
    expect(g.description).toBe("");
    expect(g.nodes[0]?.data).toEqual({ label: "Worker", instructions: "", model: "", tools: [], outputs: [], maxSteps: 8 });
  });

  it("throws an AppError naming the fields", () => {
    let caught: unknown;
    try {
      normalizeMission({ format: MISSION_FORMAT, name: "", nodes: [], edges: [] });
    } catch (e) {
      caught = e;
    }
    expect(isAppError(caught)).toBe(true);
    if (isAppError(caught)) expect(caught.problems).toEqual([{ path: "name", message: "must not be empty" }]);
  });
});
