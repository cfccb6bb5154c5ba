import "server-only";
import { AppError, type ErrorCode, type FieldProblem } from "@/lib/errors";

export type DecisionErrorReason =
  | "not_found"
  | "forbidden"
  | "not_pending"
  | "invalid_values"
  | "reason_required"
  | "already_voted"
  | "separation_of_duties";

const APP_CODE: Record<DecisionErrorReason, ErrorCode> = {
  not_found: "not_found",
  forbidden: "forbidden",
  not_pending: "conflict",
  invalid_values: "bad_request",
  reason_required: "bad_request",
  already_voted: "conflict",
  separation_of_duties: "forbidden",
};

/**
 * A decision could not be made. `reason` is the specific cause; `code` (from AppError) is the
 * HTTP/tRPC family it maps to (404, 403, 409, 400), so every entry point answers alike.
 */
export class DecisionError extends AppError {
  constructor(
    readonly reason: DecisionErrorReason,
    message: string,
    problems: FieldProblem[] = [],
  ) {
    super(APP_CODE[reason], message, problems);
  }
}

/** The decision was resolved (by another approver, a timeout or a cancelled run) before this vote landed. */
export class DecisionConflictError extends DecisionError {
  constructor(
    decisionId: string,
    readonly currentStatus: string,
  ) {
    super("not_pending", `Decision ${decisionId} is already ${currentStatus}: nothing to decide`);
  }
}
