import os from "node:os";
import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { decide } from "@/server/decisions/decide";
import { forEachDataSchema } from "@/lib/mission/schema";
import { edges, mission, node, noopChain } from "@/server/engine/testing/missions";
import { seedMission, testEngine, waitingDecision } from "@/server/engine/testing/harness";
import { observationBus } from "@/server/observations/record";
import { startRun } from "@/server/runs/service";
import type { BenchResult } from "./types";
import { runEnds } from "./run-ends";

// The embedded engine's own cost: per step of a no-op mission, runs per second with many in
// flight, and how fast a decision resumes its run. On PGlite, and on PostgreSQL when
// TEST_DATABASE_URL is set.

const median = (xs: number[]) => percentile(xs, 50);
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

/**
 * Counts the SQL statements the engine sends: rows() on its own (which hands a compiled statement
 * straight to the driver, server/db/compile-sql.ts), and whatever goes through `database.db` (a
 * statement inside a transaction counts once per transaction). On PGlite every statement costs CPU
 * in this process, so this is the load-independent measure of the engine's database work.
 */
function countStatements(database: Database): { readonly n: number } {
  const counter = { n: 0 };
  // rows() outside a transaction may still fall back to db.execute, synchronously: counted once.
  let inRows = false;
  // Both handles: the engine's progress goes through its own pool on PostgreSQL.
  for (const handle of new Set([database, database.progress])) {
    const rows = handle.rows.bind(handle);
    handle.rows = ((query, on) => {
      if (on !== undefined && on !== handle.db) return rows(query, on);
      counter.n++;
      inRows = true;
      try {
        return rows(query, on);
      } finally {
        inRows = false;
      }
    }) as Database["rows"];
    const db = handle.db as unknown as { execute: (...a: unknown[]) => Promise<unknown>; transaction: (...a: unknown[]) => Promise<unknown> };
    const execute = db.execute.bind(db);
    const transaction = db.transaction.bind(db);
    db.execute = (...a) => (inRows || counter.n++, execute(...a));
    db.transaction = (...a) => (counter.n++, transaction(...a));
  }
  return counter;
}

// A server runs warm: the first runs compile the hot paths (a run is only 11 steps), then 30 count.
const WARMUP_RUNS = 10;
const MEASURED_RUNS = 30;

/**
 * ms per step of a 10-node no-op mission, one run at a time (11 steps as a person counts them: start,
 * 8 conditions, verdict, finish; the engine runs the conditions and the verdict as one quick segment,
 * docs/engine.md, Step ids).
 */
async function perStep(database: Database, engine: ReturnType<typeof testEngine>): Promise<{ msPerStep: number; cpuPerStep: number; statementsPerStep: number; steps: number }> {
  const graph = noopChain(10);
  const seeded = await seedMission(database, graph);
  const perRun: number[] = [];
  const cpuPerRun: number[] = [];
  const statementsPerRun: number[] = [];
  const statements = countStatements(database);
  // The start, one step per node but the trigger, the run's end (measured until it has written).
  const steps = graph.nodes.length - 1 + 2;
  for (let i = 0; i < WARMUP_RUNS + MEASURED_RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const s0 = statements.n;
    const { runId } = await startRun(database, { missionId: seeded.missionId, userId: null }, { send: engine.send });
    // A run writes a status Observation per step, and one more when it starts.
    await runEnds(database, runId, 120_000, steps - 1);
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    statementsPerRun.push((statements.n - s0) / steps);
    if (i >= WARMUP_RUNS) {
      perRun.push(elapsed / steps);
      cpuPerRun.push((cpu.user + cpu.system) / 1000 / steps);
    }
  }
  return { msPerStep: median(perRun), cpuPerStep: median(cpuPerRun), statementsPerStep: median(statementsPerRun), steps };
}

/**
 * ms per item of a For each over `items` no-op items (one always-true Condition inside), `concurrency`
 * at a time: the run from start to end, divided by the items. A Condition is quick, so each step
 * runs `concurrency` items (their Conditions and their lines): compare with the per-step figure.
 */
async function forEachPerItem(database: Database, engine: ReturnType<typeof testEngine>, concurrency: number, items = 1_000): Promise<{ msPerItem: number; cpuPerItem: number }> {
  const graph = mission(
    "for each no-op",
    [
      node.trigger("start", { fields: [{ name: "csv", type: "text", maxLength: 100_000 }] }),
      { id: "lines", kind: "forEach", position: { x: 0, y: 0 }, data: forEachDataSchema.parse({ items: 'trigger.csv.split(",")', concurrency, maxItems: items }) },
      { ...node.condition("go", { branches: [{ id: "yes", expression: "true" }] }), parentId: "lines" },
      node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
    ],
    edges("start->lines", "lines->done"),
  );
  const seeded = await seedMission(database, graph);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { runId } = await startRun(database, { missionId: seeded.missionId, userId: null, input: { csv: Array.from({ length: items }, (_, i) => String(i)).join(",") } }, { send: engine.send });
  await runEnds(database, runId, 900_000, items);
  const cpu = process.cpuUsage(c0);
  return { msPerItem: (performance.now() - t0) / items, cpuPerItem: (cpu.user + cpu.system) / 1000 / items };
}

/** Runs per second of a 5-node no-op mission with 50 started at once. */
async function throughput(database: Database, engine: ReturnType<typeof testEngine>): Promise<number> {
  const seeded = await seedMission(database, noopChain(5));
  const t0 = performance.now();
  const ids = await Promise.all(Array.from({ length: 50 }, async () => (await startRun(database, { missionId: seeded.missionId, userId: null }, { send: engine.send })).runId));
  await Promise.all(ids.map((id) => runEnds(database, id)));
  return 50 / ((performance.now() - t0) / 1000);
}

/** decide() called → the approval's next step has started (its status write), p50 and p95. */
async function resumeLatency(database: Database, engine: ReturnType<typeof testEngine>): Promise<{ p50: number; p95: number }> {
  const graph = mission(
    "resume",
    [node.trigger("start"), node.approval("review"), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
    edges("start->review", "review:approved->done"),
  );
  const seeded = await seedMission(database, graph);
  const runs: string[] = [];
  for (let i = 0; i < 30; i++) runs.push((await startRun(database, { missionId: seeded.missionId, userId: seeded.starter }, { send: engine.send })).runId);
  const decisions = await Promise.all(runs.map((r) => waitingDecision(database, r, "review", 300_000)));
  const latencies: number[] = [];
  for (const [i, runId] of runs.entries()) {
    const seen = new Map<number, number>();
    const onObservation = (id: number) => seen.set(id, performance.now());
    observationBus().on(runId, onObservation);
    const t0 = performance.now();
    await decide(database, { decisionId: decisions[i] as string, userId: seeded.approvers[0] as string, userRoles: ["approver"], approve: true }, { send: engine.send });
    await runEnds(database, runId);
    observationBus().off(runId, onObservation);
    // The approval's next step starts by recording the node's outcome: that Observation's moment.
    const [obs] = await database.rows<{ id: number }>(
      sql`select id from observation where run_id = ${runId} and node_id = 'review' and kind = 'status' and data->>'status' = 'succeeded'`,
    );
    const at = obs ? seen.get(Number(obs.id)) : undefined;
    if (at === undefined) throw new Error(`no resume observation for run ${runId}`);
    latencies.push(at - t0);
  }
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const tdb of testDatabases()) {
    const database = await tdb.open();
    // The app's own executor settings (idle polling every 250 ms): work is announced in-process.
    const engine = testEngine(database, { executor: { idleMs: 250, retryBaseMs: 1_000 } });
    await engine.executor.start();
    try {
      const step = await perStep(database, engine);
      results.push({
        name: `${tdb.name}: engine overhead per step (10-node no-op mission, median)`,
        value: step.msPerStep,
        unit: "ms",
        target: 3,
        better: "lower",
        notes: `${step.steps} steps per run, one run at a time; load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores`,
      });
      results.push({
        name: `${tdb.name}: CPU per step (10-node no-op mission, median)`,
        value: step.cpuPerStep,
        unit: "ms",
        better: "lower",
        notes: "this process's CPU time (SDK, executor, PGlite when embedded): less sensitive to other load than wall time",
      });
      results.push({
        name: `${tdb.name}: SQL statements per step (10-node no-op mission, median)`,
        value: step.statementsPerStep,
        unit: "",
        better: "lower",
        notes: "every statement of the run (start, engine, steps, idle polls, this benchmark's own status checks)",
      });
      // A body of quick steps runs `concurrency` items in one step (docs/engine.md, For each); 100
      // items ten at a time is the figure from before that, when each item was a parallel step.
      for (const [concurrency, items] of [[1, 1_000], [10, 100], [10, 1_000]] as const) {
        const loop = await forEachPerItem(database, engine, concurrency, items);
        results.push({
          name: `${tdb.name}: For each overhead per item (${items.toLocaleString("en-US")} no-op items, ${concurrency} at once)`,
          value: loop.msPerItem,
          unit: "ms",
          better: "lower",
          notes: `one step per ${concurrency === 1 ? "item" : `${concurrency} items`} (their Conditions and lines); engine per step ${step.msPerStep.toFixed(2)} ms; CPU ${loop.cpuPerItem.toFixed(2)} ms per item`,
        });
      }
      results.push({ name: `${tdb.name}: throughput, 5-node no-op mission, 50 in flight`, value: await throughput(database, engine), unit: "runs/s", better: "higher" });
      const resume = await resumeLatency(database, engine);
      results.push({ name: `${tdb.name}: decision → next step started (p50)`, value: resume.p50, unit: "ms", better: "lower" });
      results.push({ name: `${tdb.name}: decision → next step started (p95)`, value: resume.p95, unit: "ms", target: 100, better: "lower" });
    } finally {
      await engine.executor.stop();
      await database.close();
    }
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await run();
  for (const r of results) console.log(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.target !== undefined ? ` (target ${r.better === "higher" ? "≥" : "≤"} ${r.target})` : ""}`);
  process.exit(0);
}
