import { getDatabase } from "@/server/db/client";
import { installPeerAddressStamp } from "@/server/portal";
import { handleHookRequest } from "@/server/triggers/inbound";

installPeerAddressStamp();

/** An inbound webhook (Standard Webhooks signed): see docs/api.md. Public, verified by its signature. */
export async function POST(req: Request, ctx: { params: Promise<{ hookId: string }> }) {
  const { hookId } = await ctx.params;
  return handleHookRequest(req, hookId, { database: await getDatabase() });
}
