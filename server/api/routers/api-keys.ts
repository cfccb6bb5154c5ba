import "server-only";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { authedProcedure, router } from "../trpc";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/auth/api-keys";
import { userActor } from "@/server/audit/record";

// Every signed-in user manages their own keys: a key acts as its creator with the creator's
// roles, so an approver's key can vote (as that approver, audited as that key) and a viewer's can
// only read. Admins also see every key and may revoke any; nobody creates a key for someone else.

export const apiKeysRouter = router({
  /** The caller's keys; `scope: "all"` (admins) every user's. */
  list: authedProcedure.input(z.object({ scope: z.enum(["mine", "all"]).default("mine") }).default({ scope: "mine" })).query(({ ctx, input }) => {
    if (input.scope === "all" && !ctx.user.roles.includes("admin")) throw new AppError("forbidden", "Listing every user's keys needs the admin role");
    return listApiKeys(ctx.database.db, input.scope === "all" ? {} : { userId: ctx.user.id });
  }),
  /** A key for the caller. `userId` is accepted only when it names the caller (older clients sent it). */
  create: authedProcedure.input(z.object({ name: z.string(), userId: z.string().optional() })).mutation(({ ctx, input }) => {
    if (ctx.caller.via !== "session") throw new AppError("forbidden", "Create API keys while signed in: a key cannot create keys");
    if (input.userId !== undefined && input.userId !== ctx.user.id) {
      throw new AppError("forbidden", "An API key acts as the user who creates it: that user must sign in and create it", [
        { path: "userId", message: "must be your own id: nobody can create a key for someone else" },
      ]);
    }
    return createApiKey(ctx.database.db, { name: input.name }, ctx.user.id);
  }),
  /** Revokes one of the caller's keys; an admin may revoke anyone's. */
  revoke: authedProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) =>
      revokeApiKey(ctx.database.db, input.id, userActor(ctx.user), ctx.user.roles.includes("admin") ? {} : { ownerId: ctx.user.id }),
    ),
});
