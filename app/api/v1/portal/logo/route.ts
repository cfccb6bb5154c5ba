import { connection } from "next/server";
import { getDatabase } from "@/server/db/client";
import { getLogo } from "@/server/portal";

/** The organisation's uploaded logo, for portal pages. Public, like the portals that show it. */
export async function GET(req: Request) {
  await connection();
  const logo = await getLogo(await getDatabase());
  if (!logo) return new Response("No logo", { status: 404, headers: { "cache-control": "no-store" } });
  const headers = {
    "content-type": logo.contentType,
    etag: logo.etag,
    "cache-control": "public, max-age=300",
    "x-content-type-options": "nosniff",
    // An SVG opened on its own must not run scripts or load anything.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'",
  };
  if (req.headers.get("if-none-match") === logo.etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(logo.bytes), { status: 200, headers });
}
