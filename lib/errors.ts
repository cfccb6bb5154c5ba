/**
 * Typed errors, mapped once to HTTP status and tRPC code. Services throw AppError; the tRPC
 * error formatter and the REST layer translate it, so every entry point answers alike.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, trpc: "BAD_REQUEST" },
  unauthorized: { status: 401, trpc: "UNAUTHORIZED" },
  forbidden: { status: 403, trpc: "FORBIDDEN" },
  not_found: { status: 404, trpc: "NOT_FOUND" },
  conflict: { status: 409, trpc: "CONFLICT" },
  payload_too_large: { status: 413, trpc: "PAYLOAD_TOO_LARGE" },
  unsupported_media_type: { status: 415, trpc: "UNSUPPORTED_MEDIA_TYPE" },
  unprocessable: { status: 422, trpc: "UNPROCESSABLE_CONTENT" },
  rate_limited: { status: 429, trpc: "TOO_MANY_REQUESTS" },
  internal: { status: 500, trpc: "INTERNAL_SERVER_ERROR" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with the input, naming where it is. */
export interface FieldProblem {
  path: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError || (e instanceof Error && e.name === "AppError" && "code" in e);
}

/** zod issues → FieldProblems with dotted paths like `nodes[2].data.label`. */
interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  /** zod nests the real reason for a bad record key (`invalid_key`) one level down. */
  issues?: readonly IssueLike[];
}

export function zodProblems(issues: readonly IssueLike[], prefix = ""): FieldProblem[] {
  return issues.map((i) => {
    const inner = i.code === "invalid_key" ? i.issues?.[0] : undefined;
    return { path: formatPath([...(prefix ? [prefix] : []), ...i.path]), message: inner ? `key ${inner.message}` : i.message };
  });
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** A short, human summary of problems, for error messages that must name the fields. */
export function describeProblems(problems: FieldProblem[], max = 5): string {
  const shown = problems.slice(0, max).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  const more = problems.length > max ? ` (and ${problems.length - max} more)` : "";
  return shown.join("; ") + more;
}
