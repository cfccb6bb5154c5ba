import "server-only";
import { PermanentError } from "@/server/engine/step-port";
import type { TokenUsage } from "./types";

export type WorkerErrorCode =
  | "invalid_output"
  | "token_budget"
  | "cost_budget"
  | "step_limit"
  | "tool_unavailable"
  | "model"
  | "transcript"
  | "cancelled"
  | "internal";

/**
 * Why a Worker step failed, with the tokens it spent before failing (the run still pays for them).
 * `retriable` is false when running it again would fail the same way.
 */
export class WorkerError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly usage: TokenUsage,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = "WorkerError";
  }
}

export function isWorkerError(e: unknown): e is WorkerError {
  return e instanceof WorkerError || (e instanceof Error && e.name === "WorkerError" && "code" in e);
}

/**
 * A WorkerError that running again would repeat (an exhausted token budget, a replay mismatch, an
 * invalid answer given twice), as the engine must see it: a PermanentError fails the step at once.
 * Retrying would spend the tokens again for the same failure, and a budget would not hold.
 */
class FinalWorkerError extends PermanentError {
  readonly retriable = false;
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly usage: TokenUsage,
  ) {
    super(message);
    this.name = "WorkerError";
  }
}

/** What the runner throws: retriable errors as they are, the rest as PermanentErrors (still `isWorkerError`). */
export function forEngine(e: WorkerError): Error {
  return e.retriable ? e : new FinalWorkerError(e.code, e.message, e.usage);
}
