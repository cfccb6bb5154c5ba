import "server-only";
import { NonRetriableError, referenceFunction } from "inngest";
import { z } from "zod";
import { STEP_RETRIES } from "@/lib/mission/node-kinds";
import type { EngineDeps } from "../deps";
import { RUN_CANCEL_REQUESTED, RUN_REQUESTED } from "@/server/contracts/events";
import { runMission } from "../interpreter";
import { endRunWith } from "../state";
import { MissionFailedError } from "../step-port";
import { createScheduleFunction } from "@/server/triggers/schedule-function";
import type { EngineClient } from "./client";
import { stepPort, type InngestStepTools } from "./step-adapter";

export const MISSION_RUN_FUNCTION = "mission-run";

const runRequestedData = z.object({ runId: z.string().min(1, "must not be empty") });

/**
 * The Inngest functions: `mission-run`, triggered by `mission/run.requested { runId }`,
 * cancelled by `mission/run.cancel.requested` with the same runId, STEP_RETRIES retries per step, and an
 * onFailure that records the reason on the run when the engine gives up; and `mission-schedules`,
 * the schedules' cron tick (server/triggers/schedule-function.ts).
 */
export function createMissionFunctions(client: EngineClient, deps: () => EngineDeps) {
  // A Call mission step invokes its child run on this same function (step.invoke), by reference.
  const missionRunRef = referenceFunction({ functionId: MISSION_RUN_FUNCTION });
  const missionRun = client.createFunction(
    {
      id: MISSION_RUN_FUNCTION,
      name: "Mission run",
      retries: STEP_RETRIES,
      triggers: [{ event: RUN_REQUESTED }],
      cancelOn: [{ event: RUN_CANCEL_REQUESTED, match: "data.runId" }],
      onFailure: async ({ event, error }) => {
        const parsed = runRequestedData.safeParse(event.data.event?.data);
        if (!parsed.success) return { recorded: false };
        const database = await deps().database();
        const recorded = await endRunWith(database, parsed.data.runId, "failed", error.message || "The engine gave up on this run");
        return { recorded };
      },
    },
    async ({ event, step, attempt }) => {
      const parsed = runRequestedData.safeParse(event.data);
      if (!parsed.success) throw new NonRetriableError(`${RUN_REQUESTED} needs data.runId: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
      try {
        return await runMission({ runId: parsed.data.runId, step: stepPort(step as unknown as InngestStepTools, missionRunRef), attempt, deps: deps() });
      } catch (e) {
        // Already recorded on the run: replaying would only repeat the failure.
        if (e instanceof MissionFailedError) throw new NonRetriableError(e.message, { cause: e });
        throw e;
      }
    },
  );
  return [missionRun, createScheduleFunction(client, deps)];
}
