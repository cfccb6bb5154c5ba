import type { OutputField } from "../schema";

/**
 * What a Transform step computes, shared by its engine handler and the inspector's live preview:
 * each value's expression is evaluated in order and checked against its declared type, as a
 * Worker's outputs are (string, number, boolean, or one of an enum's values).
 */

export interface TransformValueSpec extends Pick<OutputField, "name" | "type" | "values"> {
  expression: string;
}

export type ComputedValue = { name: string; ok: true; value: unknown } | { name: string; ok: false; problem: string };

/** Why `value` is not of the declared type, or null when it is. */
export function typeProblem(value: unknown, spec: Pick<OutputField, "type" | "values">): string | null {
  const gave = `gave ${describe(value)}`;
  switch (spec.type) {
    case "string":
      return typeof value === "string" ? null : `must be a string, ${gave}`;
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? null : `must be a number, ${gave}`;
    case "boolean":
      return typeof value === "boolean" ? null : `must be true or false, ${gave}`;
    case "enum": {
      const allowed = spec.values ?? [];
      return typeof value === "string" && allowed.includes(value) ? null : `must be one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}, ${gave}`;
    }
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 79)}…` : json;
}

/**
 * Each value of a Transform, in order: `evaluate(i, expression)` gives the expression's value (and
 * throws when it cannot: the message is kept), then its type is checked.
 */
export function computeValues(values: readonly TransformValueSpec[], evaluate: (index: number, expression: string) => unknown): ComputedValue[] {
  return values.map((spec, i) => {
    let value: unknown;
    try {
      value = evaluate(i, spec.expression);
    } catch (e) {
      return { name: spec.name, ok: false, problem: e instanceof Error ? e.message : String(e) };
    }
    const problem = typeProblem(value, spec);
    return problem ? { name: spec.name, ok: false, problem } : { name: spec.name, ok: true, value };
  });
}
