import "server-only";
import { checkValue } from "@/lib/decisions/value-rules";
import type { FieldProblem } from "@/lib/errors";
import type { DecisionField } from "@/server/db/schema";

/** The type an approver's edit must have, from the declared field or (tool arguments) the proposed value. */
export function fieldTypeOf(value: unknown): DecisionField["type"] {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "json";
}

/** Problems with an approver's edits: only editable fields, each of its declared type and within its bounds. */
export function checkEdits(
  edits: Record<string, unknown>,
  fields: DecisionField[],
  editable: string[],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [name, value] of Object.entries(edits)) {
    const path = `values.${name}`;
    const field = byName.get(name);
    if (!field) {
      problems.push({ path, message: "is not one of the proposed values" });
      continue;
    }
    if (!editable.includes(name)) {
      problems.push({ path, message: "is not editable" });
      continue;
    }
    const ok =
      field.type === "string"
        ? typeof value === "string"
        : field.type === "number"
          ? typeof value === "number" && Number.isFinite(value)
          : field.type === "boolean"
            ? typeof value === "boolean"
            : value !== undefined && isJson(value);
    if (!ok) {
      problems.push({ path, message: `must be a ${field.type === "json" ? "JSON value" : field.type}` });
      continue;
    }
    const bound = field.rule ? checkValue(field, value, field.rule) : null;
    if (bound) problems.push({ path, message: bound });
  }
  return problems;
}

function isJson(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (typeof value === "object") return Object.values(value as object).every((v) => isJson(v, depth + 1));
  return false;
}
