import "server-only";
import { NoObjectGeneratedError, Output, TypeValidationError } from "ai";
import { z } from "zod";
import { describeProblems, zodProblems } from "@/lib/errors";
import type { OutputField } from "@/lib/mission/schema";

const NOT_AN_OBJECT = "the final answer is not a JSON object";

/** The zod object a Worker's final answer must satisfy: every declared field, required. */
export function buildOutputSchema(outputs: OutputField[]): z.ZodObject<Record<string, z.ZodType>> {
  const shape: Record<string, z.ZodType> = {};
  for (const f of outputs) {
    switch (f.type) {
      case "number":
        shape[f.name] = z.number({ error: "must be a number" });
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
    if (f.description) shape[f.name] = shape[f.name]!.describe(f.description);
  }
  return z.object(shape, { error: NOT_AN_OBJECT });
}

/**
 * The AI SDK's structured output for a Worker's final answer, or none when it declares no fields
 * (then the answer is plain text). The SDK sends the schema to providers that constrain their
 * answer to it (OpenAI's JSON schema format, Anthropic's output format or its JSON tool), and
 * parses and validates the last step's text against it.
 */
export function finalAnswerOutput(outputs: OutputField[]) {
  if (!outputs.length) return undefined;
  return Output.object({ schema: buildOutputSchema(outputs), name: "final_answer", description: "The Worker's final answer: every declared output field." });
}

/**
 * What was wrong with a final answer the SDK could not read, in the words the repair message and
 * the `invalid_output` error use ("amount: must be a number"); undefined for any other error.
 */
export function finalAnswerProblem(error: unknown): string | undefined {
  if (!NoObjectGeneratedError.isInstance(error)) return undefined;
  const cause = error.cause;
  if (TypeValidationError.isInstance(cause) && cause.cause instanceof z.ZodError) {
    return describeProblems(zodProblems(cause.cause.issues), 10);
  }
  return NOT_AN_OBJECT;
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
