import "server-only";
import type { FieldProblem } from "@/lib/errors";
import type { InputField } from "@/lib/mission/schema";

/** One problem with a portal form field, in words for the customer. `field` is the input's name. */
export interface PortalProblem {
  field: string;
  message: string;
}

export function fieldLabel(f: Pick<InputField, "name" | "label">): string {
  if (f.label.trim()) return f.label.trim();
  const words = f.name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * parseRunInput's terse messages ("is required") as sentences a customer reads on the form. The
 * browser's form rules (components/portal/form-rules.ts) say exactly the same; a test keeps them so.
 */
export function portalProblems(fields: InputField[], problems: FieldProblem[], values: Record<string, unknown>): PortalProblem[] {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const out: PortalProblem[] = [];
  for (const p of problems) {
    const name = /^input\.([A-Za-z_][A-Za-z0-9_]*)/.exec(p.path)?.[1];
    const f = name ? byName.get(name) : undefined;
    if (!name || !f) {
      out.push({ field: name ?? "", message: name ? `This form has no field called ${name}.` : "The form could not be read. Please try again." });
      continue;
    }
    if (out.some((o) => o.field === name)) continue;
    const label = fieldLabel(f);
    const max = /^must be at most (\d+) characters$/.exec(p.message)?.[1];
    let message: string;
    if (p.message === "is required") message = f.type === "boolean" ? "Please choose yes or no." : `${label} is required.`;
    else if (p.message === "must be an email address") message = "Enter an email address like name@example.com.";
    else if (max) message = `${label} must be at most ${Number(max).toLocaleString("en")} characters (now ${String(values[name] ?? "").length.toLocaleString("en")}).`;
    else if (/^must be a (finite )?number$/.test(p.message)) message = `${label} must be a number.`;
    else if (p.message === "must be true or false") message = "Please choose yes or no.";
    else if (/^contains an? /.test(p.message)) message = `${label} contains a character that can't be sent (a NUL or a broken character). Please remove it.`;
    else message = `${label} ${p.message}.`;
    out.push({ field: name, message });
  }
  return out;
}
