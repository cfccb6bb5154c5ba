import "server-only";
import type { Database } from "@/server/db/database";
import { clientAddress, trustProxy } from "./client-address";
import { getPortalStatus } from "./status";
import { countPortalAttempt, MAX_PORTAL_BODY_BYTES, submitPortalRequest, type SubmitOptions } from "./submit";

export interface PortalHttpDeps extends SubmitOptions {
  database: Database;
  /** Default: STEWARD_TRUST_PROXY. */
  trustProxy?: boolean;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-robots-tag": "noindex", ...headers },
  });
}

const tooLarge = () => json(413, { error: `The request is larger than ${MAX_PORTAL_BODY_BYTES / 1024} KB` });
const tooMany = (retryAfterSeconds: number) =>
  json(429, { error: "Too many requests from this address: try again later", retryAfterSeconds }, { "retry-after": String(retryAfterSeconds) });

async function readValues(req: Request): Promise<{ ok: true; values: unknown } | { ok: false; response: Response }> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > MAX_PORTAL_BODY_BYTES) return { ok: false, response: tooLarge() };
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_PORTAL_BODY_BYTES) return { ok: false, response: tooLarge() };
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) return { ok: true, values: Object.fromEntries(new URLSearchParams(text)) };
  if (type.startsWith("application/json") || !type) {
    try {
      const body: unknown = text ? JSON.parse(text) : {};
      if (!body || typeof body !== "object" || Array.isArray(body)) {
        return { ok: false, response: json(400, { error: "The body must be a JSON object of field values", problems: [] }) };
      }
      return { ok: true, values: body };
    } catch {
      return { ok: false, response: json(400, { error: "The body is not valid JSON", problems: [] }) };
    }
  }
  return { ok: false, response: json(415, { error: "Send application/json or application/x-www-form-urlencoded" }) };
}

/**
 * POST /api/v1/portal/{slug}/submissions: the portal form as JSON (a flat object of field
 * values). 201 with the reference and the status page's path; 400 naming each bad field; 404 for
 * an unknown portal; 429 with Retry-After when the client sent too many. Never a 5xx for bad input.
 */
export async function handleSubmission(req: Request, slug: string, deps: PortalHttpDeps): Promise<Response> {
  try {
    const address = clientAddress(req.headers, { trustProxy: deps.trustProxy ?? trustProxy() });
    const body = await readValues(req);
    if (!body.ok) {
      // A body that cannot be read counts against the limit too (submitPortalRequest counts the rest).
      const limit = await countPortalAttempt(deps.database, address, deps.rule);
      return limit.allowed ? body.response : tooMany(limit.retryAfterSeconds);
    }
    const res = await submitPortalRequest(deps.database, { slug, values: body.values, clientAddress: address }, deps);
    if (res.ok) return json(201, { reference: res.reference, statusUrl: res.statusPath });
    switch (res.reason) {
      case "not_found":
        return json(404, { error: `There is no form at /p/${slug}` });
      case "invalid":
        return json(400, { error: "Some fields need attention", problems: res.problems });
      case "too_large":
        return tooLarge();
      case "rate_limited":
        return tooMany(res.retryAfterSeconds);
      case "unavailable":
        return json(409, { error: "This form is not accepting requests right now" });
    }
  } catch (e) {
    console.error(`[portal] submission to ${slug} failed:`, e);
    return json(500, { error: "Something went wrong on our side: please try again" });
  }
}

/** GET /api/v1/portal/{slug}/status/{token}: the status page's content as JSON. */
export async function handleStatus(slug: string, token: string, deps: { database: Database }): Promise<Response> {
  const view = await getPortalStatus(deps.database, slug, token);
  return view ? json(200, view) : json(404, { error: "No request with this link" });
}
