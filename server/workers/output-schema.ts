import "server-only";
import { z } from "zod";
import { describeProblems, zodProblems } from "@/lib/errors";
import type { OutputField } from "@/lib/mission/schema";

/** The zod object a Worker's final answer must satisfy: every declared field, required. */
export function buildOutputSchema(outputs: OutputField[]): z.ZodObject<Record<string, z.ZodType>> {
  const shape: Record<string, z.ZodType> = {};
  for (const f of outputs) {
    switch (f.type) {
      case "number":
        shape[f.name] = z.number({ error: "must be a number" }).finite("must be a finite number");
        break;
      case "boolean":
        shape[f.name] = z.boolean({ error: "must be true or false" });
        break;
      case "enum":
        shape[f.name] = f.values?.length
          ? z.enum(f.values as [string, ...string[]], { error: `must be one of ${f.values.map((v) => `"${v}"`).join(", ")}` })
          : z.string({ error: "must be a string" });
        break;
      case "string":
        shape[f.name] = z.string({ error: "must be a string" });
        break;
    }
  }
  return z.object(shape);
}

/** One line per field, for the system prompt and the repair message. */
export function describeOutputs(outputs: OutputField[]): string {
  return outputs
    .map((f) => {
      const type = f.type === "enum" && f.values?.length ? `one of ${f.values.map((v) => JSON.stringify(v)).join(", ")}` : f.type;
      return `- ${f.name} (${type})${f.description ? `: ${f.description}` : ""}`;
    })
    .join("\n");
}

export type ParsedAnswer = { ok: true; value: Record<string, unknown> } | { ok: false; problem: string };

/**
 * Reads the final answer: a JSON object, tolerating a code fence or prose around it (models add
 * them even when told not to), then checks it against the declared fields.
 */
export function parseFinalAnswer(text: string, outputs: OutputField[]): ParsedAnswer {
  if (!outputs.length) return { ok: true, value: { text: text.trim() } };
  const json = extractJsonObject(text);
  if (json === undefined) return { ok: false, problem: "the final answer is not a JSON object" };
  const parsed = buildOutputSchema(outputs).safeParse(json);
  if (!parsed.success) return { ok: false, problem: describeProblems(zodProblems(parsed.error.issues), 10) };
  return { ok: true, value: parsed.data };
}

function extractJsonObject(text: string): Record<string, unknown> | undefined {
  const candidates = [text.trim()];
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fence?.[1]) candidates.push(fence[1].trim());
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const c of candidates) {
    try {
      const v: unknown = JSON.parse(c);
      if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}
