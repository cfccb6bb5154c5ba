import { describe, expect, it } from "vitest";
import {
  evaluateExpression,
  ExpressionError,
  expressionReferences,
  literalResults,
  parseExpression,
  referencedRoots,
  RESERVED_IDENTIFIERS,
} from "./expressions";

describe("parseExpression", () => {
  it("accepts valid CEL", () => {
    expect(parseExpression('reason.decision == "deny"')).toEqual({ ok: true });
    expect(parseExpression("xs.all(x, x > 0) && has(a.b)")).toEqual({ ok: true });
  });

  it("reports syntax errors with their position", () => {
    const r = parseExpression("reason.amount +");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(/Unexpected token: EOF \(at column 16\)/);
    expect(r.position).toEqual({ line: 1, column: 16 });
  });

  it("gives line and column for multi-line expressions", () => {
    const r = parseExpression('a.b == 1 &&\n  c.d == "x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/line 2, column 10/);
  });

  it("rejects an empty expression", () => {
    expect(parseExpression("   ")).toEqual({ ok: false, message: "is empty" });
  });

  it("catches unknown functions and literal type clashes before a run", () => {
    const unknown = parseExpression("shout(trigger.name)");
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.message).toMatch(/shout/);
    const clash = parseExpression('1 + "a"');
    expect(clash.ok).toBe(false);
    if (!clash.ok) expect(clash.message).toMatch(/int \+ string/);
  });

  it("rejects reserved words as variables", () => {
    expect(parseExpression("if.x").ok).toBe(false);
  });
});

describe("evaluateExpression", () => {
  const scope = { trigger: { orderId: "A-1", email: "a@b.c" }, reason: { amount: 42.5, decision: "partial", count: 3 }, skipped: [] };

  it("evaluates against the scope", () => {
    expect(evaluateExpression('reason.decision == "partial"', scope)).toBe(true);
    expect(evaluateExpression('"Order " + trigger.orderId', scope)).toBe("Order A-1");
  });

  it("compares JSON numbers with int and double literals alike", () => {
    expect(evaluateExpression("reason.amount < 50", scope)).toBe(true);
    expect(evaluateExpression("reason.amount < 50.0", scope)).toBe(true);
    expect(evaluateExpression("reason.amount > 42", scope)).toBe(true);
    expect(evaluateExpression("reason.count == 3", scope)).toBe(true);
    expect(evaluateExpression("reason.count == 3.0", scope)).toBe(true);
    expect(evaluateExpression("reason.count in [1, 2, 3]", scope)).toBe(true);
    expect(evaluateExpression("double(reason.count) == 3", scope)).toBe(true);
    expect(evaluateExpression("1 + 2 != 3.0", scope)).toBe(false);
    expect(evaluateExpression("reason.count % 2 == 1", scope)).toBe(true);
  });

  it("does arithmetic between JSON numbers and int literals", () => {
    expect(evaluateExpression("reason.amount + 1", scope)).toBe(43.5);
    expect(evaluateExpression("2 * reason.amount", scope)).toBe(85);
    expect(evaluateExpression("reason.count / 2", scope)).toBe(1.5);
    expect(evaluateExpression("reason.count % 2", scope)).toBe(1);
    expect(evaluateExpression("size(trigger.orderId) * reason.amount", scope)).toBe(127.5);
  });

  it("returns plain JSON numbers for CEL ints", () => {
    const v = evaluateExpression("1 + 2", scope);
    expect(v).toBe(3);
    expect(typeof v).toBe("number");
    expect(evaluateExpression("int(reason.amount)", scope)).toBe(42);
    expect(evaluateExpression('{"n": 1, "list": [1, 2u]}', scope)).toEqual({ n: 1, list: [1, 2] });
    expect(evaluateExpression('duration("90s")', scope)).toBe("90s");
    expect(evaluateExpression('timestamp("2026-01-02T03:04:05Z")', scope)).toBe("2026-01-02T03:04:05.000Z");
  });

  it("formats numbers in strings without a trailing .0", () => {
    expect(evaluateExpression('"Refund of " + string(reason.amount)', scope)).toBe("Refund of 42.5");
    expect(evaluateExpression("string(reason.count)", scope)).toBe("3");
  });

  it("throws an ExpressionError naming the expression", () => {
    let caught: unknown;
    try {
      evaluateExpression("reason.missing > 1", scope);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    const err = caught as ExpressionError;
    expect(err.expression).toBe("reason.missing > 1");
    expect(err.message).toMatch(/^Expression "reason\.missing > 1" failed: No such key: missing/);
  });

  it("throws for a variable that is not in scope, and for syntax errors", () => {
    expect(() => evaluateExpression("refund.approved", scope)).toThrow(/Unknown variable: refund/);
    expect(() => evaluateExpression("a +", scope)).toThrow(/does not parse/);
  });

  it("supports the skipped convention, short-circuiting absent nodes", () => {
    const outcome = '"refund" in skipped || !refund.approved ? "deny" : "approve"';
    expect(evaluateExpression(outcome, { skipped: ["refund"] })).toBe("deny");
    expect(evaluateExpression(outcome, { skipped: [], refund: { approved: false } })).toBe("deny");
    expect(evaluateExpression(outcome, { skipped: [], refund: { approved: true } })).toBe("approve");
  });

  it("provides an empty skipped list when the scope has none", () => {
    expect(evaluateExpression('"x" in skipped', {})).toBe(false);
  });

  it("has() tells present fields from absent ones", () => {
    expect(evaluateExpression("has(reason.amount)", scope)).toBe(true);
    expect(evaluateExpression("has(reason.nothing)", scope)).toBe(false);
  });
});

describe("referencedRoots", () => {
  it("lists top-level identifiers once, in order", () => {
    expect(referencedRoots("reason.amount > 10")).toEqual(["reason"]);
    expect(referencedRoots('trigger.orderId + reason.x + trigger.email + string(ground["k"])')).toEqual(["trigger", "reason", "ground"]);
  });

  it("ignores macro variables but keeps what the macro reads", () => {
    expect(referencedRoots("ground.items.all(item, item.price < reason.limit)")).toEqual(["ground", "reason"]);
    expect(referencedRoots("ground.items.map(i, i.price).exists(p, p > 1)")).toEqual(["ground"]);
    expect(referencedRoots("cel.bind(total, ground.orderTotal, total > reason.amount)")).toEqual(["ground", "reason"]);
  });

  it("counts has() arguments and every operand", () => {
    expect(referencedRoots("has(refund.values) ? -a.x : (b ? size([c]) : size({d: e}))")).toEqual(["refund", "a", "b", "c", "d", "e"]);
  });

  it("returns nothing for expressions that do not parse", () => {
    expect(referencedRoots("reason.")).toEqual([]);
  });

  it("finds node ids tested against skipped", () => {
    expect(expressionReferences('"refund" in skipped || !refund.approved')).toEqual({ roots: ["skipped", "refund"], skippedChecks: ["refund"] });
  });
});

describe("literalResults", () => {
  it("lists string literals in result positions", () => {
    expect(literalResults('a ? "x" : (b ? "y" : c)')).toEqual(["x", "y"]);
    expect(literalResults('"only"')).toEqual(["only"]);
    expect(literalResults('a == "not a result"')).toEqual([]);
  });
});

describe("RESERVED_IDENTIFIERS", () => {
  it("holds exactly the names CEL cannot use as variables", () => {
    for (const word of RESERVED_IDENTIFIERS) {
      let value: unknown;
      try {
        value = evaluateExpression(`${word}.x`, { [word]: { x: 7 } });
      } catch {
        value = "error";
      }
      expect(value, word).not.toBe(7);
    }
    for (const word of ["has", "size", "timestamp", "dyn", "matches", "ground", "skipped_note"]) {
      expect(evaluateExpression(`${word}.x`, { [word]: { x: 7 } }), word).toBe(7);
    }
  });
});
