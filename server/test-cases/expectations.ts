import "server-only";
import { evaluateExpression, ExpressionError } from "@/lib/mission/expressions";
import type { TestCaseExpectations } from "@/server/db/schema";

/** What a run gave, as a test case reads it: the verdict, the input and each step's output by node id. */
export interface RunValuesForCase {
  verdict: { outcome: string } | null;
  input: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export type ExpectationResult =
  | { kind: "outcome"; expected: string; actual: string | null; passed: boolean; why: string }
  | { kind: "check"; expression: string; passed: boolean; value?: unknown; why: string };

/**
 * Each expectation of a case against a run, with why it passed or failed in words a builder reads
 * ("expected outcome approve, the run gave partial"; "reason.amount <= 50 was false"). Checks are
 * the mission's own expressions over the run's values (`trigger`, and each step by its id), so a
 * check that cannot be evaluated (a step that did not run) fails, saying why.
 */
export function checkExpectations(expectations: TestCaseExpectations, run: RunValuesForCase): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  if (expectations.outcome !== null) {
    const actual = run.verdict?.outcome ?? null;
    const passed = actual === expectations.outcome;
    results.push({
      kind: "outcome",
      expected: expectations.outcome,
      actual,
      passed,
      why: passed ? `the verdict is ${actual}` : actual === null ? `expected outcome ${expectations.outcome}, the run gave no verdict` : `expected outcome ${expectations.outcome}, the run gave ${actual}`,
    });
  }
  const scope = { ...run.outputs, trigger: run.input };
  for (const { expression } of expectations.checks) {
    try {
      const value = evaluateExpression(expression, scope);
      if (typeof value !== "boolean") {
        results.push({ kind: "check", expression, passed: false, value, why: `${expression} gave ${JSON.stringify(value)}, not true or false` });
      } else {
        results.push({ kind: "check", expression, passed: value, value, why: `${expression} was ${value}` });
      }
    } catch (e) {
      const why = e instanceof ExpressionError ? e.reason : e instanceof Error ? e.message : String(e);
      results.push({ kind: "check", expression, passed: false, why: `${expression} could not be evaluated: ${why}` });
    }
  }
  return results;
}

/** The longest text a check saved from a run compares: ids, choices and short values; prose (a rationale, a summary) changes with every model and is left out. */
const MAX_COMPARED_TEXT = 80;

/**
 * The checks a case saved from a run starts with: each Worker's and Transform's scalar output
 * field equals what the run gave (`reason.decision == "partial"`, `reason.amount == 42.5`).
 */
export function checksFromOutputs(outputs: Record<string, unknown>): { expression: string }[] {
  const checks: { expression: string }[] = [];
  for (const [nodeId, output] of Object.entries(outputs)) {
    if (output === null || typeof output !== "object" || Array.isArray(output)) continue;
    for (const [field, value] of Object.entries(output)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) continue;
      const literal =
        typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))
          ? String(value)
          : typeof value === "string" && value.length <= MAX_COMPARED_TEXT && !value.includes("\n")
            ? JSON.stringify(value)
            : null;
      if (literal !== null) checks.push({ expression: `${nodeId}.${field} == ${literal}` });
    }
  }
  return checks;
}
