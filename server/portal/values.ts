import "server-only";
import type { FieldProblem } from "@/lib/errors";
import { findUnstorableText, unstorableTextReason } from "@/lib/storable-text";
import type { InputField } from "@/lib/mission/schema";
import { parseRunInput } from "@/server/runs";
import { portalProblems, type PortalProblem } from "./messages";

/**
 * The server's portal form rules: the run service's checks (parseRunInput), plus what only a
 * public form needs — whitespace alone is no answer (it counts as absent, so a required field is
 * still missing), and text PostgreSQL cannot store is refused naming its field. In the customer's
 * words; the browser's form rules (components/portal/form-rules.ts) say exactly the same.
 */
export function checkPortalValues(
  fields: InputField[],
  raw: unknown,
): { ok: true; input: Record<string, unknown> } | { ok: false; problems: PortalProblem[] } {
  const isObject = !!raw && typeof raw === "object" && !Array.isArray(raw);
  const values = isObject ? withoutBlanks(raw as Record<string, unknown>) : {};
  // Each field's own problem: an unstorable value is reported and left out of the other checks.
  const unstorable: FieldProblem[] = [];
  const storable: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const bad = unstorableTextReason(name) ? { path: "input", message: "has a field name that cannot be stored" } : findUnstorableText(value, ["input", name]);
    if (bad) unstorable.push(bad);
    else storable[name] = value;
  }
  const checked = parseRunInput(fields, isObject ? storable : (raw ?? {}));
  if (checked.ok && !unstorable.length) return checked;
  return { ok: false, problems: portalProblems(fields, [...unstorable, ...(checked.ok ? [] : checked.problems)], values) };
}

function withoutBlanks(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => !(typeof v === "string" && v.trim() === "")));
}
