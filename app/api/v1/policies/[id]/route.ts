import { requestActor } from "@/server/audit/record";
import { deletePolicy, getPolicy, updatePolicy } from "@/server/governance/policies";
import { json, param, readJson, rest } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

export const GET = rest(null, async (ctx) => json(await getPolicy(ctx.database.db, param(ctx, "id"))));

/** The whole policy, as POST takes it: what is left out takes its default. */
export const PUT = rest("admin", async (ctx) => json(await updatePolicy(ctx.database.db, param(ctx, "id"), await readJson(ctx.req), requestActor(ctx.user, ctx.req.headers))));

export const DELETE = rest("admin", async (ctx) => {
  await deletePolicy(ctx.database.db, param(ctx, "id"), requestActor(ctx.user, ctx.req.headers));
  return new Response(null, { status: 204 });
});
