/**
 * What the comparison page highlights: a value that is not the same on every model. Values are
 * compared as JSON with sorted keys, so `{a, b}` and `{b, a}` are the same answer.
 */
export function differs(values: unknown[]): boolean {
  if (values.length < 2) return false;
  const first = canonical(values[0]);
  return values.some((v) => canonical(v) !== first);
}

/** Each field any model's Worker gave, in first-seen order; a non-object output is one field, "". */
export function outputFields(outputs: unknown[]): string[] {
  const fields: string[] = [];
  for (const o of outputs) {
    const keys = o !== null && typeof o === "object" && !Array.isArray(o) ? Object.keys(o) : o === undefined ? [] : [""];
    for (const k of keys) if (!fields.includes(k)) fields.push(k);
  }
  return fields;
}

/** A field of an output, `""` for the whole of a non-object output. */
export function fieldOf(output: unknown, field: string): unknown {
  if (field === "") return output !== null && typeof output === "object" && !Array.isArray(output) ? undefined : output;
  return output !== null && typeof output === "object" && !Array.isArray(output) ? (output as Record<string, unknown>)[field] : undefined;
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  ) ?? "undefined";
}
