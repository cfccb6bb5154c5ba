import { describe, expect, it } from "vitest";
import { expressionCostProblem } from "./expressions";
import type { MissionGraph } from "./schema";
import { refundMission } from "./templates/refund";
import { validateMission } from "./validate";

const DIGITS = "[0,1,2,3,4,5,6,7,8,9]";
const nest = (levels: number, inner: string, macro = "all") =>
  `cel.bind(l, ${DIGITS}, ${Array.from({ length: levels }, (_, i) => `l.${macro}(v${i}, `).join("")}${inner}${")".repeat(levels)})`;

/** The refund mission with the gate's condition replaced. */
function withGateCondition(expression: string): MissionGraph {
  const g = structuredClone(refundMission());
  const gate = g.nodes.find((n) => n.id === "gate");
  if (gate?.kind !== "condition") throw new Error("the refund mission has no gate");
  gate.data.branches[0]!.expression = expression;
  return g;
}

describe("expressions statically known to be too expensive", () => {
  it("are problems on their field, found without running a mission", () => {
    const { problems } = validateMission(withGateCondition(nest(8, "true")));
    expect(problems).toEqual([
      { nodeId: "gate", path: "nodes[3].data.branches[0].expression", message: expect.stringMatching(/^the expression is too expensive: stopped after 50,000 steps/) },
    ]);
  });

  it("include map() nests over literal lists, even when they read run data", () => {
    const src = nest(6, 'reason.decision == "deny"', "map").replace(/^/, "size(") + ") > 0";
    expect(expressionCostProblem(src)).toMatch(/^is too expensive: it takes at least [\d,]+ steps and may take 50,000/);
    const { problems } = validateMission(withGateCondition(src));
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^the expression is too expensive: it takes at least/)]);
  });

  it("leave alone what only data can make expensive, and what all() may cut short", () => {
    for (const src of [
      "reason.items.all(a, reason.items.all(b, a != b))",
      nest(8, 'reason.decision == "deny"'),
      nest(3, "true"),
      `${nest(6, "true", "map")}.size() > 0 || true`.replace(/^/, "false && "),
      'reason.decision == "deny"',
    ]) {
      expect(expressionCostProblem(src), src).toBeNull();
    }
    expect(validateMission(withGateCondition(nest(3, "true"))).problems).toEqual([]);
  });
});
