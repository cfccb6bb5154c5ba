import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { startRun } from "@/server/runs/service";
import { HeldStates, flushHeldStates, holdingStates, markRunSucceededSoon, setDirectStatesSoon, setRunVerdictSoon } from "./held-states";
import type { DirectChange } from "./state";
import { noopChain } from "./testing/missions";
import { seedMission } from "./testing/harness";

describe.each(testDatabases())("held node changes on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A queued run of a 5-node chain (start, c1, c2, c3, done) that no engine drives. */
  async function queuedRun(): Promise<string> {
    const seeded = await seedMission(database, noopChain(5));
    const { runId } = await startRun(database, { missionId: seeded.missionId, userId: null }, { send: async () => {} });
    return runId;
  }

  async function states(runId: string) {
    return database.rows<{ node_id: string; status: string; output: unknown; ended_at: string | null }>(
      sql`select node_id, status, output, ended_at::text from run_node where run_id = ${runId} and node_id in ('c1', 'c2', 'c3') order by node_id`,
    );
  }

  async function statusObservations(runId: string) {
    return database.rows<{ node_id: string | null; text: string }>(
      sql`select node_id, text from observation where run_id = ${runId} and kind = 'status' and node_id is not null order by id`,
    );
  }

  it("holds changes made inside an engine call until it flushes, then writes them together in order", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    await holdingStates(held, async () => {
      await setDirectStatesSoon(database, runId, [{ nodeId: "c2", to: "succeeded", output: { branch: "go" }, attempt: 0, text: "c2 took go" }]);
      await setDirectStatesSoon(database, runId, [
        { nodeId: "c1", to: "skipped", text: "c1 skipped" },
        { nodeId: "c3", to: "skipped", text: "c3 skipped" },
      ]);
    });
    expect((await states(runId)).map((s) => s.status)).toEqual(["pending", "pending", "pending"]);

    await held.flush();
    const after = await states(runId);
    expect(after.map((s) => [s.node_id, s.status, s.output])).toEqual([
      ["c1", "skipped", null],
      ["c2", "succeeded", { branch: "go" }],
      ["c3", "skipped", null],
    ]);
    // One statement: one transaction time for all three.
    expect(new Set(after.map((s) => s.ended_at)).size).toBe(1);
    expect(await statusObservations(runId)).toEqual([
      { node_id: "c2", text: "c2 took go" },
      { node_id: "c1", text: "c1 skipped" },
      { node_id: "c3", text: "c3 skipped" },
    ]);

    // Flushing again writes nothing twice.
    await held.flush();
    expect(await statusObservations(runId)).toHaveLength(3);
  });

  it("writes at once outside an engine call, and flushHeldStates is a no-op there", async () => {
    const runId = await queuedRun();
    await setDirectStatesSoon(database, runId, [{ nodeId: "c1", to: "succeeded", output: { branch: "go" }, text: "c1 took go" }]);
    await flushHeldStates();
    expect((await states(runId)).map((s) => s.status)).toEqual(["succeeded", "pending", "pending"]);
  });

  it("flushHeldStates inside the call writes what that call holds", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    await holdingStates(held, async () => {
      await setDirectStatesSoon(database, runId, [{ nodeId: "c1", to: "succeeded", text: "c1 took go" }]);
      expect((await states(runId))[0]?.status).toBe("pending");
      await flushHeldStates();
      expect((await states(runId))[0]?.status).toBe("succeeded");
    });
  });

  it("drops what an abandoned call held, and keeps the guards: a node no longer pending is left alone", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    holdingStates(held, () => held.add(database, runId, [{ nodeId: "c1", to: "succeeded", text: "c1 took go" }]));
    held.discard();
    await held.flush();
    expect((await states(runId))[0]?.status).toBe("pending");

    await setDirectStatesSoon(database, runId, [{ nodeId: "c2", to: "skipped", text: "c2 skipped" }]);
    await setDirectStatesSoon(database, runId, [{ nodeId: "c2", to: "succeeded", text: "c2 took go" }]);
    expect((await states(runId))[1]?.status).toBe("skipped");
    expect(await statusObservations(runId)).toEqual([{ node_id: "c2", text: "c2 skipped" }]);
  });

  it("keeps the changes when the database refuses them, for the next flush", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    held.add(database, runId, [{ nodeId: "c1", to: "succeeded", text: "c1 took go" }]);
    await database.db.execute(sql`alter table run_node add constraint held_test_refuse check (status <> 'succeeded' or node_id <> 'c1') not valid`);
    try {
      await expect(held.flush()).rejects.toThrow();
    } finally {
      await database.db.execute(sql`alter table run_node drop constraint held_test_refuse`);
    }
    await held.flush();
    expect((await states(runId))[0]?.status).toBe("succeeded");
  });

  it("hands the held end, with what was held before it, to the statement that ends the engine's run; a failed statement leaves it all held", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    await holdingStates(held, async () => {
      await setDirectStatesSoon(database, runId, [{ nodeId: "c1", to: "succeeded", output: { branch: "go" }, text: "c1 took go" }]);
      await markRunSucceededSoon(database, runId, {});
    });
    // Another handle's statement cannot carry it: flush() writes it then.
    const elsewhere = { ...database } as Database;
    expect(await held.takeEnding(elsewhere, sql`true`)).toBeNull();

    const refused = await held.takeEnding(database, sql`true`);
    if (!refused) throw new Error("no ending held");
    await expect(database.rows(sql`with ${refused.ctes} select ${refused.columns}, 1 / 0 as refused`)).rejects.toThrow();
    refused.putBack();
    expect((await runRow(runId))?.status).toBe("queued");

    // A statement whose gate does not hold (the engine's run did not end) writes none of it.
    const gated = await held.takeEnding(database, sql`false`);
    if (!gated) throw new Error("no ending held");
    const [none] = await database.rows(sql`with ${gated.ctes} select ${gated.columns}`);
    gated.committed(none);
    expect((await runRow(runId))?.status).toBe("queued");
    expect((await states(runId))[0]?.status).toBe("pending");
    gated.putBack();

    const ending = await held.takeEnding(database, sql`true`);
    if (!ending) throw new Error("no ending held");
    const [row] = await database.rows(sql`with ${ending.ctes} select ${ending.columns}`);
    ending.committed(row);
    const run = await runRow(runId);
    expect(run?.status).toBe("succeeded");
    expect((await states(runId))[0]).toMatchObject({ status: "succeeded", output: { branch: "go" }, ended_at: run?.ended_at });
    expect(await statusObservations(runId)).toEqual([{ node_id: "c1", text: "c1 took go" }]);
    // Nothing is left to write twice.
    expect(await held.takeEnding(database, sql`true`)).toBeNull();
  });

  const verdictChange = (nodeId: string, outcome: string): DirectChange => ({ nodeId, to: "succeeded", output: { outcome }, attempt: 0, text: `Verdict: ${outcome}` });
  async function runRow(runId: string) {
    const [row] = await database.rows<{ status: string; verdict: unknown; ended_at: string | null }>(sql`select status, verdict, ended_at::text from run where id = ${runId}`);
    return row;
  }
  async function verdictAudits(runId: string) {
    return database.rows<{ data: unknown }>(sql`select data from audit_log where action = 'run.verdict' and run_id = ${runId} order by id`);
  }
  /** The run's end, held in `held` (when given) and flushed; whether this ended the run. */
  async function endRun(runId: string, held?: HeldStates): Promise<boolean> {
    const before = (await runRow(runId))?.status;
    const end = () => markRunSucceededSoon(database, runId, { ok: "All good" });
    if (held) {
      await holdingStates(held, end);
      await held.flush();
    } else await end();
    return before !== "succeeded" && (await runRow(runId))?.status === "succeeded";
  }

  it("holds a verdict with the changes around it; a flush writes them in the verdict's statement, and the first verdict wins", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    await holdingStates(held, async () => {
      await setDirectStatesSoon(database, runId, [{ nodeId: "c1", to: "succeeded", text: "c1 took go" }]);
      await setRunVerdictSoon(database, runId, { outcome: "ok", summary: "first" }, verdictChange("c2", "ok"));
      await setRunVerdictSoon(database, runId, { outcome: "no", summary: "second" }, verdictChange("c3", "no"));
    });
    expect((await runRow(runId))?.verdict).toBeNull();
    expect(await verdictAudits(runId)).toEqual([]);

    await held.flush();
    expect((await runRow(runId))?.verdict).toEqual({ outcome: "ok", summary: "first" });
    expect(await verdictAudits(runId)).toEqual([{ data: { outcome: "ok", summary: "first" } }]);
    expect(await statusObservations(runId)).toEqual([
      { node_id: "c1", text: "c1 took go" },
      { node_id: "c2", text: "Verdict: ok" },
      { node_id: "c3", text: "Verdict: no" },
    ]);
    // The run's end after it reads the verdict already set, and sets no other.
    expect(await endRun(runId, held)).toBe(true);
    expect(await runRow(runId)).toMatchObject({ status: "succeeded", verdict: { outcome: "ok", summary: "first" } });
    expect(await verdictAudits(runId)).toHaveLength(1);
  });

  it("writes a held verdict with the run's end in one statement: the changes, the verdict, then the run's last line", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    await holdingStates(held, async () => {
      await setDirectStatesSoon(database, runId, [{ nodeId: "c1", to: "succeeded", text: "c1 took go" }]);
      await setRunVerdictSoon(database, runId, { outcome: "ok", summary: "done" }, verdictChange("c2", "ok"));
    });
    expect(await endRun(runId, held)).toBe(true);

    const run = await runRow(runId);
    expect(run).toMatchObject({ status: "succeeded", verdict: { outcome: "ok", summary: "done" } });
    // One statement: the nodes' changes have the run's end time.
    expect((await states(runId)).slice(0, 2).map((s) => s.ended_at)).toEqual([run?.ended_at, run?.ended_at]);
    const trail = await database.rows<{ node_id: string | null; text: string }>(sql`select node_id, text from observation where run_id = ${runId} and kind = 'status' order by id`);
    expect(trail.slice(-3)).toEqual([
      { node_id: "c1", text: "c1 took go" },
      { node_id: "c2", text: "Verdict: ok" },
      { node_id: null, text: "Run completed: All good" },
    ]);
    expect(await verdictAudits(runId)).toEqual([{ data: { outcome: "ok", summary: "done" } }]);

    // Ending again writes nothing: the run has ended and nothing is held.
    expect(await endRun(runId, held)).toBe(false);
    expect(await database.rows(sql`select 1 from observation where run_id = ${runId} and kind = 'status'`)).toHaveLength(trail.length);
  });

  it("writes neither the held changes nor the verdict when the run was cancelled before its end", async () => {
    const runId = await queuedRun();
    const held = new HeldStates();
    await holdingStates(held, () => setRunVerdictSoon(database, runId, { outcome: "ok", summary: "late" }, verdictChange("c1", "ok")));
    await database.rows(sql`update run set status = 'cancelled', ended_at = now() where id = ${runId}`);
    expect(await endRun(runId, held)).toBe(false);
    expect(await runRow(runId)).toMatchObject({ status: "cancelled", verdict: null });
    expect((await states(runId))[0]?.status).toBe("pending");
    expect(await verdictAudits(runId)).toEqual([]);
  });

  it("writes a verdict at once outside an engine call", async () => {
    const runId = await queuedRun();
    await setRunVerdictSoon(database, runId, { outcome: "ok", summary: "now" }, verdictChange("c1", "ok"));
    expect((await runRow(runId))?.verdict).toEqual({ outcome: "ok", summary: "now" });
    expect((await states(runId))[0]?.status).toBe("succeeded");
    expect(await endRun(runId)).toBe(true);
    expect(await verdictAudits(runId)).toHaveLength(1);
  });
});
