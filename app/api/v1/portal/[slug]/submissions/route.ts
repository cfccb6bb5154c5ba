import { getDatabase } from "@/server/db/client";
import { handleSubmission, installPeerAddressStamp } from "@/server/portal";

installPeerAddressStamp();

/** A portal form sent as JSON: see docs/portal.md. Public and rate-limited, like the form. */
export async function POST(req: Request, ctx: { params: Promise<{ slug: string }> }) {
  const { slug } = await ctx.params;
  return handleSubmission(req, slug, { database: await getDatabase() });
}
