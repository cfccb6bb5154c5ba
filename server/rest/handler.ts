import "server-only";
import { ZodError } from "zod";
import { AppError, isAppError, zodProblems } from "@/lib/errors";
import type { Role } from "@/lib/mission/schema";
import { getDatabase } from "@/server/db/client";
import { databaseUnavailable, type Database } from "@/server/db/database";
import { findUnstorableText } from "@/lib/storable-text";
import { trustedOrigins } from "@/server/auth/auth";
import { refuseCrossSiteCookieRequest } from "@/server/auth/browser-requests";
import { resolveCaller } from "@/server/auth/caller";
import type { SessionUser } from "@/server/auth/users";

export interface RestContext {
  database: Database;
  user: SessionUser;
  req: Request;
  params: Record<string, string>;
}

/** Largest request body any REST route reads. */
export const MAX_BODY_BYTES = 2_000_000;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

export function errorResponse(e: unknown): Response {
  if (isAppError(e)) {
    return json({ error: { code: e.code, message: e.message, problems: e.problems } }, e.status);
  }
  if (e instanceof ZodError) {
    return json({ error: { code: "bad_request", message: "Invalid request", problems: zodProblems(e.issues) } }, 400);
  }
  // A database outage (a restart, a failover) is the server's passing state, not a fault of the
  // request: 503 with a hint when to come back, so clients and load balancers retry.
  if (databaseUnavailable(e)) {
    console.warn("REST handler: the database is not reachable:", (e as Error).message);
    return json({ error: { code: "unavailable", message: "The database is not reachable right now. Try again in a few seconds." } }, 503, { "retry-after": "2" });
  }
  console.error("REST handler failed:", e);
  return json({ error: { code: "internal", message: "Something went wrong on our side. The error was logged." } }, 500);
}

/** Reads a JSON body with a size limit; errors name the body. */
export async function readJson(req: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw new AppError("payload_too_large", `The request body is ${declared} bytes; the limit is ${limit}`, [{ path: "body", message: `larger than ${limit} bytes` }]);
  const text = await req.text();
  if (Buffer.byteLength(text) > limit) throw new AppError("payload_too_large", `The request body is larger than ${limit} bytes`, [{ path: "body", message: `larger than ${limit} bytes` }]);
  if (!text.trim()) throw new AppError("bad_request", "The request body is empty; send JSON", [{ path: "body", message: "is empty" }]);
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch (e) {
    throw new AppError("bad_request", `The request body is not valid JSON: ${(e as Error).message}`, [{ path: "body", message: "is not valid JSON" }]);
  }
  refuseUnstorable(body, []);
  return body;
}

/** Text PostgreSQL cannot store (NUL, a lone surrogate) or absurd nesting: 400 naming where. */
function refuseUnstorable(value: unknown, root: string[]): void {
  const bad = findUnstorableText(value, root);
  if (bad) throw new AppError("bad_request", `${bad.path} ${bad.message}`, [bad]);
}

type Params = { params: Promise<Record<string, string>> };

/**
 * Wraps a REST route: authenticates (API key or session), checks the role, maps errors.
 * `role: null` means any signed-in user with at least one role.
 */
export function rest(role: Role | null, fn: (ctx: RestContext) => Promise<Response>) {
  return async (req: Request, route?: Params): Promise<Response> => {
    try {
      const database = await getDatabase();
      const caller = await resolveCaller(database.db, req.headers);
      if (!caller.user) {
        return json({ error: { code: "unauthorized", message: "Send an API key as `Authorization: Bearer <key>`" } }, 401, { "www-authenticate": "Bearer" });
      }
      if (caller.via === "session") {
        const refused = refuseCrossSiteCookieRequest(req, trustedOrigins());
        if (refused) return errorResponse(refused);
      }
      if (!caller.user.roles.length || (role && !caller.user.roles.includes(role))) {
        return json({ error: { code: "forbidden", message: role ? `This needs the ${role} role` : "This user has no role yet: an admin must grant one" } }, 403);
      }
      const params = (await route?.params) ?? {};
      // Path parameters and the query string reach queries as text too.
      refuseUnstorable(params, []);
      for (const [name, value] of new URL(req.url).searchParams) refuseUnstorable({ [name]: value }, ["query"]);
      return await fn({ database, user: caller.user, req, params });
    } catch (e) {
      return errorResponse(e);
    }
  };
}

export function param(ctx: RestContext, name: string): string {
  const v = ctx.params[name];
  if (!v) throw new AppError("bad_request", `Missing path parameter ${name}`, [{ path: name, message: "is required" }]);
  return v;
}
