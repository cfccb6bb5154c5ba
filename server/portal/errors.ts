import "server-only";
import { AppError, type ErrorCode, type FieldProblem } from "@/lib/errors";

/** A portal or organisation request that cannot be done; `problems` name the fields at fault. */
export class PortalError extends AppError {
  constructor(code: ErrorCode, message: string, problems: FieldProblem[] = []) {
    super(code, message, problems);
  }
}
