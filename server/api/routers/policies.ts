import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { adminProcedure, router, viewerProcedure } from "../trpc";
import { createPolicy, deletePolicy, getPolicy, listPolicies, updatePolicy } from "@/server/governance/policies";
import { userActor } from "@/server/audit/record";

const id = z.object({ id: z.string().min(1, "must not be empty").max(100) });

export const policiesRouter = router({
  /** Every signed-in role may read them: builders design missions against them, approvers see why. */
  list: viewerProcedure.query(({ ctx }) => listPolicies(ctx.database.db)),
  get: viewerProcedure.input(id).query(({ ctx, input }) => getPolicy(ctx.database.db, input.id)),
  /** Tools the connectors offer, as `connector.tool` refs, for the policy form's target. */
  toolRefs: adminProcedure.query(async ({ ctx }) => {
    const rows = await ctx.database.rows<{ ref: string }>(
      sql`select c.name || '.' || t.name as ref from connector_tool t join connector c on c.id = t.connector_id where t.status <> 'removed' order by 1`,
    );
    return rows.map((r) => r.ref);
  }),
  create: adminProcedure.input(z.unknown()).mutation(({ ctx, input }) => createPolicy(ctx.database.db, input, userActor(ctx.user))),
  update: adminProcedure
    .input(z.object({ id: z.string().min(1).max(100), policy: z.unknown() }))
    .mutation(({ ctx, input }) => updatePolicy(ctx.database.db, input.id, input.policy, userActor(ctx.user))),
  remove: adminProcedure.input(id).mutation(async ({ ctx, input }) => {
    await deletePolicy(ctx.database.db, input.id, userActor(ctx.user));
    return { ok: true };
  }),
});
