import { fork } from "node:child_process";
import http from "node:http";
import path from "node:path";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Database } from "@/server/db/database";
import { compileSql } from "@/server/db/compile-sql";
import { insertQueuedRun, markRunSucceeded } from "@/server/engine/state";
import { getRun } from "@/server/runs/service";
import type { BenchResult } from "./types";

// Two costs each API run pays on the one JavaScript thread, measured apart from the API bench
// (whose turn-to-turn noise is larger than either): turning a raw statement into text and
// parameters (compileSql against drizzle's builder), and writing a route's answer to its socket
// (Next.js flushes the headers on their own; server/boot/coalesced-headers.ts sends them with the
// body). Each figure is a median over alternating rounds of the two.

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (n: number) => n.toFixed(1);

/**
 * The statements an API run makes that are written here (start, end, read), as the app builds them
 * for PostgreSQL (with its NOTIFY parts), captured instead of run.
 */
async function runStatements(): Promise<SQL[]> {
  const captured: SQL[] = [];
  const db = {
    driver: "postgres",
    async rows(q: SQL) {
      captured.push(q);
      return [];
    },
  } as unknown as Database;
  const runId = "5b0e1c1e-1111-4222-8333-444455556666";
  await insertQueuedRun(
    db,
    { runId, missionId: "m-1", versionId: "v-1", input: { amount: 120, reason: "damaged", customer: "c-42" }, channel: "api", userId: "u-1", tokenBudget: null, costBudget: null, modelOverrides: null, rerunOf: null, simulation: null, nodeIds: ["trigger", "a", "b", "c", "d", "verdict"], text: "Run queued (version 1, api)", data: { status: "queued", version: 1, channel: "api" } },
    { action: "run.started", actor: { id: "u-1" }, targetType: "run", targetId: runId, runId, data: { missionId: "m-1", version: 1, channel: "api" } },
  );
  const held = ["a", "b", "c", "d"].map((nodeId, i) => ({ nodeId, to: "succeeded" as const, output: { step: i, amount: 120 }, attempt: 1, text: `${nodeId}: done` }));
  await markRunSucceeded(db, runId, { approve: "Approve" }, held, { outcome: "approve", summary: "Refund of 120 approved" });
  // No row comes back, so getRun stops after its read with "not found".
  await getRun(db, runId).catch(() => undefined);
  if (captured.length < 3) throw new Error(`expected 3 statements, captured ${captured.length}`);
  return captured;
}

/** µs per statement for each compiler; neither consumes a template, so every round compiles the same ones. */
function compileCosts(statements: SQL[]): { drizzleUs: number; oursUs: number } {
  const dialect = new PgDialect();
  const N = 4000;
  const time = (f: (q: SQL) => unknown) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) for (const s of statements) f(s);
    return ((performance.now() - t0) * 1000) / (N * statements.length);
  };
  const drizzle: number[] = [];
  const ours: number[] = [];
  for (let round = 0; round < 7; round++) {
    drizzle.push(time((q) => dialect.sqlToQuery(q)));
    ours.push(time((q) => compileSql(q)));
  }
  return { drizzleUs: median(drizzle), oursUs: median(ours) };
}

/** Server CPU per answer (µs) over `n` requests from 10 keep-alive clients, headers coalesced or not. */
async function answerCost(coalesced: boolean, n: number): Promise<number> {
  const server = fork(path.join(import.meta.dirname, "request-path-server.ts"), [coalesced ? "coalesced" : "plain"], {
    execArgv: ["--import", "tsx", "--conditions=react-server"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.once("message", (m) => resolve(m as number));
      server.once("exit", (code) => reject(new Error(`the answer server exited (${code})`)));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    const load = async (count: number) => {
      let sent = 0;
      const one = () =>
        new Promise<void>((resolve, reject) => {
          const req = http.request({ host: "127.0.0.1", port, path: "/api/v1/runs/x", method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
            res.resume();
            res.on("end", resolve);
          });
          req.on("error", reject);
          req.end("{}");
        });
      await Promise.all(Array.from({ length: 10 }, async () => {
        while (sent++ < count) await one();
      }));
    };
    const cpu = () =>
      new Promise<NodeJS.CpuUsage>((resolve) => {
        server.once("message", (m) => resolve(m as NodeJS.CpuUsage));
        server.send("cpu");
      });
    await load(2000);
    const a = await cpu();
    await load(n);
    const b = await cpu();
    agent.destroy();
    return (b.user + b.system - a.user - a.system) / n;
  } finally {
    server.kill();
  }
}

export async function run(): Promise<BenchResult[]> {
  const statements = await runStatements();
  const compile = compileCosts(statements);
  const plain: number[] = [];
  const coalesced: number[] = [];
  for (let round = 0; round < 5; round++) {
    plain.push(await answerCost(false, 10_000));
    coalesced.push(await answerCost(true, 10_000));
  }
  const [p, c] = [median(plain), median(coalesced)];
  return [
    {
      name: `raw statement → text and parameters (an API run's ${statements.length}: start, end, read)`,
      value: compile.oursUs,
      unit: "µs",
      target: +compile.drizzleUs.toFixed(1),
      better: "lower",
      notes: `drizzle's builder ${fmt(compile.drizzleUs)} µs per statement (target: below it); median of 7 alternating rounds`,
    },
    {
      name: "route answer, server CPU per request (Next.js's writer, 10 clients)",
      value: c,
      unit: "µs",
      target: +p.toFixed(1),
      better: "lower",
      notes: `headers flushed alone ${fmt(p)} µs → sent with the body ${fmt(c)} µs; median of 5 alternating rounds of 10,000`,
    },
  ];
}
