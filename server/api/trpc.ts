import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { AppError, ERROR_CODES, isAppError, zodProblems, type FieldProblem } from "@/lib/errors";
import type { Role } from "@/lib/mission/schema";
import { getDatabase } from "@/server/db/client";
import type { Database } from "@/server/db/database";
import { findUnstorableText } from "@/lib/storable-text";
import { trustedOrigins } from "@/server/auth/auth";
import { refuseCrossSiteCookieRequest } from "@/server/auth/browser-requests";
import { resolveCaller, type Caller } from "@/server/auth/caller";
import type { SessionUser } from "@/server/auth/users";

export interface Context {
  database: Database;
  caller: Caller;
}

/** `method` is the HTTP request's: a state-changing one signed in by cookie must come from the app's own pages. */
export async function createContext(opts: { headers: Headers; method?: string; database?: Database }): Promise<Context> {
  const database = opts.database ?? (await getDatabase());
  const caller = await resolveCaller(database.db, opts.headers);
  if (caller.via === "session" && opts.method) {
    const refused = refuseCrossSiteCookieRequest({ method: opts.method, headers: opts.headers }, trustedOrigins());
    if (refused) throw new TRPCError({ code: ERROR_CODES[refused.code].trpc, message: refused.message, cause: refused });
  }
  return { database, caller };
}

const INTERNAL_MESSAGE = "Something went wrong on our side. The error was logged.";

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    let problems: FieldProblem[] = [];
    if (cause instanceof ZodError) problems = zodProblems(cause.issues);
    else if (isAppError(cause)) problems = cause.problems;
    // An unexpected error's message is for the log (the route logs it), not the client: it can
    // quote SQL and the values in it.
    const message = error.code === "INTERNAL_SERVER_ERROR" ? INTERNAL_MESSAGE : shape.message;
    const data = { ...shape.data, problems, appCode: isAppError(cause) ? cause.code : null };
    if (error.code === "INTERNAL_SERVER_ERROR") delete (data as { stack?: string }).stack;
    return { ...shape, message, data };
  },
});

/** Services throw AppError; turn it into the matching tRPC error so clients get the right code. */
const appErrors = t.middleware(async ({ next }) => {
  const res = await next();
  if (!res.ok && isAppError(res.error.cause)) {
    const cause = res.error.cause as AppError;
    throw new TRPCError({ code: ERROR_CODES[cause.code].trpc, message: cause.message, cause });
  }
  return res;
});

/**
 * Every procedure's raw input, before its parser sees it: text PostgreSQL cannot store (NUL, a lone
 * surrogate) or absurd nesting is a 400 naming the field, not a 500 from a write.
 */
const storableInput = t.middleware(async ({ getRawInput, next }) => {
  const raw = await getRawInput();
  const bad = findUnstorableText(raw instanceof FormData ? Object.fromEntries([...raw].filter(([, v]) => typeof v === "string")) : raw, [], "input");
  if (bad) {
    const cause = new AppError("bad_request", `${bad.path} ${bad.message}`, [bad]);
    throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  }
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(appErrors).use(storableInput);

/** Any signed-in user (session or API key) who holds at least one role. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.caller.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  if (!ctx.caller.user.roles.length) throw new TRPCError({ code: "FORBIDDEN", message: "Your account has no role yet: ask an admin" });
  return next({ ctx: { ...ctx, user: ctx.caller.user as SessionUser } });
});

function requireRole(role: Role) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!ctx.user.roles.includes(role)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${role} role` });
    }
    return next({ ctx });
  });
}

export const viewerProcedure = authedProcedure;
export const builderProcedure = requireRole("builder");
export const approverProcedure = requireRole("approver");
export const adminProcedure = requireRole("admin");

/** Any of `roles` (roles do not imply each other, so "approver or admin" is spelled out). */
function requireAnyRole(roles: Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!ctx.user.roles.some((r) => roles.includes(r))) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs the ${roles.slice(0, -1).join(", ")} or ${roles.at(-1)} role` });
    }
    return next({ ctx });
  });
}

/** Reviewing what others built: approvers and admins. */
export const reviewerProcedure = requireAnyRole(["approver", "admin"]);
/** Publishing a version: builders may roll back to a published one, only reviewers publish a changed one (the service decides). */
export const publisherProcedure = requireAnyRole(["builder", "approver", "admin"]);
