import type { Environment } from "@marcbachmann/cel-js/evaluator";
import { compileLinearRegex, type LinearRegex } from "./linear-regex";

/**
 * The cost budget of an expression. Expressions run on the server's only thread, so a builder's
 * `l.all(a, l.all(b, …))` or a portal visitor's input to `s.matches("^(a+)+$")` could freeze every
 * request. cel-js has parse limits but no evaluation limit, so evaluation is metered here:
 *
 * - every node cel-js evaluates costs one step (cel-js evaluates each child through the
 *   evaluator's `run`, which is wrapped once per environment: see meterEvaluator);
 * - a value an operator or function works on costs its size (strings per CHARS_PER_STEP
 *   characters, lists and maps per item, all levels for `==`, `!=` and `in`, which compare deeply);
 * - matches() runs on RE2 (linear time) and costs the input's length times the pattern's size;
 *   timestamp methods with a time zone cost TIME_ZONE_STEPS; duration() refuses long strings
 *   (its parser backtracks cubically);
 * - strings and lists an expression builds are capped (a cel.bind doubling stops at once).
 *
 * The count is deterministic: the same expression on the same data stops at the same step,
 * whatever the machine's load, so a durable step never succeeds on one attempt and fails on the
 * next. Running out of budget cannot be absorbed the way CEL absorbs other errors (`err || true`
 * is true): it ends the evaluation at once.
 *
 * This reaches into cel-js 8.0.0 internals (pinned exactly in package.json): the evaluator's
 * `run` and `tryEval`, parsed nodes' `meta` (macro expansions) and `handle` (the resolved
 * overload). The tests in expressions.test.ts fail if an upgrade changes them.
 */

export const EXPRESSION_LIMITS = Object.freeze({
  /** Steps one expression may take: 1–10 ms of work once warm (a step is 20–200 ns). */
  maxSteps: 50_000,
  /** Steps all the expressions of one node may take together (see ExpressionBudget). */
  maxNodeSteps: 100_000,
  /** Characters in a string (or bytes) an expression builds with +, a function, map() or filter(). */
  maxStringLength: 100_000,
  /** Items in a list an expression builds. */
  maxListLength: 10_000,
  /** Longest string duration() accepts. */
  maxDurationLength: 64,
});

/** Characters of a string that cost one step to read (a step is ~20 ns; string work ~5 ns a character). */
const CHARS_PER_STEP = 4;
/** Steps per key of a JSON object: listing a large object's keys takes 100–300 ns a key. */
const KEY_STEPS = 16;
/** A timestamp method given a time zone formats the date with Intl: about 100 µs. */
const TIME_ZONE_STEPS = 5_000;
/**
 * matches() costs one step per this many (input character × program instruction): that is how
 * RE2's NFA fallback scales, at ~5 ns each (its DFA is faster, but which one runs is not known
 * in advance).
 */
const MATCH_WORK_PER_STEP = 4;
/** Compiling a pattern that is not a literal costs this many steps per estimated instruction. */
const COMPILE_STEPS_PER_INSTRUCTION = 100;
/** bytes.json() parses JSON: one step per byte. */
const JSON_STEPS_PER_BYTE = 1;

const TIME_ZONE_METHODS = new Set([
  "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getFullYear", "getHours",
  "getMilliseconds", "getMinutes", "getMonth", "getSeconds",
]);

/** A budget that several evaluations share, e.g. all the expressions of one node's step. */
export class ExpressionBudget {
  spent = 0;
  constructor(readonly limit: number = EXPRESSION_LIMITS.maxNodeSteps) {}
}

/** An evaluation error that points at the node it is about (cel-js errors carry `range` too). */
export class LimitError extends Error {
  constructor(
    message: string,
    readonly range?: { start: number; end: number },
  ) {
    super(message);
    this.name = "LimitError";
  }
}

interface Meter {
  spent: number;
  limit: number;
  /** What this evaluation was given, for the message. */
  granted: number;
  exhausted: boolean;
}

let active: Meter | null = null;

/** Runs `fn` (one evaluation) on a fresh meter, drawing on `shared` if given. */
export function metered<T>(shared: ExpressionBudget | undefined, fn: () => T): { value?: T; error?: unknown; exhaustedMessage?: string } {
  const start = shared?.spent ?? 0;
  const limit = Math.min(start + EXPRESSION_LIMITS.maxSteps, shared?.limit ?? Infinity);
  // The root node is a step too, though cel-js evaluates it directly rather than through `run`.
  const meter: Meter = { spent: start + 1, limit, granted: Math.max(0, limit - start), exhausted: false };
  const outer = active;
  active = meter;
  let result: { value?: T; error?: unknown };
  try {
    result = { value: fn() };
  } catch (error) {
    result = { error };
  } finally {
    active = outer;
    if (shared) shared.spent = Math.min(meter.spent, meter.limit);
  }
  if (meter.exhausted || meter.spent > meter.limit) {
    if (shared && shared.limit < start + EXPRESSION_LIMITS.maxSteps) {
      const n = shared.limit.toLocaleString("en-US");
      return { exhaustedMessage: `too expensive: with the expressions evaluated before it, it reached their shared limit of ${n} steps; simplify them or work on fewer items` };
    }
    const n = meter.granted.toLocaleString("en-US");
    return { exhaustedMessage: `too expensive: stopped after ${n} steps; simplify it or work on fewer items` };
  }
  return result;
}

function spend(units: number): void {
  const m = active;
  if (!m || units <= 0) return;
  m.spent += units;
  if (m.spent > m.limit) exhaust(m);
}

/** Thrown when the budget runs out; the metered tryEval lets nothing absorb it. */
const EXHAUSTED = new LimitError("too expensive");

function exhaust(m: Meter): never {
  m.exhausted = true;
  throw EXHAUSTED;
}

// ---- The evaluator hook ----------------------------------------------------------------------

/** cel-js's parsed node, with the internals the meter uses. */
interface CelNode {
  op: string;
  args: unknown;
  start: number;
  end: number;
  readonly meta: { alternate?: CelNode; macro?: Record<string, unknown> };
  handle?: (args: unknown[], a: unknown, b: unknown) => unknown;
  evaluate(ev: unknown, ast: CelNode, ctx: unknown): unknown;
  [FLAGS]?: number;
  [EXTRA]?: number;
}

const FLAGS = Symbol("cost flags");
const EXTRA = Symbol("extra steps");
/** Its value is read by an operator or function: costs its size. */
const READS = 1;
/** Its value is compared item by item (==, !=, in): costs its size at every level. */
const READS_DEEP = 2;
/** It builds a value: capped at maxStringLength / maxListLength, and costs its size. */
const BUILDS = 4;
/** It is searched by `in`: a list item by item (READS_DEEP), a map by key in one step. */
const SEARCHED = 8;

function meteredRun(this: unknown, ast: CelNode, ctx: unknown): unknown {
  const m = active;
  if (m) {
    if (++m.spent > m.limit) exhaust(m);
    const extra = ast[EXTRA];
    if (extra) spend(extra);
  }
  const value = ast.evaluate(this, ast, ctx);
  const flags = ast[FLAGS];
  if (flags && m) account(flags, value, ast);
  return value;
}

/**
 * cel-js's tryEval with one change: running out of budget is not absorbed. CEL absorbs errors in
 * `||`, `&&`, all() and exists() (`err || true` is true, and all() goes on to its next item), so
 * left to itself a nested all() would walk every remaining item of every level, failing each.
 */
function meteredTryEval(this: { run(ast: CelNode, ctx: unknown): unknown }, ast: CelNode, ctx: unknown): unknown {
  try {
    return this.run(ast, ctx);
  } catch (err) {
    if (err === EXHAUSTED) throw err;
    return err;
  }
}

function account(flags: number, value: unknown, ast: CelNode): void {
  if (flags & BUILDS) checkBuilt(value, ast);
  const m = active;
  if (!m) return;
  const deep = flags & READS_DEEP || (flags & SEARCHED && (Array.isArray(value) || value instanceof Set));
  spend(deep ? deepSize(value, m.limit - m.spent + 1) : flags & (READS | BUILDS) ? shallowSize(value) : 1);
}

/** Applies the root node's costs: cel-js evaluates the root directly, not through `run`. */
export function accountRoot(root: unknown, value: unknown): void {
  const flags = (root as CelNode)[FLAGS];
  if (flags) account(flags, value, root as CelNode);
}

function checkBuilt(value: unknown, ast: CelNode): void {
  const { maxStringLength, maxListLength } = EXPRESSION_LIMITS;
  let problem: string | undefined;
  if (typeof value === "string" && value.length > maxStringLength) problem = `a string of more than ${maxStringLength.toLocaleString("en-US")} characters`;
  else if (value instanceof Uint8Array && value.length > maxStringLength) problem = `bytes of more than ${maxStringLength.toLocaleString("en-US")} bytes`;
  else if (Array.isArray(value) && value.length > maxListLength) problem = `a list of more than ${maxListLength.toLocaleString("en-US")} items`;
  if (problem) throw new LimitError(`builds ${problem}; work on less data`, { start: ast.start, end: ast.end });
}

/**
 * A value's size at its top level, plus the square of its depth: to type a dynamic list or map
 * cel-js follows its first items all the way down, naming each level's type
 * (`list<list<…>>`), which takes time quadratic in the depth.
 */
function shallowSize(v: unknown): number {
  if (typeof v === "string") return Math.ceil(v.length / CHARS_PER_STEP);
  if (typeof v !== "object" || v === null) return 0;
  if (v instanceof Uint8Array) return Math.ceil(v.length / CHARS_PER_STEP);
  const depth = firstItemDepth(v);
  const nested = depth * depth;
  if (Array.isArray(v)) return v.length + nested;
  if (v instanceof Map || v instanceof Set) return v.size + nested;
  if (isPlainObject(v)) return Object.keys(v).length * KEY_STEPS + nested;
  return 1;
}

/** How many levels of first items a list or map has (up to 10,000: beyond, the square is past any budget). */
function firstItemDepth(v: unknown): number {
  let depth = 0;
  let cur = v;
  while (cur !== null && typeof cur === "object" && depth < 10_000) {
    depth++;
    if (Array.isArray(cur)) cur = cur[0];
    else if (cur instanceof Map || cur instanceof Set) cur = cur.values().next().value;
    else if (isPlainObject(cur)) cur = firstValue(cur);
    else break;
  }
  return depth;
}

function firstValue(o: Record<string, unknown>): unknown {
  for (const k in o) return o[k];
  return undefined;
}

/** Items, keys and string steps at every level; stops counting past `cap`. */
function deepSize(v: unknown, cap: number): number {
  let total = 0;
  const stack: unknown[] = [v];
  while (stack.length && total <= cap) {
    const cur = stack.pop();
    if (typeof cur === "string") total += Math.ceil(cur.length / CHARS_PER_STEP);
    else if (cur === null || typeof cur !== "object") continue;
    else if (Array.isArray(cur)) {
      total += cur.length + 1;
      for (const x of cur) stack.push(x);
    } else if (cur instanceof Map) {
      total += cur.size + 1;
      for (const [k, x] of cur) stack.push(k, x);
    } else if (cur instanceof Set) {
      total += cur.size + 1;
      for (const x of cur) stack.push(x);
    } else if (cur instanceof Uint8Array) total += Math.ceil(cur.length / CHARS_PER_STEP);
    else if (isPlainObject(cur)) {
      const keys = Object.keys(cur);
      total += keys.length * KEY_STEPS + 1;
      for (const k of keys) stack.push(cur[k]);
    } else total += 1;
  }
  return total;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Installs the meter on an environment's evaluator. The evaluator is private to the Environment,
 * so it is caught from the first argument cel-js passes a root node's `evaluate`.
 */
export function meterEvaluator(env: Environment): void {
  const probe = env.parse("0");
  probe.check();
  let evaluator: { run?: unknown; tryEval?: unknown } | undefined;
  (probe.ast as unknown as CelNode).evaluate = (ev) => {
    evaluator = ev as typeof evaluator;
    return 0n;
  };
  probe({});
  if (typeof evaluator?.run !== "function" || typeof evaluator.tryEval !== "function") throw new Error("cel-js changed: its evaluator cannot be metered");
  evaluator.run = meteredRun;
  evaluator.tryEval = meteredTryEval;
}

// ---- Marking a parsed expression ---------------------------------------------------------------

export interface InstrumentProblem {
  message: string;
  start: number;
}

/**
 * Marks what each node of a checked expression costs and swaps matches() for RE2 and duration()
 * for a length-checked one. Returns the problems found on the way (a literal pattern RE2 refuses).
 */
export function instrument(root: unknown): InstrumentProblem[] {
  const problems: InstrumentProblem[] = [];
  for (const node of allNodes(root as CelNode)) {
    const alternate = node.meta.alternate;
    // A macro's expansion is evaluated in its node's place, not through `run`: its costs go on the node.
    if (alternate?.op === "comprehension") {
      flag(node, BUILDS);
      const iterable = (alternate.args as { iterable?: CelNode }).iterable;
      if (iterable) flag(iterable, READS);
      continue;
    }
    if (alternate || node.meta.macro) continue;
    const args = node.args as unknown[];
    const operands = BINARY_OPERANDS[node.op];
    if (operands) {
      flag(args[0] as CelNode, operands[0]);
      flag(args[1] as CelNode, operands[1]);
      if (node.op === "+") flag(node, BUILDS);
      continue;
    }
    switch (node.op) {
      case "?:":
        flag(args[0] as CelNode, READS);
        break;
      case "!_":
      case "-_":
        flag(node.args as CelNode, READS);
        break;
      case "call": {
        const [name, callArgs] = args as [string, CelNode[]];
        for (const a of callArgs) flag(a, READS);
        flag(node, BUILDS);
        if (name === "duration" && callArgs.length === 1) guardDuration(node);
        break;
      }
      case "rcall": {
        const [name, receiver, callArgs] = args as [string, CelNode, CelNode[]];
        flag(receiver, READS);
        for (const a of callArgs) flag(a, READS);
        flag(node, BUILDS);
        if (name === "matches" && callArgs.length === 1) {
          const problem = runMatchesOnRe2(node, callArgs[0] as CelNode);
          if (problem) problems.push(problem);
        }
        if (TIME_ZONE_METHODS.has(name) && callArgs.length === 1) node[EXTRA] = TIME_ZONE_STEPS;
        if (name === "json" && callArgs.length === 0) chargeInput(node, JSON_STEPS_PER_BYTE);
        break;
      }
    }
  }
  return problems;
}

/**
 * What a binary operator's operands cost (left, right). `==`, `!=` and `in` compare item by item
 * (but a map is searched by key). For the rest
 * sizes matter little, but a dynamic operand is typed (or named in an error) by walking its first
 * items: see shallowSize.
 */
const BINARY_OPERANDS: Partial<Record<string, [number, number]>> = {
  "+": [READS, READS],
  "==": [READS_DEEP, READS_DEEP],
  "!=": [READS_DEEP, READS_DEEP],
  in: [READS_DEEP, SEARCHED],
  ...Object.fromEntries(["<", "<=", ">", ">=", "-", "*", "/", "%", "&&", "||"].map((op) => [op, [READS, READS]])),
};

function flag(node: CelNode, bits: number): void {
  node[FLAGS] = (node[FLAGS] ?? 0) | bits;
}

/** Every node of an expression, macro expansions included. */
function allNodes(root: CelNode): CelNode[] {
  const NodeClass = root.constructor;
  const seen = new Set<CelNode>();
  const out: CelNode[] = [];
  const collect = (x: unknown): void => {
    if (x instanceof NodeClass) {
      const node = x as CelNode;
      if (seen.has(node)) return;
      seen.add(node);
      out.push(node);
      collect(node.args);
      collect(node.meta.alternate);
      collect(node.meta.macro);
    } else if (Array.isArray(x)) x.forEach(collect);
    else if (x !== null && typeof x === "object" && isPlainObject(x)) Object.values(x).forEach(collect);
  };
  collect(root);
  return out;
}

/** Makes a call cost `perItem` steps per byte or character of its receiver or first argument. */
function chargeInput(node: CelNode, perItem: number): void {
  const original = node.handle;
  if (!original) return;
  node.handle = function (this: unknown, args, a, b) {
    const input = args[0];
    if (typeof input === "string" || input instanceof Uint8Array) spend(input.length * perItem);
    return original.call(this, args, a, b);
  };
}

function guardDuration(node: CelNode): void {
  const original = node.handle;
  if (!original) return;
  const max = EXPRESSION_LIMITS.maxDurationLength;
  node.handle = function (this: unknown, args, a, b) {
    const s = args[0];
    if (typeof s === "string" && s.length > max) {
      throw new LimitError(`duration(): the string is ${s.length.toLocaleString("en-US")} characters long, at most ${max}`, { start: node.start, end: node.end });
    }
    return original.call(this, args, a, b);
  };
}

/** Runs `s.matches(p)` on RE2; a literal pattern is compiled (and refused) now, once. */
function runMatchesOnRe2(node: CelNode, patternNode: CelNode): InstrumentProblem | null {
  const original = node.handle;
  if (!original) return null;
  let literal: LinearRegex | undefined;
  if (patternNode.op === "value" && typeof patternNode.args === "string") {
    const compiled = compileLinearRegex(patternNode.args);
    if (!compiled.ok) return { message: `matches(): ${compiled.message}`, start: patternNode.start };
    literal = compiled.regex;
  }
  const range = { start: node.start, end: node.end };
  node.handle = function (this: unknown, args, a, b) {
    const [s, p] = args;
    if (typeof s !== "string" || typeof p !== "string") return original.call(this, args, a, b);
    let regex = literal;
    if (!regex) {
      const compiled = compileLinearRegex(p);
      if (!compiled.ok) throw new LimitError(`matches(): ${compiled.message}`, range);
      // Charged whether or not the cache already held it, so the count does not depend on history.
      spend(compiled.regex.estimate * COMPILE_STEPS_PER_INSTRUCTION);
      regex = compiled.regex;
    }
    spend(Math.ceil(((s.length + 1) * regex.size) / MATCH_WORK_PER_STEP));
    return regex.test(s);
  };
  return null;
}

// ---- A static lower bound ----------------------------------------------------------------------

/**
 * The fewest steps any successful evaluation of the expression takes, counted as the meter
 * counts them. Only literal lists have a known length, so this catches bombs built from them
 * (`[…].map(a, […].map(b, …))`); whatever depends on data is left to the runtime budget.
 */
export function minimumSteps(root: unknown): number {
  return stepsAtLeast(root as CelNode, new Map());
}

/** Variables known to hold a literal list (`cel.bind(l, [1, 2, 3], …)`), with its length. */
type Lengths = Map<string, number>;

function stepsAtLeast(n: CelNode, lengths: Lengths): number {
  const alternate = n.meta.alternate;
  if (alternate) return 1 + (alternate.op === "comprehension" ? comprehensionSteps(alternate, lengths) : 0);
  const macro = n.meta.macro;
  if (macro) {
    const { var: name, val, exp } = macro as { var?: unknown; val?: CelNode; exp?: CelNode };
    if (!val || !exp || typeof name !== "string") return 1; // has()
    const inner = new Map(lengths);
    const known = listLength(val, lengths);
    if (known === undefined) inner.delete(name);
    else inner.set(name, known);
    return 1 + stepsAtLeast(val, lengths) + stepsAtLeast(exp, inner);
  }
  const steps = (x: CelNode) => stepsAtLeast(x, lengths);
  const sum = (xs: CelNode[]) => xs.reduce((total, x) => total + steps(x), 0);
  const args = n.args as unknown;
  switch (n.op) {
    case "value":
    case "id":
    case "accuValue":
    case "accuInc":
      return 1;
    case ".":
    case ".?":
      return 1 + steps((args as CelNode[])[0] as CelNode);
    case "&&":
    case "||": {
      // The left side may fail at once and the right decide (CEL absorbs the error).
      const [l, r] = args as [CelNode, CelNode];
      return 1 + Math.min(steps(l), 1 + steps(r));
    }
    case "?:": {
      const [c, a, b] = args as [CelNode, CelNode, CelNode];
      return 1 + steps(c) + Math.min(steps(a), steps(b));
    }
    case "call":
      return 1 + sum((args as [string, CelNode[]])[1]);
    case "rcall": {
      const [, receiver, callArgs] = args as [string, CelNode, CelNode[]];
      return 1 + steps(receiver) + sum(callArgs);
    }
    case "list":
      return 1 + sum(args as CelNode[]);
    case "map":
      return 1 + sum((args as [CelNode, CelNode][]).flat());
    case "!_":
    case "-_":
    case "accuPush":
      return 1 + steps(args as CelNode);
    default:
      return Array.isArray(args) ? 1 + sum(args.filter((a): a is CelNode => a instanceof (n.constructor as new () => CelNode))) : 1;
  }
}

function listLength(n: CelNode, lengths: Lengths): number | undefined {
  if (n.op === "list" && !n.meta.alternate) return (n.args as unknown[]).length;
  if (n.op === "id" && !n.meta.alternate) return lengths.get(n.args as string);
  return undefined;
}

function comprehensionSteps(c: CelNode, lengths: Lengths): number {
  const { iterable, init, step, kind, condition, iterVarName } = c.args as {
    iterable: CelNode;
    init: CelNode;
    step: CelNode;
    kind?: string;
    condition?: unknown;
    iterVarName: string;
  };
  const items = listLength(iterable, lengths) ?? 0;
  // all() and exists() may decide on their first item; map(), filter() and exists_one() see every item.
  const iterations = items && kind === "quantifier" && condition ? 1 : items;
  const inner = new Map(lengths);
  inner.delete(iterVarName);
  return stepsAtLeast(iterable, lengths) + stepsAtLeast(init, lengths) + iterations * stepsAtLeast(step, inner);
}
