import { describe, expect, it } from "vitest";
import { evaluateExpression } from "../expressions";
import { createNode } from "../node-kinds";
import { MISSION_FORMAT, type MissionGraph, type MissionNode } from "../schema";
import { validateMission } from "../validate";
import { computeValues, typeProblem } from "./transform";

/** trigger → transform (with `values`) → verdict reading them. */
function missionWith(values: unknown[]): unknown {
  const trigger = createNode("trigger", "trigger", { x: 0, y: 0 });
  trigger.data.fields = [{ name: "amount", label: "", type: "number", required: true, description: "" }];
  const verdict = createNode("verdict", "verdict", { x: 600, y: 0 });
  verdict.data.outcomes = ["done"];
  const transform = { id: "totals", kind: "transform", position: { x: 300, y: 0 }, data: { label: "Totals", values } };
  return {
    format: MISSION_FORMAT,
    name: "Transform",
    description: "",
    nodes: [trigger, transform as unknown as MissionNode, verdict],
    edges: [
      { id: "e1", source: "trigger", target: "totals" },
      { id: "e2", source: "totals", target: "verdict" },
    ],
  } satisfies MissionGraph;
}

describe("a Transform's values", () => {
  it("checks each computed value against its type, as a Worker's outputs are", () => {
    expect(typeProblem(12, { type: "number" })).toBeNull();
    expect(typeProblem("12", { type: "number" })).toBe('must be a number, gave "12"');
    expect(typeProblem(1, { type: "string" })).toBe("must be a string, gave 1");
    expect(typeProblem(null, { type: "boolean" })).toBe("must be true or false, gave null");
    expect(typeProblem("big", { type: "enum", values: ["big", "small"] })).toBeNull();
    expect(typeProblem("huge", { type: "enum", values: ["big", "small"] })).toBe('must be one of "big", "small", gave "huge"');
  });

  it("computes them in order from one scope and names each failure", () => {
    const scope = { trigger: { amount: 150, name: "Ada" } };
    const computed = computeValues(
      [
        { name: "doubled", type: "number", expression: "trigger.amount * 2" },
        { name: "size", type: "enum", values: ["big", "small"], expression: 'trigger.amount > 100 ? "big" : "small"' },
        { name: "label", type: "number", expression: "trigger.name" },
        { name: "broken", type: "string", expression: "trigger.missing" },
      ],
      (_, src) => evaluateExpression(src, scope),
    );
    expect(computed.slice(0, 2)).toEqual([
      { name: "doubled", ok: true, value: 300 },
      { name: "size", ok: true, value: "big" },
    ]);
    expect(computed[2]).toEqual({ name: "label", ok: false, problem: 'must be a number, gave "Ada"' });
    expect(computed[3]).toMatchObject({ name: "broken", ok: false, problem: expect.stringContaining("missing") });
  });
});

describe("validating a Transform", () => {
  it("accepts typed values with expressions", () => {
    const graph = missionWith([{ name: "doubled", type: "number", expression: "trigger.amount * 2" }]);
    expect(validateMission(graph).problems).toEqual([]);
  });

  it("names the field of each problem: no values, an empty expression, a repeated name, an enum without values, a bad reference", () => {
    expect(validateMission(missionWith([])).problems).toEqual([{ path: "nodes[1].data.values", nodeId: "totals", message: "add at least one value to compute" }]);
    const ps = validateMission(
      missionWith([
        { name: "a", type: "number", expression: "" },
        { name: "a", type: "string", expression: "nowhere.x" },
        { name: "b", type: "enum", expression: '"x"' },
      ]),
    ).problems;
    expect(ps).toEqual(
      expect.arrayContaining([
        { path: "nodes[1].data.values[0].expression", nodeId: "totals", message: "write the expression that computes this value" },
        { path: "nodes[1].data.values[1].name", nodeId: "totals", message: 'duplicate value name "a" (also at position 1)' },
        { path: "nodes[1].data.values[2].values", nodeId: "totals", message: "list the allowed values of this enum value" },
        expect.objectContaining({ path: "nodes[1].data.values[1].expression", message: expect.stringContaining("nowhere") }),
      ]),
    );
    expect(validateMission(missionWith([{ name: "not an id", type: "string", expression: '"x"' }])).problems).toEqual([
      expect.objectContaining({ path: "nodes[1].data.values[0].name", message: expect.stringContaining("identifier") }),
    ]);
  });
});
