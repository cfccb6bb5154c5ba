import "server-only";
import { parse, type ParseResult } from "@marcbachmann/cel-js";

// Inngest `if` expressions (wait matching, trigger filters, cancelOn) are CEL over `event` (the
// run's trigger event) and `async` (the incoming one). Parsed once per distinct expression.
const CACHE_LIMIT = 2_000;
const compiled = new Map<string, ParseResult | Error>();

function compile(expr: string): ParseResult | Error {
  let hit = compiled.get(expr);
  if (!hit) {
    try {
      hit = parse(expr);
    } catch (e) {
      hit = e instanceof Error ? e : new Error(String(e));
    }
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(expr, hit);
  }
  return hit;
}

/** True only when the expression evaluates to `true`; a missing field or a broken expression is no match. */
export function matches(expr: string | null | undefined, scope: { event?: unknown; async?: unknown }): boolean {
  if (!expr) return true;
  const fn = compile(expr);
  if (fn instanceof Error) return false;
  try {
    return fn(scope as Record<string, unknown>) === true;
  } catch {
    return false;
  }
}

/**
 * `event.<path> == async.<path>` (what `cancelOn: { match }` produces): the JSON path on each side,
 * so the store can filter candidate runs in SQL instead of evaluating CEL on every running run.
 */
export function equalityPaths(expr: string): { eventPath: string[]; asyncPath: string[] } | null {
  const m = /^\s*event\.([A-Za-z_][\w.]*)\s*==\s*async\.([A-Za-z_][\w.]*)\s*$/.exec(expr);
  if (!m?.[1] || !m[2]) return null;
  return { eventPath: m[1].split("."), asyncPath: m[2].split(".") };
}

export function valueAt(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
