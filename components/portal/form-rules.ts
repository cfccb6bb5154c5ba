import { regexes } from "zod";
import { unstorableTextReason } from "@/lib/storable-text";

// The portal form's rules in the browser: the same checks, in the same words, as the server's
// (server/runs/input.ts via server/portal/messages.ts). A test compares the two on many inputs.

export interface PortalField {
  name: string;
  label: string;
  type: "string" | "text" | "number" | "boolean" | "email";
  required: boolean;
  description: string;
  maxLength?: number;
}

export function labelOf(f: Pick<PortalField, "name" | "label">): string {
  if (f.label.trim()) return f.label.trim();
  const words = f.name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const tooLong = (label: string, max: number, value: string) =>
  `${label} must be at most ${max.toLocaleString("en")} characters (now ${value.length.toLocaleString("en")}).`;

/** The problem with one field's value, or null. Absent, empty and blank (only spaces) are the same. */
export function fieldProblem(f: PortalField, value: string | undefined): string | null {
  const label = labelOf(f);
  if (value === undefined || value.trim() === "") {
    if (!f.required) return null;
    return f.type === "boolean" ? "Please choose yes or no." : `${label} is required.`;
  }
  if (unstorableTextReason(value)) return `${label} contains a character that can't be sent (a NUL or a broken character). Please remove it.`;
  switch (f.type) {
    case "number":
      return value.trim() !== "" && Number.isFinite(Number(value)) ? null : `${label} must be a number.`;
    case "boolean":
      return value === "true" || value === "false" ? null : "Please choose yes or no.";
    case "email": {
      const v = value.trim();
      if (f.maxLength && v.length > f.maxLength) return tooLong(label, f.maxLength, value);
      return regexes.email.test(v) ? null : "Enter an email address like name@example.com.";
    }
    default:
      return f.maxLength && value.length > f.maxLength ? tooLong(label, f.maxLength, value) : null;
  }
}

/** Every field's problem, by field name; empty when the form may be sent. */
export function formProblems(fields: PortalField[], values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const p = fieldProblem(f, values[f.name]);
    if (p) out[f.name] = p;
  }
  return out;
}
