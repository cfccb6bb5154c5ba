import "server-only";
import { z } from "zod";
import { adminProcedure, router } from "../trpc";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/auth/api-keys";
import { userActor } from "@/server/audit/record";

export const apiKeysRouter = router({
  list: adminProcedure.query(({ ctx }) => listApiKeys(ctx.database.db)),
  create: adminProcedure
    .input(z.object({ name: z.string(), userId: z.string().optional() }))
    .mutation(({ ctx, input }) => createApiKey(ctx.database.db, input, ctx.user.id)),
  revoke: adminProcedure.input(z.object({ id: z.string().min(1) })).mutation(({ ctx, input }) => revokeApiKey(ctx.database.db, input.id, userActor(ctx.user))),
});
