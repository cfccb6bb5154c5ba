import "server-only";
import { z } from "zod";
import {
  checkRunAgainstCase,
  createTestCase,
  createTestCaseInput,
  deleteTestCase,
  getTestCase,
  listTestCases,
  saveRunAsTestCase,
  saveRunAsTestCaseInput,
  updateTestCase,
  updateTestCaseInput,
} from "@/server/test-cases/service";
import { userActor } from "@/server/audit/record";
import { getSuiteRun, listSuiteRuns, startSuiteRun, startSuiteRunInput } from "@/server/test-cases/suites";
import { setSuiteGate, suiteGateInput } from "@/server/missions/publishing";
import { suiteGateOf } from "@/server/test-cases/suites";
import { builderProcedure, publisherProcedure, router, viewerProcedure } from "../trpc";

const id = z.object({ id: z.string().min(1, "must not be empty").max(100) });

/** A mission's test cases (docs/testing-missions.md): anyone signed in reads them, builders write them. */
export const testCasesRouter = router({
  list: viewerProcedure.input(z.object({ missionId: z.string().min(1, "must not be empty").max(100) })).query(({ ctx, input }) => listTestCases(ctx.database, input.missionId)),
  get: viewerProcedure.input(id).query(({ ctx, input }) => getTestCase(ctx.database, input.id)),
  create: builderProcedure.input(createTestCaseInput).mutation(({ ctx, input }) => createTestCase(ctx.database, input, ctx.user.id)),
  /** "Save as test case" on a finished run. */
  fromRun: builderProcedure.input(saveRunAsTestCaseInput).mutation(({ ctx, input }) => saveRunAsTestCase(ctx.database, input, ctx.user.id)),
  update: builderProcedure.input(updateTestCaseInput).mutation(({ ctx, input }) => updateTestCase(ctx.database, input)),
  delete: builderProcedure.input(id).mutation(({ ctx, input }) => deleteTestCase(ctx.database, input.id)),
  /** A run of the case's mission against the case's expectations. */
  check: viewerProcedure
    .input(z.object({ id: z.string().min(1, "must not be empty").max(100), runId: z.string().min(1, "must not be empty").max(100) }))
    .query(({ ctx, input }) => checkRunAgainstCase(ctx.database, input.id, input.runId)),
  /** Every case of the mission in simulation against a version (the published one unless named). */
  runSuite: builderProcedure.input(startSuiteRunInput).mutation(({ ctx, input }) => startSuiteRun(ctx.database, input, ctx.user.id, { actor: userActor(ctx.user) })),
  suiteRun: viewerProcedure.input(id).query(({ ctx, input }) => getSuiteRun(ctx.database, input.id)),
  /** Whether the mission publishes only versions whose suite passed. */
  gate: viewerProcedure.input(z.object({ missionId: z.string().min(1, "must not be empty").max(100) })).query(({ ctx, input }) => suiteGateOf(ctx.database, input.missionId)),
  setGate: publisherProcedure.input(suiteGateInput).mutation(({ ctx, input }) => setSuiteGate(ctx.database.db, input, ctx.user)),
  suiteRuns: viewerProcedure.input(z.object({ missionId: z.string().min(1, "must not be empty").max(100) })).query(({ ctx, input }) => listSuiteRuns(ctx.database, input.missionId)),
});
