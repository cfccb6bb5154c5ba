import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openDatabase, type Database } from "@/server/db/database";
import type { ToolCallOptions, ToolCallResult, ToolPort } from "@/server/connectors/tool-port";
import { decide } from "@/server/decisions/decide";
import { startRun } from "@/server/runs/service";
import { edges, mission, node } from "./testing/missions";
import { eventually, FakeTools, seedMission, testEngine, waitForRun, waitingDecision } from "./testing/harness";
import { checkRunInvariants } from "./testing/reliability";
import { sweepOnce } from "./sweeper";

const payGraph = mission(
  "crash",
  [node.trigger("start"), node.action("pay", { tool: "bank.pay", args: { amount: "10" } }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
  edges("start->pay", "pay->done"),
);

describe.each(testDatabases())("crash recovery on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  it("a run whose executor dies mid-job is finished by the next one, with one side effect", async () => {
    const tools = new FakeTools().add("bank.pay", { handle: (a) => ({ paid: a.amount }) });
    let release: () => void = () => {};
    const hung = new Promise<void>((r) => (release = r));
    let reached: () => void = () => {};
    const calledOnce = new Promise<void>((r) => (reached = r));
    let callNo = 0;
    // The payment happens, then the first response never arrives while the first executor lives.
    const port: ToolPort = {
      listTools: (refs) => tools.listTools(refs),
      async callTool(ref: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolCallResult> {
        const result = await tools.callTool(ref, args, opts);
        if (++callNo === 1) {
          reached();
          await hung;
        }
        return result;
      },
    };
    const seeded = await seedMission(database, payGraph);
    const first = testEngine(database, { tools: port, executor: { leaseMs: 600 } });
    await first.executor.start();
    const { runId } = await startRun(database, { missionId: seeded.missionId, userId: seeded.starter }, { send: first.send });
    await calledOnce;
    first.executor.kill();

    const second = testEngine(database, { tools: port, executor: { leaseMs: 600 } });
    await second.executor.start();
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    await eventually(async () => (await database.rows(sql`select 1 from engine_run where event->'data'->>'runId' = ${runId} and status = 'completed'`)).length === 1);
    release();
    await second.executor.stop();
    await first.executor.stop();

    const calls = tools.callsTo("bank.pay");
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.key)).toEqual([`${runId}:pay`, `${runId}:pay`]);
    expect([...tools.effects.keys()].filter((k) => k.startsWith(runId))).toEqual([`${runId}:pay`]);
    const engineRuns = await database.rows(sql`select 1 from engine_run where event->'data'->>'runId' = ${runId} and status = 'completed'`);
    expect(engineRuns).toHaveLength(1);
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it.skipIf(tdb.name !== "pglite")("a run waiting for a decision survives closing and reopening the data dir", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-crash-"));
    try {
      const graph = mission(
        "restart",
        [node.trigger("start"), node.approval("review"), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
        edges("start->review", "review:approved->done"),
      );
      let db = await openDatabase({ driver: "pglite", dataDir: dir });
      const seeded = await seedMission(db, graph);
      let engine = testEngine(db);
      await engine.executor.start();
      const { runId } = await startRun(db, { missionId: seeded.missionId, userId: seeded.starter }, { send: engine.send });
      const decisionId = await waitingDecision(db, runId, "review");
      await engine.executor.stop();
      await db.close();

      db = await openDatabase({ driver: "pglite", dataDir: dir });
      engine = testEngine(db);
      await engine.executor.start();
      await decide(db, { decisionId, userId: seeded.approvers[0] as string, userRoles: ["approver"], approve: true }, { send: engine.send });
      expect(await waitForRun(db, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect((await checkRunInvariants(db, runId)).violations).toEqual([]);
      await engine.executor.stop();
      await db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Opens a PGlite data dir twice: 13 s on a busy machine, over 30 s at a load average of 20.
  }, 120_000);

  it("an approval made before the run's wait existed, whose redelivery died with its process, is sent again by the sweeper", async () => {
    // replicas.test's SIGKILL test caught this: a run waiting on an approved decision until the
    // wait's timeout (24 h). The approval's event went out before the run's wait existed; the
    // process that stored the wait then died before it could send the event again
    // (redeliverDecision runs after the wait's commit).
    const approvalGraph = mission(
      "late wait",
      [node.trigger("start"), node.approval("review"), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->review", "review:approved->done"),
    );
    const seeded = await seedMission(database, approvalGraph);
    const engine = testEngine(database);
    await engine.executor.start();
    try {
      const { runId } = await startRun(database, { missionId: seeded.missionId, userId: seeded.starter }, { send: engine.send });
      const decisionId = await waitingDecision(database, runId, "review");
      // As the database stands after that: the decision approved and its event sent (before the
      // wait, which it did not reach), the wait still there; both older than the sweeper's grace.
      await database.db.execute(
        sql`update decision set status = 'approved', decided_at = now() - interval '1 minute', final_values = proposed, event_sent = true where id = ${decisionId}`,
      );
      await database.db.execute(sql`update engine_wait set created_at = now() - interval '1 minute' where run_id = (select id from engine_run where event->'data'->>'runId' = ${runId})`);
      expect((await database.rows<{ status: string }>(sql`select status from run where id = ${runId}`))[0]?.status).toBe("waiting");

      const swept = await sweepOnce(database, engine.send, { decisionGraceMs: 5_000 });
      expect(swept.decisionsResent).toBe(1);
      expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
      // Nothing waits for it any more: the next sweep sends nothing.
      expect((await sweepOnce(database, engine.send, { decisionGraceMs: 5_000 })).decisionsResent).toBe(0);
    } finally {
      await engine.executor.stop();
    }
  });
});
