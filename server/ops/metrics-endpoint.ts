import "server-only";
import crypto from "node:crypto";
import { getDatabase } from "@/server/db/client";
import { env } from "@/server/env";
import { METRICS_CONTENT_TYPE, scrapeMetrics } from "./metrics";

const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest();

/**
 * Who may read /api/metrics: the holder of METRICS_TOKEN, as `Authorization: Bearer <token>`.
 * Without METRICS_TOKEN the endpoint does not exist (404): the figures (decisions waiting, model
 * cost, connector errors) are business data, and an operator who has not chosen a token has not
 * chosen to publish them. The comparison is of hashes, in constant time.
 */
export function metricsRefusal(authorization: string | null, token = env().METRICS_TOKEN): Response | null {
  if (!token) return new Response("Not found", { status: 404 });
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1] ?? "";
  if (crypto.timingSafeEqual(sha256(given), sha256(token))) return null;
  return new Response("Send the METRICS_TOKEN as Authorization: Bearer <token>.", { status: 401, headers: { "www-authenticate": 'Bearer realm="steward-metrics"' } });
}

/** GET /api/metrics. A database that does not answer is a 503, which Prometheus records as a failed scrape. */
export async function metricsResponse(authorization: string | null): Promise<Response> {
  const refused = metricsRefusal(authorization);
  if (refused) return refused;
  try {
    const body = await scrapeMetrics(await getDatabase(), env().STEWARD_ENGINE_LEASE_MS);
    return new Response(body, { headers: { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" } });
  } catch (e) {
    console.error("[metrics] scrape failed:", e);
    return new Response("The metrics could not be read from the database.", { status: 503 });
  }
}
