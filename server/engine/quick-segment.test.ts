import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { STEP_ATTEMPTS } from "@/lib/mission/node-kinds";
import { transformDataSchema } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { eventually, seedMission, testEngine, waitForRun } from "./testing/harness";
import { edges, mission, node } from "./testing/missions";
import { checkRunInvariants } from "./testing/reliability";

// A stretch of quick steps runs in one step of the engine (quick-segment.ts): what a person sees
// of the run (states, outputs, Observations in order, failures and their attempts) is what each
// step on its own gave; only the engine's bookkeeping shrinks.

const fields = [
  { name: "id", type: "string" as const },
  { name: "n", type: "number" as const },
];

/** trigger → five conditions in a row → verdict: the shape of the API benchmark's mission. */
const chain = mission(
  "chain",
  [
    node.trigger("start", { fields }),
    ...["c1", "c2", "c3", "c4", "c5"].map((id) => node.condition(id, { branches: [{ id: "ok", expression: "trigger.n > 0" }] })),
    node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: 'trigger.id + " " + string(trigger.n * 3)' }),
  ],
  edges("start->c1", "c1:ok->c2", "c2:ok->c3", "c3:ok->c4", "c4:ok->c5", "c5:ok->done"),
);

const transform = (id: string, expression: string, type: "number" | "string" = "number") => ({
  id,
  kind: "transform" as const,
  position: { x: 0, y: 0 },
  data: transformDataSchema.parse({ values: [{ name: "v", type, expression }] }),
});

describe.each(testDatabases())("quick steps in one engine step on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database);
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  async function run(graph: ReturnType<typeof mission>, input: Record<string, unknown>) {
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input, userId: seeded.starter }, { send: engine.send });
    return runId;
  }
  /** The steps the engine stored for a run, once its engine run has ended. */
  const engineSteps = async (runId: string) => {
    const ended = async () => (await database.rows(sql`select 1 from engine_run where event->'data'->>'runId' = ${runId} and status in ('completed', 'failed')`)).length === 1;
    await eventually(ended, 20_000, "the engine run to end");
    const [row] = await database.rows<{ n: number }>(sql`select count(*)::int as n from engine_step s join engine_run r on r.id = s.run_id where r.event->'data'->>'runId' = ${runId}`);
    return row?.n ?? 0;
  };
  /** The engine run of a run, once it has ended. */
  const engineRunOf = async (runId: string) => {
    const ended = () => database.rows<{ id: string }>(sql`select id from engine_run where event->'data'->>'runId' = ${runId} and status in ('completed', 'failed')`);
    await eventually(async () => (await ended()).length === 1, 20_000, "the engine run to end");
    return (await ended())[0]!.id;
  };
  const statusTrail = (runId: string) =>
    database.rows<{ node_id: string | null; status: string }>(sql`select node_id, data->>'status' as status from observation where run_id = ${runId} and kind = 'status' order by id`);

  it("runs a row of conditions and the verdict as one step: two steps for the run instead of eight, the same states and trail", async () => {
    const runId = await run(chain, { id: "req-1", n: 21 });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    // run:start, then the trigger, its five conditions and the verdict (the run's end is written after the last step).
    expect(await engineSteps(runId)).toBe(2);
    const view = await getRun(database, runId);
    expect(view.verdict).toEqual({ outcome: "ok", summary: "req-1 63" });
    expect(view.nodes.map((n) => [n.nodeId, n.status, n.output])).toEqual([
      ["start", "succeeded", { id: "req-1", n: 21 }],
      ...["c1", "c2", "c3", "c4", "c5"].map((id) => [id, "succeeded", { branch: "ok" }]),
      ["done", "succeeded", { outcome: "ok", summary: "req-1 63" }],
    ]);
    expect(await statusTrail(runId)).toEqual([
      { node_id: null, status: "queued" },
      { node_id: null, status: "running" },
      ...["start", "c1", "c2", "c3", "c4", "c5", "done"].map((id) => ({ node_id: id, status: "succeeded" })),
      { node_id: null, status: "succeeded" },
    ]);
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  /**
   * The statements a run of `chain` sends, each `delayMs` late (a busy process: every step's wall
   * time stretches with the work of other calls sharing the thread).
   */
  async function statementsOfRun(input: Record<string, unknown>, delayMs = 0) {
    const dialect = new PgDialect();
    const statements: { sql: string; params: unknown[] }[] = [];
    // On PostgreSQL the engine's progress has a handle of its own (database.ts).
    const handles = [...new Set([database, database.progress])];
    const originals = handles.map((h) => h.rows);
    for (const [i, h] of handles.entries()) {
      const rows = (originals[i] as Database["rows"]).bind(h);
      h.rows = (async (query, on) => {
        statements.push(dialect.sqlToQuery(query));
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        return rows(query, on);
      }) as Database["rows"];
    }
    try {
      const runId = await run(chain, input);
      expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
      // The engine's own end comes after the run's.
      const engineRun = await engineRunOf(runId);
      return { runId, engineRun, statements };
    } finally {
      for (const [i, h] of handles.entries()) h.rows = originals[i] as Database["rows"];
    }
  }

  /** Where a statement writing direct changes of `runId` went: with the run's end, or alone (a flush, or the verdict's own statement). */
  const carriers = (statements: { sql: string; params: unknown[] }[], runId: string, id?: string) =>
    statements
      .filter((q) => q.sql.includes("direct_v") && q.params.includes(runId) && (id === undefined || q.params.includes(id)))
      .map((q) => (q.sql.includes("status = 'succeeded'") ? "the end" : q.sql.includes("verdict_upd") ? "verdict" : "alone"));

  it("writes the conditions' changes and the verdict in the statement that ends the run, not in statements of their own before it", async () => {
    // Each statement is a round trip (to PostgreSQL, or to PGlite's thread): the held changes of a
    // segment used to be flushed just before the verdict's own statement, and the verdict's
    // statement came just before the run's end.
    const { runId, statements } = await statementsOfRun({ id: "req-2", n: 4 });
    for (const id of ["c1", "c2", "c3", "c4", "c5", "done"]) expect(carriers(statements, runId, id), id).toEqual(["the end"]);
    // One statement touches the run's row after its start: the end, which sets the verdict too.
    expect(statements.filter((q) => /update run set/.test(q.sql) && q.params.includes(runId)).map((q) => (/update run set status = 'running'/.test(q.sql) ? "start" : /update run set status = 'succeeded'/.test(q.sql) ? "end" : "other"))).toEqual(["start", "end"]);
    const view = await getRun(database, runId);
    expect(view.verdict).toEqual({ outcome: "ok", summary: "req-2 12" });
    const [audit] = await database.rows<{ n: number; data: unknown }>(sql`select count(*)::int as n, max(data::text)::jsonb as data from audit_log where action = 'run.verdict' and run_id = ${runId}`);
    expect(audit).toEqual({ n: 1, data: { outcome: "ok", summary: "req-2 12" } });
    expect((await getRun(database, runId)).nodes.every((n) => n.status === "succeeded")).toBe(true);
    expect(await statusTrail(runId)).toEqual([
      { node_id: null, status: "queued" },
      { node_id: null, status: "running" },
      ...["start", "c1", "c2", "c3", "c4", "c5", "done"].map((id) => ({ node_id: id, status: "succeeded" })),
      { node_id: null, status: "succeeded" },
    ]);
  });

  it("ends the run in the statement that ends the engine's run: the held changes, the verdict, the run's end, the engine's end", async () => {
    // They were two statements, one after the other: the run's end, then the engine's (a round
    // trip and, on PostgreSQL, a commit each).
    const { runId, engineRun, statements } = await statementsOfRun({ id: "req-4", n: 6 });
    const ends = statements.filter((q) => /update run set status = 'succeeded'/.test(q.sql) && q.params.includes(runId));
    expect(ends.map((q) => q.sql.includes("update engine_run set status = 'completed'") && q.params.includes(engineRun))).toEqual([true]);
    expect(carriers(statements, runId)).toEqual(["the end"]);
    // One transaction wrote both rows.
    const [same] = await database.rows<{ same: boolean }>(
      sql`select (select xmin::text from run where id = ${runId}) = (select xmin::text from engine_run where id = ${engineRun}) as same`,
    );
    expect(same?.same).toBe(true);
    expect((await getRun(database, runId)).verdict).toEqual({ outcome: "ok", summary: "req-4 18" });
  });

  it("stores a slowed run's two steps with its end, in one statement, and the held changes and the verdict with the run's end", async () => {
    // Every statement 30 ms late: each step now takes longer than the 20 ms after which a step
    // used to count as slow, and each was stored, and the changes held before it flushed, in
    // statements of their own. Their own duration is still far from a model call's.
    const { runId, engineRun, statements } = await statementsOfRun({ id: "req-3", n: 5 }, 30);
    const storing = statements.filter((q) => q.sql.includes("insert into engine_step") && q.params.includes(engineRun)).map((q) => (q.sql.includes("update engine_run set status = 'completed'") ? "with the end" : "alone"));
    expect(storing).toEqual(["with the end"]);
    expect(carriers(statements, runId)).toEqual(["the end"]);
    expect(await engineSteps(runId)).toBe(2);
  });

  it("takes one branch inside the segment and skips the other, each read by what comes after", async () => {
    const graph = mission(
      "branch",
      [
        node.trigger("start", { fields }),
        node.condition("big", { branches: [{ id: "yes", expression: "trigger.n > 10" }] }),
        transform("twice", "trigger.n * 2"),
        transform("keep", "trigger.n"),
        transform("after", "twice.v + 1"),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: 'string(after.v) + " " + string(size(skipped))' }),
      ],
      edges("start->big", "big:yes->twice", "big:else->keep", "twice->after", "after->done", "keep->done"),
    );
    const runId = await run(graph, { id: "r", n: 21 });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(Object.fromEntries(view.nodes.map((n) => [n.nodeId, n.status]))).toEqual({ start: "succeeded", big: "succeeded", twice: "succeeded", keep: "skipped", after: "succeeded", done: "succeeded" });
    expect(view.nodes.find((n) => n.nodeId === "after")?.output).toEqual({ v: 43 });
    expect(view.verdict).toEqual({ outcome: "ok", summary: "43 1" });
    // The skip is written in its place among the segment's changes, saying what decided it.
    expect((await statusTrail(runId)).map((o) => `${o.node_id ?? "run"} ${o.status}`)).toEqual([
      "run queued",
      "run running",
      "start succeeded",
      "big succeeded",
      "twice succeeded",
      "keep skipped",
      "after succeeded",
      "done succeeded",
      "run succeeded",
    ]);
    const [skip] = await database.rows<{ text: string }>(sql`select text from observation where run_id = ${runId} and node_id = 'keep' and kind = 'status'`);
    expect(skip?.text).toBe("keep skipped: not on the path taken after big");
    expect(await engineSteps(runId)).toBe(2);
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("fails a step in the middle as it failed on its own: named, recorded once, not tried again, and what came before kept", async () => {
    const graph = mission(
      "fails",
      [
        node.trigger("start", { fields }),
        node.condition("c1", { branches: [{ id: "ok", expression: "true" }] }),
        node.condition("bad", { branches: [{ id: "ok", expression: "trigger.n" }] }),
        node.condition("c3", { branches: [{ id: "ok", expression: "true" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("start->c1", "c1:ok->bad", "bad:ok->c3", "c3:ok->done"),
    );
    const runId = await run(graph, { id: "r", n: 5 });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const view = await getRun(database, runId);
    expect(Object.fromEntries(view.nodes.map((n) => [n.nodeId, n.status]))).toEqual({ start: "succeeded", c1: "succeeded", bad: "failed", c3: "pending", done: "pending" });
    const bad = view.nodes.find((n) => n.nodeId === "bad");
    expect(bad?.error).toBe("bad.branches[0].expression (ok): must give true or false, gave 5");
    expect(bad?.attempt).toBe(0);
    const errors = await database.rows<{ text: string }>(sql`select text from observation where run_id = ${runId} and node_id = 'bad' and kind = 'error' order by id`);
    expect(errors.map((e) => e.text)).toEqual([`Attempt 1 of ${STEP_ATTEMPTS} failed: bad.branches[0].expression (ok): must give true or false, gave 5`]);
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("fails a verdict at the end of a segment on its own, after the steps before it were written", async () => {
    const graph = mission(
      "bad verdict",
      [node.trigger("start", { fields }), node.condition("c1", { branches: [{ id: "ok", expression: "true" }] }), node.verdict("done", { outcomes: ["ok"], outcome: "trigger.id" })],
      edges("start->c1", "c1:ok->done"),
    );
    const runId = await run(graph, { id: "r", n: 5 });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const view = await getRun(database, runId);
    expect(Object.fromEntries(view.nodes.map((n) => [n.nodeId, n.status]))).toEqual({ start: "succeeded", c1: "succeeded", done: "failed" });
    expect(view.nodes.find((n) => n.nodeId === "done")?.error).toBe('done.outcome: gave "r", which is not one of ok');
    expect(view.verdict).toBeNull();
    expect((await statusTrail(runId)).map((o) => `${o.node_id ?? "run"} ${o.status}`)).toEqual(["run queued", "run running", "start succeeded", "c1 succeeded", "done failed", "run failed"]);
  });
});
