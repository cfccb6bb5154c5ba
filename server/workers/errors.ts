import "server-only";
import type { TokenUsage } from "./types";

export type WorkerErrorCode =
  | "invalid_output"
  | "token_budget"
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
