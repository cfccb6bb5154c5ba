import { sql } from "drizzle-orm";
import { openDatabase } from "@/server/db/database";
import { noopChain } from "@/server/engine/testing/missions";
import { seedMission, testEngine } from "@/server/engine/testing/harness";
import { startRun } from "@/server/runs/service";
import type { BenchResult } from "./types";
import { runEnds } from "./run-ends";

// Embedded PGlite over many runs, with and without its vacuuming (server/db/pglite-vacuum.mjs):
// 10 runs of a 5-node no-op mission in flight for BENCH_SOAK_LOAD_S (20) seconds, then a pause of
// BENCH_SOAK_PAUSE_S (3) in which a quiet database gets its round, BENCH_SOAK_ROUNDS (8) times;
// runs per second of each round and the engine's tables' sizes at the end. PGlite runs on this
// thread (BENCH_SOAK_THREAD=1: in its worker thread, as the server runs it), so what its
// statements cost shows in the rate. BENCH_SOAK_ORDER ("off on") says which go first.

const LOAD_S = Number(process.env.BENCH_SOAK_LOAD_S ?? 20);
const PAUSE_S = Number(process.env.BENCH_SOAK_PAUSE_S ?? 3);
const ROUNDS = Number(process.env.BENCH_SOAK_ROUNDS ?? 8);
const THREAD = process.env.BENCH_SOAK_THREAD === "1";
const TABLES = ["engine_job", "engine_run", "engine_step", "engine_event", "run", "observation"];

async function soak(vacuum: boolean): Promise<{ rates: number[]; kb: Map<string, number> }> {
  const database = await openDatabase({ driver: "pglite", thread: THREAD, vacuum: vacuum ? {} : false });
  const engine = testEngine(database, { executor: { concurrency: 16, idleMs: 250, retryBaseMs: 1_000 } });
  await engine.executor.start();
  try {
    const seeded = await seedMission(database, noopChain(5));
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      const end = t0 + LOAD_S * 1000;
      let done = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (performance.now() < end) {
            const { runId } = await startRun(database, { missionId: seeded.missionId, userId: null }, { send: engine.send });
            await runEnds(database, runId);
            done++;
          }
        }),
      );
      rates.push(done / ((performance.now() - t0) / 1000));
      console.log(`• vacuum ${vacuum ? "on" : "off"}, round ${round + 1}: ${rates.at(-1)!.toFixed(1)} runs/s`);
      await new Promise((r) => setTimeout(r, PAUSE_S * 1000));
    }
    const sizes = await database.rows<{ name: string; kb: number }>(
      sql`select relname as name, (pg_total_relation_size(relid) / 1024)::int as kb from pg_stat_user_tables where relname in (${sql.join(TABLES.map((t) => sql`${t}`), sql`, `)})`,
    );
    return { rates, kb: new Map(sizes.map((s) => [s.name, Number(s.kb)])) };
  } finally {
    await engine.executor.stop();
    await database.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const mode of (process.env.BENCH_SOAK_ORDER ?? "off on").split(/\s+/).filter(Boolean)) {
    const { rates, kb } = await soak(mode === "on");
    const tail = rates.slice(Math.floor(rates.length / 2));
    results.push({
      name: `vacuum ${mode}: runs/s in the second half (10 in flight)`,
      value: tail.reduce((a, b) => a + b, 0) / tail.length,
      unit: "runs/s",
      better: "higher",
      notes: `per round: ${rates.map((r) => r.toFixed(0)).join(" ")}; PGlite ${THREAD ? "in its thread" : "on this thread"}`,
    });
    results.push({
      name: `vacuum ${mode}: engine_job's size after the rounds`,
      value: kb.get("engine_job") ?? NaN,
      unit: "KB",
      better: "lower",
      notes: TABLES.filter((t) => t !== "engine_job").map((t) => `${t} ${kb.get(t)} KB`).join(", "),
    });
  }
  return results;
}
