import "server-only";
import { z } from "zod";
import { formatBytes, jsonBytes } from "@/lib/bounded";
import { formatPath, type FieldProblem } from "@/lib/errors";
import type { InputField } from "@/lib/mission/schema";

/** The largest run input (its JSON): it is stored as the trigger's output and fed to every expression. */
export const MAX_RUN_INPUT_BYTES = 256_000;
/** A text field without its own maxLength holds at most this many characters. */
export const DEFAULT_TEXT_MAX = 100_000;

// Forms (the portal) send strings; the API sends JSON. Numbers and booleans accept both.
const fromFormNumber = (v: unknown) => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v);
const fromFormBoolean = (v: unknown) => (v === "true" ? true : v === "false" ? false : v);

/** The zod schema of one present value of a trigger field. */
export function fieldSchema(f: InputField): z.ZodType {
  switch (f.type) {
    case "number":
      return z.preprocess(fromFormNumber, z.number({ error: "must be a number" }).finite("must be a finite number"));
    case "boolean":
      return z.preprocess(fromFormBoolean, z.boolean({ error: "must be true or false" }));
    case "email": {
      const max = f.maxLength ?? 320;
      return z.string({ error: "must be text" }).trim().max(max, `must be at most ${max} characters`).pipe(z.email("must be an email address"));
    }
    default: {
      const max = f.maxLength ?? DEFAULT_TEXT_MAX;
      return z.string({ error: "must be text" }).max(max, `must be at most ${max} characters`);
    }
  }
}

/**
 * Checks a run input against the trigger's fields: types, required, maxLength, email. Unknown
 * fields are refused (a typo should not silently drop a value); an empty string or null counts as
 * absent. Returns the clean input or every problem, each naming its field as `input.<name>`.
 */
export function parseRunInput(
  fields: InputField[],
  raw: unknown,
): { ok: true; input: Record<string, unknown> } | { ok: false; problems: FieldProblem[] } {
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    return { ok: false, problems: [{ path: "input", message: "must be an object of field values" }] };
  }
  const values = (raw ?? {}) as Record<string, unknown>;
  const bytes = jsonBytes(values);
  if (bytes > MAX_RUN_INPUT_BYTES) {
    return { ok: false, problems: [{ path: "input", message: `is ${formatBytes(bytes)}; a run input may be at most ${formatBytes(MAX_RUN_INPUT_BYTES)}` }] };
  }
  const problems: FieldProblem[] = [];
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) {
      problems.push({ path: `input.${key}`, message: `is not an input of this mission (its inputs: ${[...known].join(", ") || "none"})` });
    }
  }
  const input: Record<string, unknown> = {};
  for (const f of fields) {
    const value = values[f.name];
    if (value === undefined || value === null || value === "") {
      if (f.required) problems.push({ path: `input.${f.name}`, message: "is required" });
      continue;
    }
    const r = fieldSchema(f).safeParse(value);
    if (r.success) input[f.name] = r.data;
    else for (const issue of r.error.issues) problems.push({ path: formatPath(["input", f.name, ...issue.path]), message: issue.message });
  }
  return problems.length ? { ok: false, problems } : { ok: true, input };
}
