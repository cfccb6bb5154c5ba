import "server-only";
import { tracked } from "@trpc/server";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import { listObservations, listObservationsInput } from "@/server/observations/query";
import { openRunStream } from "@/server/observations/subscribe";
import { router, viewerProcedure } from "../trpc";

async function assertRun(database: Database, runId: string): Promise<void> {
  const [row] = await database.rows(sql`select 1 from run where id = ${runId}`);
  if (!row) throw new AppError("not_found", `No run ${runId}`);
}

/** The client's resume point: `lastEventId` (set by httpSubscriptionLink on reconnect) is the last id it holds. */
const resumePoint = z
  .string()
  .max(30)
  .regex(/^\d+$/, "must be an observation id")
  .nullish();

export const observationsRouter = router({
  /**
   * The run's Observations over SSE: the backlog after `lastEventId`, then live ones. Each event is
   * `tracked(<resume point>, observation)`, so a reconnect resumes with no gap and no repeat.
   * `from: "end"` (without `lastEventId`) skips the backlog: the stream is listening when it opens,
   * so a client that then reads the backlog with `observations.list` misses nothing (it may get a
   * row both ways: keep rows unique by id).
   */
  onRun: viewerProcedure
    .input(
      z.object({
        runId: z.string().min(1, "must not be empty").max(100),
        lastEventId: resumePoint,
        from: z.enum(["start", "end"]).default("start"),
      }),
    )
    .subscription(async ({ ctx, input, signal }) => {
      // Checked before the stream opens, so an unknown run answers NOT_FOUND like any query.
      await assertRun(ctx.database, input.runId);
      const after = input.lastEventId ? Number(input.lastEventId) : input.from === "end" ? ("end" as const) : 0;
      // Opened (listening) before the response starts: the client's "started" means no row can be missed.
      const rows = await openRunStream(ctx.database, { runId: input.runId, after, ...(signal ? { signal } : {}) });
      return (async function* () {
        for await (const row of rows) yield tracked(String(row.cursor), row.observation);
      })();
    }),

  /** One page of a run's Observations in id order, optionally for one node and some kinds. */
  list: viewerProcedure.input(listObservationsInput).query(async ({ ctx, input }) => {
    await assertRun(ctx.database, input.runId);
    return listObservations(ctx.database, input);
  }),
});
