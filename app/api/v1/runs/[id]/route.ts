import { getRun } from "@/server/runs";
import { json, param, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** Status, verdict, per-node states and times of a run. */
export const GET = rest(null, async (ctx) => json(await getRun(ctx.database, param(ctx, "id"))));
