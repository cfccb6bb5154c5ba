import "server-only";
import type { EngineDeps } from "@/server/engine/deps";
import type { EngineClient } from "@/server/engine/inngest/client";
import { fireDueSchedules } from "./schedule";

export const SCHEDULE_TICK_FUNCTION = "mission-schedules";
/** Every minute, in UTC: the finest a mission's cron can ask for; each mission's zone is applied when it is read. */
export const SCHEDULE_TICK_CRON = "* * * * *";

/**
 * The schedulers' tick as an Inngest cron function: a real Inngest server invokes it every minute,
 * the embedded executor's cron clock does the same (server/engine/inngest/cron-clock.ts). It may run
 * on several replicas or twice: each firing is claimed in the database (server/triggers/schedule.ts).
 */
export function createScheduleFunction(client: EngineClient, deps: () => EngineDeps) {
  return client.createFunction(
    { id: SCHEDULE_TICK_FUNCTION, name: "Mission schedules", retries: 2, triggers: [{ cron: SCHEDULE_TICK_CRON }] },
    async ({ event, step }) => {
      // The tick's own time (a late or retried tick fires what was due then, under the same keys).
      const at = typeof event.ts === "number" ? new Date(event.ts) : new Date();
      const started = await step.run("fire-due-schedules", async () => {
        const d = deps();
        return fireDueSchedules(await d.database(), at, { send: d.send });
      });
      return { started: started.length };
    },
  );
}
