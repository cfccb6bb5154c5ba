import type { InputField } from "@/lib/mission/schema";

/** What the form holds: text as typed, checkboxes as booleans. */
export type RunInputValues = Record<string, string | boolean>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The same rules the server applies (required, maxLength, number, email), checked before sending. */
export function checkRunInput(fields: readonly InputField[], values: RunInputValues): { input: Record<string, unknown>; errors: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = values[f.name];
    if (f.type === "boolean") {
      input[f.name] = raw === true;
      continue;
    }
    const text = typeof raw === "string" ? raw : "";
    if (text.trim() === "") {
      if (f.required) errors[f.name] = "is required";
      continue;
    }
    if (f.type === "number") {
      const n = Number(text);
      if (!Number.isFinite(n)) errors[f.name] = "must be a number";
      else input[f.name] = n;
      continue;
    }
    const value = f.type === "email" ? text.trim() : text;
    if (f.maxLength !== undefined && value.length > f.maxLength) errors[f.name] = `must be at most ${f.maxLength} characters`;
    else if (f.type === "email" && !EMAIL.test(value)) errors[f.name] = "must be an email address";
    else input[f.name] = value;
  }
  return { input, errors };
}
