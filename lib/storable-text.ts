import type { RefinementCtx } from "zod";
import { formatPath, type FieldProblem } from "./errors";

// PostgreSQL refuses a NUL character in `text` and `jsonb`, and jsonb refuses a UTF-16 surrogate
// without its partner (JSON allows both as `\u0000` and `\ud800` escapes). Such a value would fail
// deep inside a write, as a 500, after other writes of the same request; entry points check what
// they parsed with findUnstorableText first and answer 400 naming the field.

/** Deeper than any document Steward reads; deeper input is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 64;

const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why this text cannot be stored, or null. */
export function unstorableTextReason(s: string): string | null {
  if (s.indexOf("\u0000") !== -1) return "contains a NUL character (\\u0000), which cannot be stored";
  // Most text has no surrogates at all; only text that has some needs the slower exact test.
  if (ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s)) return "contains an unpaired UTF-16 surrogate, which is not valid Unicode";
  return null;
}

interface Visit {
  value: unknown;
  key: PropertyKey | null;
  parent: Visit | null;
  depth: number;
}

function pathOf(visit: Visit, root: readonly PropertyKey[]): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (let v: Visit | null = visit; v && v.key !== null; v = v.parent) keys.push(v.key);
  return [...root, ...keys.reverse()];
}

/**
 * The first string (or object key) in a parsed value that cannot be stored, or a value nested
 * deeper than MAX_INPUT_DEPTH, as a problem naming its path under `root` (e.g. `values.amount`,
 * `nodes[3].data.label`; `rootName` when it is the value itself). Walks with an explicit stack, so
 * hostile nesting cannot overflow it, and builds a path only for the value it reports: it runs on
 * every request body.
 */
export function findUnstorableText(value: unknown, root: readonly PropertyKey[] = [], rootName = "body"): FieldProblem | null {
  const problem = (visit: Visit, message: string): FieldProblem => ({ path: formatPath(pathOf(visit, root)) || rootName, message });
  const stack: Visit[] = [{ value, key: null, parent: null, depth: 0 }];
  while (stack.length) {
    const visit = stack.pop()!;
    const v = visit.value;
    if (typeof v === "string") {
      const reason = unstorableTextReason(v);
      if (reason) return problem(visit, reason);
      continue;
    }
    if (!v || typeof v !== "object") continue;
    if (visit.depth >= MAX_INPUT_DEPTH) return problem(visit, `is nested more than ${MAX_INPUT_DEPTH} levels deep`);
    const depth = visit.depth + 1;
    // Pushed in reverse, so the first bad value in document order is the one reported.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: visit, depth });
      continue;
    }
    const keys = Object.keys(v);
    for (const key of keys) {
      const reason = unstorableTextReason(key);
      if (reason) return problem(visit, `has a key that ${reason}`);
    }
    for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (v as Record<string, unknown>)[keys[i]!], key: keys[i]!, parent: visit, depth });
  }
  return null;
}

/**
 * For an input that is a JSON document as text (a mission file): the first unstorable string in
 * it, with its path inside the document. Text that is not JSON is left to the document's parser,
 * which explains what is wrong with it.
 */
export function findUnstorableInJsonText(text: string): FieldProblem | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    return null;
  }
  return findUnstorableText(parsed, [], "document");
}

/** A zod refinement of findUnstorableInJsonText, for a procedure input that carries a document. */
export function refuseUnstorableDocument(text: string, ctx: RefinementCtx): void {
  const bad = findUnstorableInJsonText(text);
  if (bad) ctx.addIssue({ code: "custom", message: bad.message, path: bad.path === "document" ? [] : [bad.path] });
}
