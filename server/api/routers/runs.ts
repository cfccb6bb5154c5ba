import "server-only";
import { userActor } from "@/server/audit/record";
import { z } from "zod";
import { cancelRun, rerun, rerunInput, startRun } from "@/server/runs";
import { listRunHistory, runHistoryFacets, runHistoryInput } from "@/server/observations/history";
import { getRunPageData } from "@/server/observations/run-view";
import { builderProcedure, router, viewerProcedure } from "../trpc";

const runId = z.object({ runId: z.string().min(1, "must not be empty").max(100) });

// Run service errors are RunError (an AppError): the tRPC layer maps them to NOT_FOUND,
// BAD_REQUEST (with field problems) and CONFLICT.
export const runsRouter = router({
  /** Starts a run of the mission's latest version (or `versionId`) with the trigger input. */
  start: builderProcedure
    .input(
      z.object({
        missionId: z.string().min(1, "must not be empty").max(100),
        versionId: z.string().min(1).max(100).optional(),
        input: z.record(z.string(), z.unknown()).default({}),
        /** Limits for this run; the mission's budget still caps them (server/runs/budget.ts). */
        tokenBudget: z.number().optional(),
        costBudget: z.number().optional(),
        /** Worker step id → registered model id, for this run only; checked by the run service, naming `modelOverrides.<stepId>`. */
        modelOverrides: z.record(z.string(), z.string()).optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      startRun(ctx.database, {
        missionId: input.missionId,
        ...(input.versionId ? { versionId: input.versionId } : {}),
        input: input.input,
        ...(input.tokenBudget !== undefined ? { tokenBudget: input.tokenBudget } : {}),
        ...(input.costBudget !== undefined ? { costBudget: input.costBudget } : {}),
        ...(input.modelOverrides !== undefined ? { modelOverrides: input.modelOverrides } : {}),
        channel: "manual",
        userId: ctx.user.id,
      }, { actor: userActor(ctx.user) }),
    ),
  cancel: builderProcedure.input(runId).mutation(({ ctx, input }) => cancelRun(ctx.database, input.runId, ctx.user.id, { actor: userActor(ctx.user) })),
  /** A new run of the same version with the same input; with `fromNodeId`, reusing everything before that node. */
  rerun: builderProcedure.input(rerunInput).mutation(({ ctx, input }) => rerun(ctx.database, input, ctx.user.id)),
  /** The run with per-node state, its pinned graph, who started it and its decisions. */
  get: viewerProcedure.input(runId).query(({ ctx, input }) => getRunPageData(ctx.database, input.runId)),
  /** Run history, newest first, with search and filters. */
  list: viewerProcedure.input(runHistoryInput.default({ limit: 25, simulated: "exclude" })).query(({ ctx, input }) => listRunHistory(ctx.database, input)),
  /** Missions and verdict outcomes that appear in runs, for the list's filters. */
  facets: viewerProcedure.query(({ ctx }) => runHistoryFacets(ctx.database)),
});

