import { NextResponse, type NextRequest } from "next/server";
import { originHost } from "@/lib/origin";

/**
 * Pages take POSTs only as Server Actions (settings forms, the portal form), which the browser
 * sends with the session cookie. Next.js refuses one whose Origin is not this host, but answers
 * with a 500 and an error in the log; this answers a clear 403 first, by the same rule (the
 * Origin's host against x-forwarded-host, else host). API routes check their own callers
 * (server/rest/handler.ts, server/api/trpc.ts, better-auth). The matcher runs this only for
 * requests to pages that carry an Origin, which navigations do not.
 */
export function proxy(request: NextRequest): NextResponse {
  if (SAFE_METHODS.has(request.method)) return NextResponse.next();
  const origin = request.headers.get("origin") ?? "";
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host");
  if (originHost(origin) !== host) {
    return new NextResponse(`Refused: a page on ${origin.slice(0, 100)} may not send forms to this site.`, { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  return NextResponse.next();
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const config = {
  matcher: [{ source: "/((?!api/|_next/static|_next/image).*)", has: [{ type: "header", key: "origin" }] }],
};
