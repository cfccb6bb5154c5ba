import "server-only";
import { evaluateExpression, ExpressionBudget } from "@/lib/mission/expressions";
import { errorMessage, PermanentError } from "../step-port";

/**
 * A node's step evaluates all its fields against the one scope object `run.scope()` built for it,
 * so its expressions share one budget (EXPRESSION_LIMITS.maxNodeSteps) through that object: an
 * action with hundreds of arguments cannot multiply the time one expression may take. A retry
 * builds a new scope, and so starts afresh, as deterministic as the first attempt.
 */
const budgets = new WeakMap<object, ExpressionBudget>();

/** Evaluates one of a node's expressions; a failure is permanent and names the node and field. */
export function evaluateField(nodeId: string, field: string, src: string, scope: Record<string, unknown>): unknown {
  let budget = budgets.get(scope);
  if (!budget) {
    budget = new ExpressionBudget();
    budgets.set(scope, budget);
  }
  try {
    return evaluateExpression(src, scope, budget);
  } catch (e) {
    throw new PermanentError(`${nodeId}.${field}: ${errorMessage(e)}`, { cause: e });
  }
}

/** Coerces an evaluated value to a declared scalar type, or says why it cannot. */
export function coerce(nodeId: string, field: string, value: unknown, type: "string" | "number" | "boolean"): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (type === "string") return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (type === "number") {
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw new PermanentError(`${nodeId}.${field}: expected a number, got ${JSON.stringify(value)}`);
    return n;
  }
  if (typeof value !== "boolean") throw new PermanentError(`${nodeId}.${field}: expected true or false, got ${JSON.stringify(value)}`);
  return value;
}
