import "server-only";
import { AppError } from "@/lib/errors";
import { originHost } from "@/lib/origin";

/**
 * Cookies are for browsers, and a browser attaches them to requests other sites make it send (a
 * self-submitting form, a `text/plain` fetch): CSRF. So a request that changes state with a
 * session cookie must come from the app's own origin and carry `application/json`, a type no other
 * site can send without a CORS preflight we never grant. API keys (`Authorization: Bearer`) are
 * not ambient: a browser never adds them on its own.
 *
 * The app's own origin: one sign-in accepts (`trustedOrigins`), or the one the request was
 * addressed to (its `Host`, as a proxy that keeps it forwards it) — another site's page cannot
 * send a Host that is not its own origin along with our cookie. A browser always says where a
 * request comes from: `Origin` on every POST, and `Sec-Fetch-Site`. A request with neither is not
 * from a browser (a script holding a copied cookie); it still needs the JSON type.
 */
export function refuseCrossSiteCookieRequest(req: { method: string; headers: Headers }, trustedOrigins: readonly string[]): AppError | null {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return null;
  const origin = req.headers.get("origin");
  const site = req.headers.get("sec-fetch-site");
  if (origin !== null) {
    if (!trustedOrigins.includes(origin) && originHost(origin) !== req.headers.get("host")) {
      return new AppError("forbidden", `Requests signed in with a session cookie must come from Steward's own pages, not ${origin}`, [
        { path: "headers.origin", message: `${origin} is not this app's origin (${trustedOrigins.join(", ")})` },
      ]);
    }
  } else if (site && site !== "same-origin" && site !== "none") {
    return new AppError("forbidden", "Requests signed in with a session cookie must come from Steward's own pages", [
      { path: "headers.sec-fetch-site", message: `is ${site}; only same-origin requests may use the session cookie` },
    ]);
  }
  const type = (req.headers.get("content-type") ?? "").split(";", 1)[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    return new AppError("unsupported_media_type", "Requests signed in with a session cookie must send `content-type: application/json`", [
      { path: "headers.content-type", message: type ? `is ${type}; send application/json` : "is missing; send application/json" },
    ]);
  }
  return null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
