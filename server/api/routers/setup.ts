import "server-only";
import { z } from "zod";
import { publicProcedure, router } from "../trpc";
import { createFirstAdmin } from "@/server/auth/first-admin";

export const setupRouter = router({
  createFirstAdmin: publicProcedure
    .input(z.object({ token: z.string().min(1, "is required"), email: z.string(), name: z.string(), password: z.string() }))
    .mutation(({ ctx, input }) => createFirstAdmin(ctx.database.db, input)),
});
