import { userActor } from "@/server/audit/record";
import { cancelRun } from "@/server/runs";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

export const POST = rest("builder", async (ctx) => json(await cancelRun(ctx.database, param(ctx, "id"), ctx.user.id, { actor: userActor(ctx.user) })));
