import { compileLinearRegex, type LinearRegex } from "@/lib/mission/linear-regex";

/**
 * What an approver may type into a proposed value: the field's type (from the approval node or the
 * proposed argument) tightened by the tool's input schema (minimum, enum, pattern…). The form checks
 * as the approver types; the server checks again before the decision is made.
 */

export type FieldType = "string" | "number" | "boolean" | "json";

export interface FieldLike {
  name: string;
  label: string;
  type: FieldType;
}

/** The subset of JSON Schema an edit is checked against. */
export interface ValueRule {
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  integer?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: (string | number | boolean | null)[];
}

export interface ValueProblem {
  path: string;
  message: string;
}

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Per-argument rules from a tool's JSON Schema (`properties`); unknown keywords are ignored. */
export function rulesFromSchema(schema: unknown): Record<string, ValueRule> {
  const out: Record<string, ValueRule> = {};
  for (const [name, raw] of Object.entries(record(record(schema).properties))) {
    const p = record(raw);
    const rule: ValueRule = {};
    if (typeof p.description === "string" && p.description) rule.description = p.description;
    const min = num(p.minimum);
    const max = num(p.maximum);
    if (min !== undefined) rule.minimum = min;
    if (max !== undefined) rule.maximum = max;
    // JSON Schema draft 4 wrote exclusive bounds as booleans beside minimum/maximum.
    if (num(p.exclusiveMinimum) !== undefined) rule.exclusiveMinimum = p.exclusiveMinimum as number;
    else if (p.exclusiveMinimum === true && min !== undefined) {
      rule.exclusiveMinimum = min;
      delete rule.minimum;
    }
    if (num(p.exclusiveMaximum) !== undefined) rule.exclusiveMaximum = p.exclusiveMaximum as number;
    else if (p.exclusiveMaximum === true && max !== undefined) {
      rule.exclusiveMaximum = max;
      delete rule.maximum;
    }
    if (p.type === "integer") rule.integer = true;
    if (num(p.minLength) !== undefined) rule.minLength = p.minLength as number;
    if (num(p.maxLength) !== undefined) rule.maxLength = p.maxLength as number;
    if (typeof p.pattern === "string") rule.pattern = p.pattern;
    if (typeof p.format === "string") rule.format = p.format;
    if (Array.isArray(p.enum)) rule.enum = p.enum.filter((e) => e === null || ["string", "number", "boolean"].includes(typeof e)) as ValueRule["enum"];
    else if (p.const !== undefined && (p.const === null || ["string", "number", "boolean"].includes(typeof p.const))) rule.enum = [p.const as string | number | boolean | null];
    if (Object.keys(rule).length) out[name] = rule;
  }
  return out;
}

/**
 * A schema's pattern on RE2, which runs in linear time: the schema comes from an MCP server, which
 * is not trusted, and JavaScript's RegExp takes exponential time on patterns like `^(a+)+$`. A
 * pattern RE2 cannot run (lookaround, backreferences, too large) is not enforced here; the tool
 * still checks its own input.
 */
function safePattern(pattern: string): LinearRegex | null {
  const compiled = compileLinearRegex(pattern, "ecma");
  return compiled.ok ? compiled.regex : null;
}

// The usual "something@something.something", on RE2 too: RegExp backtracks quadratically on it.
const EMAIL = linearRegex("^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$");

function linearRegex(pattern: string): LinearRegex {
  const compiled = compileLinearRegex(pattern);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.regex;
}

/** The problem with one value, or null. Messages complete "Amount …". */
export function checkValue(field: FieldLike, value: unknown, rule: ValueRule = {}): string | null {
  switch (field.type) {
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
      break;
    case "string":
      if (typeof value !== "string") return "must be text";
      break;
    case "boolean":
      if (typeof value !== "boolean") return "must be yes or no";
      break;
    case "json":
      if (value === undefined) return "must be a JSON value";
      break;
  }
  if (rule.enum && !rule.enum.some((e) => e === value)) return `must be one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  if (typeof value === "number") {
    if (rule.integer && !Number.isInteger(value)) return "must be a whole number";
    if (rule.minimum !== undefined && value < rule.minimum) return `must be at least ${rule.minimum}`;
    if (rule.maximum !== undefined && value > rule.maximum) return `must be at most ${rule.maximum}`;
    if (rule.exclusiveMinimum !== undefined && value <= rule.exclusiveMinimum) return `must be more than ${rule.exclusiveMinimum}`;
    if (rule.exclusiveMaximum !== undefined && value >= rule.exclusiveMaximum) return `must be less than ${rule.exclusiveMaximum}`;
  }
  if (typeof value === "string") {
    if (rule.minLength !== undefined && value.length < rule.minLength) return rule.minLength === 1 ? "must not be empty" : `must be at least ${rule.minLength} characters`;
    if (rule.maxLength !== undefined && value.length > rule.maxLength) return `must be at most ${rule.maxLength} characters`;
    if (rule.pattern) {
      const re = safePattern(rule.pattern);
      if (re && !re.test(value)) return `must match the pattern ${rule.pattern}`;
    }
    if (rule.format === "email" && !EMAIL.test(value)) return "must be an email address";
  }
  return null;
}

/** Problems with a set of edits, each naming `values.<field>`. Fields not in `fields` are left to the server's own check. */
export function checkValues(edits: Record<string, unknown>, fields: FieldLike[], rules: Record<string, ValueRule>): ValueProblem[] {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: ValueProblem[] = [];
  for (const [name, value] of Object.entries(edits)) {
    const field = byName.get(name);
    if (!field) continue;
    const problem = checkValue(field, value, rules[name]);
    if (problem) out.push({ path: `values.${name}`, message: problem });
  }
  return out;
}

/** What an input box holds, as the field's type. `ok: false` carries the message. */
export function parseInput(field: FieldLike, text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  switch (field.type) {
    case "number": {
      const t = text.trim().replace(/,(?=\d{1,2}$)/, ".");
      if (!t) return { ok: false, message: "must be a number" };
      const n = Number(t);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: "must be a number" };
    }
    case "boolean":
      return { ok: true, value: text === "true" };
    case "json":
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch {
        return { ok: false, message: "must be valid JSON" };
      }
    default:
      return { ok: true, value: text };
  }
}

/** How a value reads in an input box (the inverse of parseInput). */
export function inputText(field: FieldLike, value: unknown): string {
  if (field.type === "json") return JSON.stringify(value ?? null, null, 2);
  if (value === null || value === undefined) return "";
  return String(value);
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface ValueChange {
  name: string;
  label: string;
  from: unknown;
  to: unknown;
}

/** The edits that differ from what was proposed, in field order. */
export function diffValues(fields: FieldLike[], proposed: Record<string, unknown>, edits: Record<string, unknown>): ValueChange[] {
  return fields
    .filter((f) => f.name in edits && !sameValue(proposed[f.name], edits[f.name]))
    .map((f) => ({ name: f.name, label: f.label || f.name, from: proposed[f.name], to: edits[f.name] }));
}

/** A value as one line of text, for diffs and summaries. */
export function showValue(value: unknown): string {
  if (value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return JSON.stringify(value);
}
