import { describe, expect, it } from "vitest";
import { EXPRESSION_LIMITS } from "@/lib/mission/expressions";
import { PermanentError } from "../step-port";
import { evaluateField } from "./evaluate";

const FIFTY = `[${Array.from({ length: 50 }, (_, i) => i).join(",")}]`;
/** About 20,000 steps: well inside one expression's budget. */
const HEAVY = `cel.bind(l, ${FIFTY}, l.all(a, l.all(b, a + b >= 0)))`;

describe("evaluateField", () => {
  it("shares one budget among the expressions a node evaluates against one scope", () => {
    const scope = { trigger: {} };
    const perNode = EXPRESSION_LIMITS.maxNodeSteps;
    expect(perNode).toBeGreaterThan(EXPRESSION_LIMITS.maxSteps);
    let passed = 0;
    let failure: unknown;
    for (let i = 0; i < 20; i++) {
      try {
        expect(evaluateField("n", `args.a${i}`, HEAVY, scope)).toBe(true);
        passed++;
      } catch (e) {
        failure = e;
        break;
      }
    }
    // Each one alone fits; together they run out where the node's budget does.
    expect(passed).toBeGreaterThanOrEqual(3);
    expect(passed).toBeLessThan(20);
    expect(failure).toBeInstanceOf(PermanentError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^n\\.args\\.a${passed}: Expression .* failed: too expensive: with the expressions evaluated before it, it reached their shared limit of 100,000 steps`),
    );
    // Another step (another scope) starts afresh.
    expect(evaluateField("n", "args.a0", HEAVY, { trigger: {} })).toBe(true);
  });

  it("names the node and field of an expression that fails", () => {
    expect(() => evaluateField("gate", "branches[0].expression", "trigger.nope", { trigger: {} })).toThrow(/^gate\.branches\[0\]\.expression: Expression "trigger\.nope" failed: No such key: nope/);
  });
});
