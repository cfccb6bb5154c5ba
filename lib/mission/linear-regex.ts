import { RE2JS } from "re2js";

/**
 * Regular expressions from untrusted hands (a builder's `matches()`, a portal visitor's input, an
 * MCP server's JSON Schema `pattern`) run on RE2JS: linear in the input, never backtracking, so no
 * pattern can freeze the server (JavaScript's RegExp takes 2^n steps for `^(a+)+$` on "aaa…!").
 * Compiling is not free either (`a{1000}` repeated is a big program), so a pattern's size is
 * estimated from its text before it is compiled and refused above MAX_PATTERN_SIZE.
 */

/** Longest pattern text accepted. */
export const MAX_PATTERN_LENGTH = 1_000;
/** Largest program a pattern may compile to (RE2 instructions, about one per character matched). */
export const MAX_PATTERN_SIZE = 2_000;
/** What one Unicode class (`\pL`) counts in the estimate: compiling one costs as much as ~50 literals. */
const UNICODE_CLASS_WEIGHT = 50;

export interface LinearRegex {
  /** Whether the pattern matches anywhere in `input` (anchor it with ^ and $ for a whole match). */
  test(input: string): boolean;
  /** Instructions in the compiled program: matching costs at most about this much per input character. */
  readonly size: number;
  /** The estimate compiling it was allowed on (see estimatePatternSize). */
  readonly estimate: number;
}

export type RegexOutcome = { ok: true; regex: LinearRegex } | { ok: false; message: string };

/** `re2`: RE2 syntax (CEL's matches()). `ecma`: JavaScript syntax (JSON Schema `pattern`), translated to RE2. */
export type RegexSyntax = "re2" | "ecma";

const CACHE_LIMIT = 1_000;
const cache = new Map<string, RegexOutcome>();

/** Compiles a pattern, or says why it cannot run in linear time. Outcomes are cached. */
export function compileLinearRegex(pattern: string, syntax: RegexSyntax = "re2"): RegexOutcome {
  const key = `${syntax}:${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const outcome = compileUncached(pattern, syntax);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, outcome);
  return outcome;
}

function compileUncached(pattern: string, syntax: RegexSyntax): RegexOutcome {
  const shown = showPattern(pattern);
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, message: `pattern ${shown} is too large: ${pattern.length} characters, at most ${MAX_PATTERN_LENGTH}` };
  }
  const estimate = estimatePatternSize(pattern);
  if (estimate > MAX_PATTERN_SIZE) return tooLarge(shown);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(syntax === "ecma" ? RE2JS.translateRegExp(pattern) : pattern);
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).replace(/^error parsing regexp: /, "");
    return { ok: false, message: `pattern ${shown} is not valid RE2 syntax (${reason}); ${unsupportedHint(pattern)}` };
  }
  const size = compiled.programSize();
  if (size > MAX_PATTERN_SIZE) return tooLarge(shown);
  return { ok: true, regex: { test: (input) => compiled.test(input), size, estimate } };
}

function tooLarge(shown: string): RegexOutcome {
  return { ok: false, message: `pattern ${shown} is too large: it would compile to more than ${MAX_PATTERN_SIZE} instructions; use smaller repeat counts` };
}

function showPattern(pattern: string): string {
  return JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 79)}…` : pattern);
}

function unsupportedHint(pattern: string): string {
  if (/\\[1-9]|\\k</.test(pattern)) return "RE2 has no backreferences";
  if (/\(\?<[=!]/.test(pattern)) return "RE2 has no lookbehind";
  if (/\(\?[=!]/.test(pattern)) return "RE2 has no lookahead";
  return "see https://github.com/google/re2/wiki/Syntax";
}

const REPEAT = /\{(\d+)(?:,(\d*))?\}/y;

/**
 * An upper bound on the work of compiling `pattern`, read from the text alone (so a pattern that
 * would take long to compile is refused before compiling), in RE2 instructions: every atom counts
 * 1, a capturing group 3 more, a quantifier 2, a counted repetition `{n,m}` multiplies what it
 * repeats by its largest count; and each Unicode class (`\pL`) adds UNICODE_CLASS_WEIGHT once,
 * for building its table (repeating it copies one instruction).
 */
export function estimatePatternSize(pattern: string): number {
  const outer: { total: number; capturing: boolean }[] = [];
  let total = 3; // the program's start and match
  let last = 0;
  let tables = 0;
  const atom = (weight: number) => {
    total += weight;
    last = weight;
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      const [end, weight, unicode] = escapeAt(pattern, i);
      atom(weight);
      tables += unicode;
      i = end;
    } else if (c === "[") {
      const [end, unicode] = classAt(pattern, i);
      atom(1);
      tables += unicode;
      i = end;
    } else if (c === "(") {
      const [end, group] = groupStart(pattern, i);
      if (group !== "flags") {
        outer.push({ total, capturing: group === "capture" });
        total = 0;
        last = 0;
      }
      i = end;
    } else if (c === ")") {
      const enclosing = outer.pop() ?? { total: 0, capturing: true };
      const group = total + (enclosing.capturing ? 3 : 0);
      total = enclosing.total;
      atom(group);
      i++;
    } else if (c === "{") {
      REPEAT.lastIndex = i;
      const m = REPEAT.exec(pattern);
      if (!m) {
        atom(1);
        i++;
        continue;
      }
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[2] === "" ? min + 1 : Number(m[2]);
      const times = Math.max(min, max, 1);
      total += last * (times - 1) + (times - min);
      last = last * times + (times - min);
      i = REPEAT.lastIndex;
    } else if (c === "*" || c === "+" || c === "?") {
      total += 2;
      last += 2;
      i++;
    } else if (c === "|") {
      total += 1;
      last = 0;
      i++;
    } else {
      atom(1);
      i++;
    }
  }
  while (outer.length) total += (outer.pop()?.total ?? 0) + 3;
  return total + tables * UNICODE_CLASS_WEIGHT;
}

/** Where a group's content starts (after `(`, `(?:`, `(?P<name>`…) and what it is: `(?i)` only sets flags. */
function groupStart(p: string, i: number): [number, "capture" | "group" | "flags"] {
  if (p[i + 1] !== "?") return [i + 1, "capture"];
  let j = i + 2;
  if (p[j] === "P" || p[j] === "<") {
    const stop = p.indexOf(">", j);
    return [stop < 0 ? p.length : stop + 1, "capture"];
  }
  while (j < p.length && /[a-zA-Z-]/.test(p[j] as string)) j++;
  return [j + 1, p[j] === ")" ? "flags" : "group"];
}

/** The end of the escape at `i`, the instructions it compiles to and the Unicode tables it names. */
function escapeAt(p: string, i: number): [number, number, number] {
  const next = p[i + 1];
  if (next === "p" || next === "P") {
    const end = p[i + 2] === "{" ? closing(p, i + 2, "}") : i + 3;
    return [end, 1, 1];
  }
  if (next === "x" && p[i + 2] === "{") return [closing(p, i + 2, "}"), 1, 0];
  if (next === "Q") {
    const stop = p.indexOf("\\E", i + 2);
    const end = stop < 0 ? p.length : stop + 2;
    return [end, end - i, 0];
  }
  return [Math.min(i + 2, p.length), 1, 0];
}

/** The end of the character class at `i` and the Unicode tables it names. */
function classAt(p: string, i: number): [number, number] {
  let j = i + 1;
  if (p[j] === "^") j++;
  if (p[j] === "]") j++;
  let tables = 0;
  while (j < p.length && p[j] !== "]") {
    if (p[j] === "\\") {
      if (p[j + 1] === "p" || p[j + 1] === "P") tables++;
      j += 2;
    } else if (p.startsWith("[:", j)) {
      const stop = p.indexOf(":]", j + 2);
      j = stop < 0 ? p.length : stop + 2;
    } else j++;
  }
  return [Math.min(j + 1, p.length), tables];
}

function closing(p: string, from: number, ch: string): number {
  const stop = p.indexOf(ch, from);
  return stop < 0 ? p.length : stop + 1;
}
