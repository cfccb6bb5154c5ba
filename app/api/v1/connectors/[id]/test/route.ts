import { testConnectorScrubbed } from "@/server/api/routers/connectors";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** Connects with the stored configuration: `{ ok, serverName, serverVersion, tools, error? }`. Records nothing. */
export const POST = rest("admin", async (ctx) => json(await testConnectorScrubbed(ctx.database, param(ctx, "id"))));
