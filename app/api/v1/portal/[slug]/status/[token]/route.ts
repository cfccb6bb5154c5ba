import { connection } from "next/server";
import { getDatabase } from "@/server/db/client";
import { handleStatus } from "@/server/portal";

/** The status page's content as JSON, for whoever holds the link. */
export async function GET(_req: Request, ctx: { params: Promise<{ slug: string; token: string }> }) {
  await connection();
  const { slug, token } = await ctx.params;
  return handleStatus(slug, token, { database: await getDatabase() });
}
