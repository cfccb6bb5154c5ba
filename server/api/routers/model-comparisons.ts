import "server-only";
import { z } from "zod";
import { startComparison } from "@/server/model-comparison/service";
import { getComparison, listComparisons } from "@/server/model-comparison/view";
import { builderProcedure, router, viewerProcedure } from "../trpc";

// Model comparison (docs/testing-missions.md#model-comparison): thin over server/model-comparison.
export const modelComparisonsRouter = router({
  /** Runs the mission's published version on each model, on one input or its test cases. */
  // Loosely typed here: the service checks it, naming each field (`models.1`, `input.orderId`).
  start: builderProcedure
    .input(z.object({ missionId: z.string(), models: z.array(z.string()), input: z.record(z.string(), z.unknown()).optional(), caseIds: z.array(z.string()).optional() }))
    .mutation(({ ctx, input }) => startComparison(ctx.database, input, ctx.user.id)),
  get: viewerProcedure.input(z.object({ id: z.string().min(1, "must not be empty").max(100) })).query(({ ctx, input }) => getComparison(ctx.database, input.id)),
  list: viewerProcedure.input(z.object({ missionId: z.string().min(1, "must not be empty").max(100) })).query(({ ctx, input }) => listComparisons(ctx.database, input.missionId)),
});
