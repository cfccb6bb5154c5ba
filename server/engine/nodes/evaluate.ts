import "server-only";
import { evaluateExpression } from "@/lib/mission/expressions";
import { errorMessage, PermanentError } from "../step-port";

/** Evaluates one of a node's expressions; a failure is permanent and names the node and field. */
export function evaluateField(nodeId: string, field: string, src: string, scope: Record<string, unknown>): unknown {
  try {
    return evaluateExpression(src, scope);
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
