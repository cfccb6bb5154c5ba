import { afterEach, describe, expect, it, vi } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { noopChain } from "../testing/missions";
import { seedMission, testEngine, waitForRun } from "../testing/harness";
import { startRun } from "@/server/runs/service";
import { ExecutorStore } from "./executor-store";

// A run started in this process goes to an idle worker directly, its job leased in the statement
// that creates it: no claim round trip before its first step.
describe.each(testDatabases())("handing a new run to an idle worker ($name)", (tdb) => {
  let database: Database | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await database?.close();
  });

  it("starts the run without a claim, and the job is leased from its first moment", async () => {
    database = await tdb.open();
    const db = database;
    // One worker that polls once a minute: only a hand-over or a wake gets it going.
    const engine = testEngine(db, { executor: { concurrency: 1, idleMs: 60_000 } });
    await engine.executor.start();
    try {
      const seeded = await seedMission(db, noopChain(4));
      // Let the worker's first claim (at start) find nothing and go to sleep.
      await new Promise((r) => setTimeout(r, 200));
      const claims = vi.spyOn(ExecutorStore.prototype, "claimWithState");
      const leases: (string | null)[] = [];
      // The job as it stands right after the statement that created it.
      const ingest = ExecutorStore.prototype.ingestAlone;
      vi.spyOn(ExecutorStore.prototype, "ingestAlone").mockImplementation(async function (this: ExecutorStore, ...args: Parameters<ExecutorStore["ingestAlone"]>) {
        const out = await ingest.apply(this, args);
        const jobId = out && out.handed?.job.id;
        if (jobId) {
          const [row] = await db.rows<{ locked: boolean }>(sql`select locked_until is not null as locked from engine_job where id = ${jobId}::bigint`);
          leases.push(row?.locked ? "leased" : "free");
        } else leases.push(null);
        return out;
      });

      const { runId } = await startRun(db, { missionId: seeded.missionId, userId: null }, { send: engine.send });
      expect(await waitForRun(db, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect(leases).toEqual(["leased"]);
      expect(claims).not.toHaveBeenCalled();
      // Stopping waits for the call still ending the run, and does not then sleep out the minute.
      await engine.executor.stop();
      expect(await db.rows(sql`select 1 from engine_job`)).toHaveLength(0);
      expect(await db.rows<{ status: string }>(sql`select status from engine_run`)).toEqual([{ status: "completed" }]);
    } finally {
      await engine.executor.stop();
    }
  });

  it("with every worker busy, leaves the job free for the next claim", async () => {
    database = await tdb.open();
    const db = database;
    const engine = testEngine(db, { executor: { concurrency: 1, idleMs: 20 } });
    // No workers: nobody to hand it to; tick() claims it.
    await engine.executor.start({ workers: false });
    const seeded = await seedMission(db, noopChain(3));
    const { runId } = await startRun(db, { missionId: seeded.missionId, userId: null }, { send: engine.send });
    const [job] = await db.rows<{ locked: boolean }>(sql`select locked_until is not null as locked from engine_job where run_id is not null`);
    expect(job?.locked).toBe(false);
    await engine.executor.drain(async () => (await db.rows<{ status: string }>(sql`select status from run where id = ${runId}`))[0]?.status === "succeeded");
  });
});

// A run's request follows its durably stored run row and is re-sent by the sweeper while the run
// is queued, so it is stored with the engine's progress (on PostgreSQL a commit that does not wait
// for the disk): a start waits for one flush to disk, not two. Other events stay durable.
describe.each(testDatabases())("where a run's request is stored ($name)", (tdb) => {
  let database: Database | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await database?.close();
  });

  it("stores a run's request with the engine's progress and any other event on the durable handle", async () => {
    database = await tdb.open();
    const db = database;
    const engine = testEngine(db, { executor: { concurrency: 1 } });
    await engine.executor.start();
    try {
      const seeded = await seedMission(db, noopChain(2));
      const handles: string[] = [];
      const ingest = ExecutorStore.prototype.ingestAlone;
      vi.spyOn(ExecutorStore.prototype, "ingestAlone").mockImplementation(async function (this: ExecutorStore, ...args: Parameters<ExecutorStore["ingestAlone"]>) {
        handles.push(`${args[0].name} on ${this.db === db.db ? "durable" : this.db === db.progress.db ? "progress" : "another"}`);
        return ingest.apply(this, args);
      });
      const { runId } = await startRun(db, { missionId: seeded.missionId, userId: null }, { send: engine.send });
      expect(await waitForRun(db, runId, ["succeeded", "failed"])).toBe("succeeded");
      await engine.executor.send({ name: "test/unrelated", data: {} });
      // PGlite has one handle: progress is the database itself, whose commits all reach the disk.
      expect(handles).toEqual(
        db.driver === "postgres" ? ["mission/run.requested on progress", "test/unrelated on durable"] : ["mission/run.requested on durable", "test/unrelated on durable"],
      );
    } finally {
      await engine.executor.stop();
    }
  });
});
