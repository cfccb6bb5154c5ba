import type { ASTNode, ParseResult } from "@marcbachmann/cel-js";
import { Duration, Environment, UnsignedInt } from "@marcbachmann/cel-js/evaluator";
import { accountRoot, EXPRESSION_LIMITS, ExpressionBudget, instrument, metered, meterEvaluator, minimumSteps } from "./expression-budget";

export { EXPRESSION_LIMITS, ExpressionBudget };

/**
 * The mission expression language: CEL (cel-js), never eval/Function.
 *
 * Numbers: node outputs are JSON, so every number in the scope is a JS number, which CEL treats as
 * a `double`; literals without a dot (`50`) are CEL `int`s. Comparisons between the two already
 * work in cel-js, but arithmetic would not (`reason.amount + 1` has no `double + int` overload), so
 * this environment adds mixed int/double overloads for + - * /, == (for `double(x) == 7`) and %
 * (which CEL lacks for doubles). Results are plain JSON again: ints (BigInt) become JS numbers.
 *
 * Expressions are untrusted and run on the server's thread, so they are bounded: parse limits
 * below, an evaluation budget, matches() on RE2 and capped intermediate values (see
 * expression-budget.ts).
 */

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    readonly reason: string,
    readonly position?: { line: number; column: number },
  ) {
    super(`Expression ${JSON.stringify(truncate(expression, 120))} failed: ${reason}${position ? ` ${positionText(position)}` : ""}`);
    this.name = "ExpressionError";
  }
}

export type ParseOutcome = { ok: true } | { ok: false; message: string; position?: { line: number; column: number } };

/** Names the scope always provides besides node ids. */
export const SCOPE_TRIGGER = "trigger";
export const SCOPE_SKIPPED = "skipped";

/**
 * Identifiers an expression cannot use as a variable: CEL keywords, literals and the names of CEL
 * types and namespaces (checked: `int.x` resolves the type `int`, not a variable called int).
 */
export const RESERVED_IDENTIFIERS: ReadonlySet<string> = new Set([
  "as", "break", "const", "continue", "else", "for", "function", "if", "import", "in", "let", "loop",
  "package", "namespace", "return", "var", "void", "while",
  "true", "false", "null",
  "int", "uint", "double", "bool", "string", "bytes", "list", "map", "type", "null_type",
  "cel", "optional", "google",
]);

/**
 * Parse limits for an expression of at most 4,000 characters (expressionSchema): what no mission
 * needs is refused before anything runs (cel-js allows 100,000 nodes and nesting 250 deep).
 */
const PARSE_LIMITS = { maxAstNodes: 2_000, maxDepth: 32, maxListElements: 500, maxMapEntries: 200, maxCallArguments: 8 };

const environment = createEnvironment();

function createEnvironment(): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, limits: PARSE_LIMITS }).registerVariable(
    SCOPE_SKIPPED,
    "list<string>",
  );
  const ops: Record<string, (a: number, b: number) => number> = {
    "+": (a, b) => a + b,
    "-": (a, b) => a - b,
    "*": (a, b) => a * b,
    "/": (a, b) => a / b,
  };
  for (const [op, fn] of Object.entries(ops)) {
    env.registerOperator(`double ${op} int`, (a: number, b: bigint) => fn(a, Number(b)));
    env.registerOperator(`int ${op} double`, (a: bigint, b: number) => fn(Number(a), b));
  }
  // Registers both orders; `!=` follows from it. Relational operators already mix in cel-js.
  env.registerOperator("double == int", (a: number, b: bigint) => a === Number(b));
  env.registerOperator("double % double", (a: number, b: number) => a % b);
  env.registerOperator("double % int", (a: number, b: bigint) => a % Number(b));
  env.registerOperator("int % double", (a: bigint, b: number) => Number(a) % b);
  meterEvaluator(env);
  return env;
}

interface Compiled {
  outcome: ParseOutcome;
  run?: ParseResult;
}

// The editor re-validates on every keystroke; most expressions are unchanged between runs.
const CACHE_LIMIT = 5_000;
const cache = new Map<string, Compiled>();

function compile(src: string): Compiled {
  const hit = cache.get(src);
  if (hit) return hit;
  const compiled = compileUncached(src);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(src, compiled);
  return compiled;
}

function compileUncached(src: string): Compiled {
  if (src.trim() === "") return { outcome: { ok: false, message: "is empty" } };
  let run: ParseResult;
  try {
    run = environment.parse(src);
  } catch (e) {
    return { outcome: failure(src, e) };
  }
  // Type-checks with every variable dynamic: catches unknown functions and literal type clashes
  // (`1 + "a"`) before a run does.
  const checked = run.check();
  if (!checked.valid) return { outcome: failure(src, checked.error) };
  const [problem] = instrument(run.ast);
  if (problem) return { outcome: failure(src, { summary: problem.message, range: { start: problem.start } }) };
  return { outcome: { ok: true }, run };
}

function failure(src: string, e: unknown): ParseOutcome & { ok: false } {
  const summary = errorSummary(e);
  const start = errorStart(e);
  if (start === undefined) return { ok: false, message: summary };
  const position = lineColumn(src, start);
  return { ok: false, message: `${summary} ${positionText(position)}`, position };
}

function errorSummary(e: unknown): string {
  if (e && typeof e === "object" && "summary" in e && typeof e.summary === "string") return e.summary;
  if (e instanceof Error) return e.message.split("\n")[0] ?? e.message;
  return String(e);
}

function errorStart(e: unknown): number | undefined {
  if (!e || typeof e !== "object" || !("range" in e)) return undefined;
  const range = e.range as { start?: unknown } | undefined;
  return typeof range?.start === "number" ? range.start : undefined;
}

function lineColumn(src: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < src.length; i++) {
    if (src[i] === "\n") {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

function positionText(p: { line: number; column: number }): string {
  return p.line === 1 ? `(at column ${p.column})` : `(at line ${p.line}, column ${p.column})`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Forgets compiled expressions (for benchmarks that measure a cold start). */
export function clearExpressionCache(): void {
  cache.clear();
  referenceCache.clear();
  costCache.clear();
}

/** Checks syntax and static types (unknown functions, `1 + "a"`); variables are not resolved. */
export function parseExpression(src: string): ParseOutcome {
  return compile(src).outcome;
}

/**
 * Evaluates an expression against a scope (see expressionScope in scope.ts) and returns plain JSON:
 * ints as JS numbers, timestamps as ISO strings, durations as `"90s"`, bytes as base64.
 * It may take EXPRESSION_LIMITS.maxSteps steps, and draws on `budget` when several evaluations
 * share one (a node's expressions).
 */
export function evaluateExpression(src: string, scope: Record<string, unknown>, budget?: ExpressionBudget): unknown {
  const compiled = compile(src);
  if (!compiled.outcome.ok || !compiled.run) {
    const outcome = compiled.outcome as ParseOutcome & { ok: false };
    throw new ExpressionError(src, `does not parse: ${outcome.message}`);
  }
  const run = compiled.run;
  const context = SCOPE_SKIPPED in scope ? scope : { ...scope, [SCOPE_SKIPPED]: [] };
  const result = metered(budget, () => {
    const value = run(context);
    accountRoot(run.ast, value);
    return value;
  });
  if (result.exhaustedMessage) throw new ExpressionError(src, result.exhaustedMessage);
  if ("error" in result) {
    const e = result.error;
    const start = errorStart(e);
    throw new ExpressionError(src, errorSummary(e), start === undefined ? undefined : lineColumn(src, start));
  }
  return toJsonValue(result.value);
}

const costCache = new Map<string, string | null>();

/**
 * Why an expression is sure to run out of budget, or null. Sound, not complete: an expression
 * over literal lists whose every evaluation takes more steps than allowed, or one that reads no
 * data at all (evaluated here, under the budget) and runs out. Anything that depends on run data
 * is left to the budget at run time.
 */
export function expressionCostProblem(src: string): string | null {
  const hit = costCache.get(src);
  if (hit !== undefined) return hit;
  const problem = costProblem(src);
  if (costCache.size >= CACHE_LIMIT) costCache.clear();
  costCache.set(src, problem);
  return problem;
}

function costProblem(src: string): string | null {
  const run = compile(src).run;
  if (!run) return null;
  const { maxSteps } = EXPRESSION_LIMITS;
  const least = minimumSteps(run.ast);
  if (least > maxSteps) {
    return `is too expensive: it takes at least ${least.toLocaleString("en-US")} steps and may take ${maxSteps.toLocaleString("en-US")}; simplify it or work on fewer items`;
  }
  if (expressionReferences(src).roots.length > 0) return null;
  try {
    evaluateExpression(src, {});
  } catch (e) {
    if (e instanceof ExpressionError && /^too expensive/.test(e.reason)) return `is ${e.reason}`;
  }
  return null;
}

function toJsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Set) return [...value].map(toJsonValue);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) {
    let bin = "";
    for (const b of value) bin += String.fromCharCode(b);
    return btoa(bin);
  }
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toJsonValue(v);
    return out;
  }
  if (value instanceof Duration) return value.toString();
  if (value instanceof UnsignedInt) return Number(value.valueOf());
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
  return out;
}

export interface ExpressionReferences {
  /** Top-level identifiers the expression reads, in order of first appearance. */
  roots: string[];
  /** Node ids tested with `"<id>" in skipped`. */
  skippedChecks: string[];
}

const NO_REFERENCES: ExpressionReferences = { roots: [], skippedChecks: [] };
const referenceCache = new Map<string, ExpressionReferences>();

/** What an expression refers to; an expression that does not parse refers to nothing. */
export function expressionReferences(src: string): ExpressionReferences {
  const hit = referenceCache.get(src);
  if (hit) return hit;
  const run = compile(src).run;
  const refs = run ? collectReferences(run.ast) : NO_REFERENCES;
  if (referenceCache.size >= CACHE_LIMIT) referenceCache.clear();
  referenceCache.set(src, refs);
  return refs;
}

/** Top-level identifiers an expression reads: `reason.amount > 10` → ["reason"]. */
export function referencedRoots(src: string): string[] {
  return expressionReferences(src).roots;
}

const ITERATION_MACROS = new Set(["all", "exists", "exists_one", "map", "filter"]);

function collectReferences(root: ASTNode): ExpressionReferences {
  const roots: string[] = [];
  const seen = new Set<string>();
  const skippedChecks: string[] = [];
  const bound: string[] = [];

  const visit = (node: ASTNode): void => {
    switch (node.op) {
      case "value":
        return;
      case "id":
        if (!bound.includes(node.args) && !seen.has(node.args)) {
          seen.add(node.args);
          roots.push(node.args);
        }
        return;
      case ".":
      case ".?":
        return visit(node.args[0]);
      case "call":
        return node.args[1].forEach(visit);
      case "rcall": {
        const [name, receiver, args] = node.args;
        const first = args[0];
        const bindsVariable =
          first?.op === "id" &&
          (ITERATION_MACROS.has(name) || (name === "bind" && receiver.op === "id" && receiver.args === "cel"));
        if (!bindsVariable) {
          visit(receiver);
          return args.forEach(visit);
        }
        // cel.bind(v, init, body): init sees the outer scope. list.all(v, pred): the receiver does.
        if (name === "bind") {
          if (args[1]) visit(args[1]);
        } else visit(receiver);
        bound.push(first.args);
        for (const arg of args.slice(name === "bind" ? 2 : 1)) visit(arg);
        bound.pop();
        return;
      }
      case "list":
        return node.args.forEach(visit);
      case "map":
        for (const [k, v] of node.args) {
          visit(k);
          visit(v);
        }
        return;
      case "?:":
        return node.args.forEach(visit);
      case "!_":
      case "-_":
        return visit(node.args);
      case "in": {
        const [left, right] = node.args;
        if (right.op === "id" && right.args === SCOPE_SKIPPED && left.op === "value" && typeof left.args === "string") {
          skippedChecks.push(left.args);
        }
        visit(left);
        return visit(right);
      }
      default:
        visit(node.args[0]);
        return visit(node.args[1]);
    }
  };
  visit(root);
  return { roots, skippedChecks };
}

/**
 * String literals an expression can return directly (through `?:` branches), e.g. the outcomes a
 * verdict expression names. Computed results are not listed.
 */
export function literalResults(src: string): string[] {
  const run = compile(src).run;
  if (!run) return [];
  const out: string[] = [];
  const visit = (node: ASTNode): void => {
    if (node.op === "value" && typeof node.args === "string") out.push(node.args);
    else if (node.op === "?:") {
      visit(node.args[1]);
      visit(node.args[2]);
    }
  };
  visit(run.ast);
  return out;
}
