import "server-only";
import { AppError, type ErrorCode, type FieldProblem } from "@/lib/errors";

export type RunErrorReason = "not_found" | "invalid_input" | "invalid_version" | "conflict";

const APP_CODE: Record<RunErrorReason, ErrorCode> = {
  not_found: "not_found",
  invalid_input: "bad_request",
  invalid_version: "bad_request",
  conflict: "conflict",
};

/**
 * A run could not be started, found or changed. `reason` is the specific cause; `code` (from
 * AppError) the HTTP/tRPC family (404, 400, 409). `problems` names each bad field or graph problem.
 */
export class RunError extends AppError {
  constructor(
    readonly reason: RunErrorReason,
    message: string,
    problems: FieldProblem[] = [],
  ) {
    super(APP_CODE[reason], message, problems);
  }
}
