import "server-only";
import { z } from "zod";
import { userActor } from "@/server/audit/record";
import { createHook, getHook, revokeHook, rotateHook } from "@/server/triggers/hooks";
import { scheduleStatuses, setSchedulePaused } from "@/server/triggers/schedule";
import { builderProcedure, router, viewerProcedure } from "../trpc";

const missionId = z.string().min(1, "must not be empty").max(100);
const hookRef = z.object({ missionId, hookId: z.string().min(1, "must not be empty").max(100) });

/** The trigger's automatic channels: schedules (pause, upcoming firings) and inbound webhooks (URL, secret). */
export const triggersRouter = router({
  /** Every published schedule, for the missions list. */
  schedules: viewerProcedure.query(({ ctx }) => scheduleStatuses(ctx.database)),
  /** One mission's published schedule and live webhook, for the editor. */
  status: viewerProcedure.input(z.object({ missionId })).query(async ({ ctx, input }) => ({
    schedule: (await scheduleStatuses(ctx.database, { missionId: input.missionId }))[0] ?? null,
    hook: await getHook(ctx.database, input.missionId),
  })),
  setPaused: builderProcedure
    .input(z.object({ missionId, paused: z.boolean() }))
    .mutation(({ ctx, input }) => setSchedulePaused(ctx.database, input.missionId, input.paused, userActor(ctx.user))),
  createHook: builderProcedure.input(z.object({ missionId })).mutation(({ ctx, input }) => createHook(ctx.database, input.missionId, userActor(ctx.user))),
  rotateHook: builderProcedure.input(hookRef).mutation(({ ctx, input }) => rotateHook(ctx.database, input.missionId, input.hookId, userActor(ctx.user))),
  revokeHook: builderProcedure.input(hookRef).mutation(({ ctx, input }) => revokeHook(ctx.database, input.missionId, input.hookId, userActor(ctx.user))),
});
