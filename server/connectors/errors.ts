import "server-only";
import { AppError, type ErrorCode } from "@/lib/errors";

export type ConnectorErrorCode =
  | "not_found"
  | "disabled"
  | "tool_not_allowed"
  | "tool_unreviewed"
  | "timeout"
  | "cancelled"
  | "transport"
  | "tool_error";

/**
 * What can go wrong calling a connector, typed so the engine can decide: `timeout` and `transport`
 * are worth a retry, `tool_error` (the server refused the request) and the policy codes are not.
 */
export class ConnectorError extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly connector?: string,
    readonly tool?: string,
  ) {
    super(message);
    this.name = "ConnectorError";
  }

  /** Whether running the same call again may succeed. */
  get retryable(): boolean {
    return this.code === "timeout" || this.code === "transport";
  }
}

export function isConnectorError(e: unknown): e is ConnectorError {
  return e instanceof ConnectorError || (e instanceof Error && e.name === "ConnectorError" && "code" in e);
}

const APP_CODES: Record<ConnectorErrorCode, ErrorCode> = {
  not_found: "not_found",
  disabled: "conflict",
  tool_not_allowed: "forbidden",
  tool_unreviewed: "conflict",
  timeout: "unprocessable",
  cancelled: "unprocessable",
  transport: "unprocessable",
  tool_error: "unprocessable",
};

/** For admin-facing services (tRPC, REST): the same message under the shared error codes. */
export function toAppError(e: ConnectorError): AppError {
  return new AppError(APP_CODES[e.code], e.message);
}
