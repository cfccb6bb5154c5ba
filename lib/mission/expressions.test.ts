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

/**
 * Runs `fn` and says how much CPU time it took (not wall time: the test machine is shared, and
 * waiting for a core is not work) and what it gave or threw.
 */
function timed(fn: () => unknown): { ms: number; value?: unknown; error?: Error } {
  const start = process.cpuUsage();
  const ms = () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  try {
    const value = fn();
    return { ms: ms(), value };
  } catch (e) {
    return { ms: ms(), error: e as Error };
  }
}

// The budget stops in a few milliseconds; before it, each of these took seconds (or ran out of
// memory). Generous, for a first run that still compiles its code.
const QUICK_MS = 150;
const DIGITS = "[0,1,2,3,4,5,6,7,8,9]";
/** The probe's bomb: 10^8 iterations of nested all() over literal lists (froze the server for 11 s). */
const NESTED_ALL = `cel.bind(l, ${DIGITS}, ${"abcdefgh".split("").map((v) => `l.all(${v}, `).join("")}true${")".repeat(8)})`;

describe("expression budget", () => {
  it("stops the nested all() bomb quickly with a clear error", () => {
    expect(NESTED_ALL.length).toBeLessThan(221);
    const r = timed(() => evaluateExpression(NESTED_ALL, {}));
    expect(r.error).toBeInstanceOf(ExpressionError);
    expect(r.error?.message).toMatch(/failed: too expensive: stopped after [\d,]+ steps; simplify it or work on fewer items/);
    expect(r.ms).toBeLessThan(QUICK_MS);
  });

  it("stops the same way every time (the budget counts steps, not time)", () => {
    const first = timed(() => evaluateExpression(NESTED_ALL, {})).error?.message;
    const second = timed(() => evaluateExpression(NESTED_ALL, {})).error?.message;
    expect(first).toBeDefined();
    expect(second).toBe(first);
  });

  it("cannot be swallowed by all(), exists() or ||, which otherwise absorb errors", () => {
    for (const src of [`${NESTED_ALL} || true`, `true && (${NESTED_ALL} || true)`, `${DIGITS}.exists(x, ${NESTED_ALL} || x == 1)`, `[1].all(x, ${NESTED_ALL}) || true`]) {
      const r = timed(() => evaluateExpression(src, {}));
      expect(r.error?.message, src).toMatch(/too expensive/);
      expect(r.ms).toBeLessThan(QUICK_MS);
    }
  });

  it("refuses a cel.bind doubling bomb on lists and strings", () => {
    const doubling = (seed: string, levels: number) => {
      let body = `v${levels}.size()`;
      for (let i = levels; i >= 1; i--) body = `cel.bind(v${i}, v${i - 1} + v${i - 1}, ${body})`;
      return `cel.bind(v0, ${seed}, ${body})`;
    };
    // Nesting deep enough to double a value 2^24 times does not even parse.
    for (const src of [doubling("[1, 2, 3, 4, 5, 6, 7, 8]", 24), doubling('"0123456789"', 28)]) {
      expect(parseExpression(src), src).toMatchObject({ ok: false, message: expect.stringMatching(/Exceeded maxDepth/) });
    }
    // What parses is stopped by the caps on built values: 8·2^14 items, 10·2^14 characters.
    for (const [src, what] of [
      [doubling("[1, 2, 3, 4, 5, 6, 7, 8]", 14), /builds a list of more than 10,000 items/],
      [doubling('"0123456789"', 14), /builds a string of more than 100,000 characters|too expensive/],
    ] as const) {
      const r = timed(() => evaluateExpression(src, {}));
      expect(r.error, src).toBeInstanceOf(ExpressionError);
      expect(r.error?.message).toMatch(what);
      expect(r.ms).toBeLessThan(QUICK_MS);
    }
  });

  it("counts the size of the data an operator works on, not only the steps", () => {
    const items = Array.from({ length: 20_000 }, (_, i) => i);
    const scope = { trigger: { items, copy: [...items], tz: "Europe/Paris", at: "2026-01-02T03:04:05Z" } };
    for (const src of [
      "trigger.items.all(x, trigger.items == trigger.copy)",
      "trigger.items.all(x, x in trigger.copy)",
      'trigger.items.all(x, timestamp(trigger.at).getHours(trigger.tz) >= 0)',
    ]) {
      const r = timed(() => evaluateExpression(src, scope));
      expect(r.error?.message, src).toMatch(/too expensive/);
      expect(r.ms).toBeLessThan(QUICK_MS);
    }
  });

  it("refuses a duration() string long enough to make its parser backtrack", () => {
    const r = timed(() => evaluateExpression("duration(trigger.s)", { trigger: { s: `${"1".repeat(3_000)}x` } }));
    expect(r.error?.message).toMatch(/duration/);
    expect(r.ms).toBeLessThan(QUICK_MS);
    expect(evaluateExpression('duration("1h30m") == duration("90m")', {})).toBe(true);
  });

  it("leaves realistic expressions far below the budget", () => {
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ id: `r${i}`, amount: i % 700, currency: i % 2 ? "EUR" : "USD", note: "x".repeat(200) }));
    const scope = { ground: { rows, orderTotal: 120 }, trigger: { orderId: "A-1", reason: "Too small. ".repeat(180) }, refund: { approved: true, values: { amount: 80, currency: "EUR" } } };
    expect(evaluateExpression('ground.rows.filter(r, r.currency == "EUR" && r.amount < 500).map(r, r.id).size()', scope)).toBe(400);
    expect(evaluateExpression("ground.rows.exists(r, r.amount > 600)", scope)).toBe(true);
    expect(evaluateExpression('ground.rows.all(r, "amount" in r && has(r.note) && r.id in ["x"] == false)', scope)).toBe(true);
    expect(evaluateExpression('trigger.reason.lowerAscii().contains("small")', scope)).toBe(true);
    expect(evaluateExpression('trigger.reason.matches("(?i)too (small|large)")', scope)).toBe(true);
    expect(evaluateExpression('"Refunded " + string(refund.values.amount) + " " + refund.values.currency + " for order " + trigger.orderId', scope)).toBe("Refunded 80 EUR for order A-1");
  });
});

describe("matches() runs in linear time with RE2 semantics", () => {
  it("answers the probe's catastrophic pattern at once", () => {
    const r = timed(() => evaluateExpression('trigger.s.matches("^(a+)+$")', { trigger: { s: `${"a".repeat(29)}!` } }));
    expect(r.error).toBeUndefined();
    expect(r.value).toBe(false);
    expect(r.ms).toBeLessThan(QUICK_MS);
    expect(evaluateExpression('trigger.s.matches("^(a+)+$")', { trigger: { s: "a".repeat(29) } })).toBe(true);
  });

  it("keeps RE2 semantics: a partial match unless anchored, classes, flags", () => {
    const cases: [string, boolean][] = [
      ['"abc".matches("b")', true],
      ['"xabc".matches("^abc$")', false],
      ['"abc".matches("^a.c$")', true],
      ['"a\\nc".matches("^a.c$")', false],
      ['"a\\nc".matches("(?s)^a.c$")', true],
      ['"order 1042".matches("\\\\d{4}$")', true],
      ['"ABC".matches("(?i)^abc$")', true],
      ['"Zoë".matches("^\\\\pL+$")', true],
      ['"abc".matches("^[[:alpha:]]+$")', true],
      ['"a-b".matches("^[[:alpha:]]+$")', false],
      ['"😀".matches("^.$")', true],
    ];
    for (const [src, want] of cases) expect(evaluateExpression(src, {}), src).toBe(want);
  });

  it("reports a literal pattern RE2 does not support when the expression is checked", () => {
    for (const [pattern, what] of [
      ["(a)\\\\1", /backreference|escape/],
      ["a(?=b)", /lookahead|Perl syntax/],
      ["(?<!a)b", /lookbehind|named capture/],
    ] as const) {
      const r = parseExpression(`trigger.s.matches("${pattern}")`);
      expect(r.ok, pattern).toBe(false);
      if (r.ok) continue;
      expect(r.message).toMatch(/matches\(\)/);
      expect(r.message).toMatch(what);
      expect(r.message).toMatch(/RE2/);
      expect(r.position?.column).toBeGreaterThan(1);
    }
  });

  it("fails a run with a clear error for a computed pattern RE2 does not support", () => {
    expect(() => evaluateExpression("trigger.s.matches(trigger.p)", { trigger: { s: "aa", p: "(a)\\1" } })).toThrow(/matches\(\).*RE2/);
    expect(evaluateExpression("trigger.s.matches(trigger.p)", { trigger: { s: "aa", p: "^a+$" } })).toBe(true);
  });

  it("refuses a pattern too large to compile quickly", () => {
    const r = parseExpression(`trigger.s.matches("${"a{1000}b{1000}".repeat(10)}")`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/too large/);
    const dynamic = timed(() => evaluateExpression("trigger.s.matches(trigger.p)", { trigger: { s: "a", p: "\\pL{1000}".repeat(20) } }));
    expect(dynamic.error?.message).toMatch(/too large/);
    expect(dynamic.ms).toBeLessThan(QUICK_MS);
  });

  it("charges a match by the input it scans and the pattern's size", () => {
    const r = timed(() => evaluateExpression('trigger.items.all(x, trigger.s.matches("(?:a?){200}a{200}"))', { trigger: { items: Array.from({ length: 100 }, (_, i) => i), s: "a".repeat(5_000) } }));
    expect(r.error?.message).toMatch(/too expensive/);
    expect(r.ms).toBeLessThan(QUICK_MS);
  });
});

describe("parse limits", () => {
  it("refuses list literals, maps, calls and nesting no mission needs", () => {
    expect(parseExpression(`x in [${Array.from({ length: 600 }, (_, i) => i).join(",")}]`).ok).toBe(false);
    expect(parseExpression(`${"(".repeat(60)}1${")".repeat(60)}`).ok).toBe(false);
    expect(parseExpression(`x in [${Array.from({ length: 200 }, (_, i) => `"s${i}"`).join(",")}]`).ok).toBe(true);
  });
});
