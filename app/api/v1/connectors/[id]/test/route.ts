import { requestActor } from "@/server/audit/record";
import { testConnectorAudited } from "@/server/connectors/admin";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/**
 * Connects with the stored configuration and records the tools it lists for review, as the
 * settings page's test does: `{ ok, serverName, serverVersion, tools, error?, recorded? }`.
 */
export const POST = rest("admin", async (ctx) => json(await testConnectorAudited(ctx.database, param(ctx, "id"), requestActor(ctx.user, ctx.req.headers))));
