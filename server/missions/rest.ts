import "server-only";
import { AppError } from "@/lib/errors";
import { readJson, param, type RestContext } from "@/server/rest/handler";

/** The `{number}` path parameter: a positive version number, else 400 naming it. */
export function versionNumberParam(ctx: RestContext): number {
  const raw = param(ctx, "number");
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new AppError("bad_request", `Version number ${raw} is not a positive whole number`, [{ path: "number", message: "must be a positive whole number" }]);
  return n;
}

/** A review's optional body `{ note? }`: an empty body is no note. */
export async function reviewNote(ctx: RestContext, required: boolean): Promise<string | undefined> {
  if (ctx.req.body === null || ctx.req.headers.get("content-length") === "0") {
    if (required) throw new AppError("bad_request", "Say why the version is rejected: send `{ note }`", [{ path: "note", message: "is required" }]);
    return undefined;
  }
  const body = await readJson(ctx.req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new AppError("bad_request", "The body must be a JSON object `{ note }`", [{ path: "body", message: "must be an object" }]);
  }
  const { note } = body as { note?: unknown };
  if (note !== undefined && typeof note !== "string") throw new AppError("bad_request", "note must be a string", [{ path: "note", message: "must be a string" }]);
  return note;
}
