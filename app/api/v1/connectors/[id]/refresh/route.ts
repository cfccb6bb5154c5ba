import { requestActor } from "@/server/audit/record";
import { refreshAudited } from "@/server/connectors/admin";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** Lists the server's tools and records new, changed and removed ones: `{ added, changed, removed, tools, … }`. */
export const POST = rest("admin", async (ctx) => json(await refreshAudited(ctx.database, param(ctx, "id"), requestActor(ctx.user, ctx.req.headers))));
