import "server-only";
import { z } from "zod";
import { roleSchema } from "@/lib/mission/schema";
import { adminProcedure, authedProcedure, publicProcedure, router } from "../trpc";
import { createUser, listUsers, setRoles } from "@/server/auth/users";
import { userActor } from "@/server/audit/record";

export const usersRouter = router({
  /** The signed-in user, or null: the shell uses it to show what the roles allow. */
  me: publicProcedure.query(({ ctx }) => ctx.caller.user),
  whoami: authedProcedure.query(({ ctx }) => ctx.user),
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.database.db)),
  create: adminProcedure
    .input(z.object({ email: z.string(), name: z.string(), password: z.string(), roles: z.array(roleSchema) }))
    .mutation(({ ctx, input }) => createUser(ctx.database.db, input, userActor(ctx.user))),
  setRoles: adminProcedure
    .input(z.object({ userId: z.string().min(1), roles: z.array(roleSchema) }))
    .mutation(({ ctx, input }) => setRoles(ctx.database.db, input.userId, input.roles, userActor(ctx.user))),
});
