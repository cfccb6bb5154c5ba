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
});
