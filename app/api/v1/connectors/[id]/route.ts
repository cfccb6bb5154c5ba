import { connectorPage } from "@/server/connectors/admin";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** One connector with its tools (status, policy, definition hash) and the tools awaiting review. */
export const GET = rest("admin", async (ctx) => json(await connectorPage(ctx.database, param(ctx, "id"))));
