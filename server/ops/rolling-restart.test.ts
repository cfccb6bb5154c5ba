import { afterAll, afterEach, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { killAll, killTargets, rng, type Target } from "@/server/engine/testing/kill-process";
import { startLedger, type Ledger } from "@/server/engine/testing/ledger-mcp";
import { checkPayments, PaymentLoad, startCluster, waitReady, type Cluster, type Replica } from "./testing/cluster";

// Graceful shutdown with steps in flight, on real processes (server/engine/testing/kill-server.ts,
// which installs the app's SIGTERM handler from server/boot/boot.ts) on PostgreSQL:
//  - SIGTERM while payments are being booked: the steps finish and are recorded, the process exits
//    0 holding no lease, and nothing runs twice (the ledger saw each payment once);
//  - SIGTERM with a grace shorter than the step: the process exits at the grace and hands the
//    leases back, so the next replica runs the steps at once rather than after the lease expires;
//  - a rolling restart of three replicas under load (SIGTERM, start again, ready, the next one)
//    loses nothing and no step runs twice.
// The payment runs and the checks are those of server/ops/replicas.test.ts.

const RUNS = Number(process.env.ROLLING_RUNS ?? 200);
const target = killTargets().find((t) => t.name === "postgres");

describe.runIf(target)("graceful shutdown of replicas with steps in flight", () => {
  let db: Target | undefined;
  let ledger: Ledger | undefined;
  let cluster: Cluster | undefined;
  let database: Database | undefined;
  const seed = Number(process.env.ROLLING_SEED ?? crypto.randomInt(2 ** 31));
  const random = rng(seed);
  console.log(`[rolling] seed ${seed} (ROLLING_SEED=${seed} reproduces the moments)`);

  afterEach(async () => {
    await database?.close();
    await cluster?.stop();
    await ledger?.stop();
    await db?.drop();
    database = cluster = ledger = db = undefined;
  });
  afterAll(async () => {
    await killAll();
  });

  async function fresh(size: number, answerDelayMs: number, env: Record<string, string> = {}) {
    db = await target!.open();
    database = await db.open();
    ledger = await startLedger({ answerDelayMs });
    cluster = await startCluster(db, ledger, size, env);
    return { cluster, database, ledger };
  }

  const leasesHeld = async (d: Database) =>
    Number((await d.rows<{ n: number }>(sql`select count(*)::int as n from engine_job where locked_until > clock_timestamp()`))[0]?.n);

  async function sigterm(r: Replica): Promise<{ code: number | null; ms: number }> {
    r.live = false;
    const from = Date.now();
    r.server.child.kill("SIGTERM");
    await r.server.exited;
    return { code: r.server.child.exitCode, ms: Date.now() - from };
  }

  /** Starts `n` runs and approves them all, until `until` says the moment has come. */
  async function load(c: Cluster, n: number, until: () => boolean): Promise<PaymentLoad> {
    const l = new PaymentLoad(c, n, () => 0);
    for (let i = 0; !until(); i++) {
      if (i > 600) throw new Error("the moment never came");
      await l.tick();
      await new Promise((r) => setTimeout(r, 50));
    }
    return l;
  }

  it("SIGTERM while payments are booked: the steps finish, no lease is left, nothing runs twice", async () => {
    const { cluster: c, database: d, ledger: l } = await fresh(1, 1_500);
    const replica = c.replicas[0] as Replica;
    // The moment: payments are being booked (the ledger has calls it has not answered yet).
    const payments = await load(c, 12, () => l.calls.length >= 3);
    const stop = await sigterm(replica);
    const log = replica.server.log.join("");
    expect(stop.code, log.slice(-3000)).toBe(0);
    expect(log).toMatch(/\[shutdown\] running steps finished in \d+ ms/);
    expect(await leasesHeld(d)).toBe(0);
    const inFlight = l.calls.length;
    // What was in flight was recorded: a new process finishes the rest and books nothing twice.
    await c.restart(0);
    await payments.untilAllEnded(d, 120_000);
    const figures = await checkPayments(d, l, payments);
    console.log(`[rolling] SIGTERM with ${inFlight} payments in flight: exited 0 after ${stop.ms} ms; ${JSON.stringify(figures)}`);
    expect(l.calls.length).toBe(l.payments.size);
  }, 180_000);

  it("SIGTERM with a grace shorter than the step: exits at the grace and hands the leases back", async () => {
    // Leases far longer than the test: a lease left behind would hold its step for a minute.
    const { cluster: c, database: d, ledger: l } = await fresh(1, 4_000, { STEWARD_SHUTDOWN_GRACE_MS: "500", STEWARD_ENGINE_LEASE_MS: "60000" });
    const replica = c.replicas[0] as Replica;
    const payments = await load(c, 6, () => l.calls.length >= 2);
    const stop = await sigterm(replica);
    const log = replica.server.log.join("");
    expect(stop.code, log.slice(-3000)).toBe(0);
    expect(await leasesHeld(d)).toBe(0);
    expect(log).toMatch(/\[shutdown\] steps still running after 0.5 s; exiting: gave back the leases of [1-9]\d* job/);
    await c.restart(0);
    const ms = await payments.untilAllEnded(d, 40_000);
    const figures = await checkPayments(d, l, payments);
    console.log(`[rolling] grace 0.5 s with ${l.payments.size} payments in flight: exited after ${stop.ms} ms; the next start finished them in ${ms} ms; ${JSON.stringify(figures)}`);
  }, 180_000);

  it(`a rolling restart of three replicas under load (${RUNS} payment runs) loses nothing`, async () => {
    const { cluster: c, database: d, ledger: l } = await fresh(3, 200);
    const payments = new PaymentLoad(c, RUNS, random);
    const restarts: string[] = [];
    let rolling: Promise<void> | undefined;
    let rolled = false;
    const ms = await payments.untilAllEnded(
      d,
      240_000,
      async (elapsed) => {
      // In the background, one replica after the other, while clients keep sending requests.
      if (rolling || elapsed < 2_000) return;
      rolling = (async () => {
        for (let i = 0; i < c.replicas.length; i++) {
          const stop = await sigterm(c.replicas[i] as Replica);
          expect(stop.code, (c.replicas[i] as Replica).server.log.join("").slice(-3000)).toBe(0);
          const from = Date.now();
          const again = await c.restart(i);
          again.live = false;
          await waitReady(again, true, 30_000);
          again.live = true;
          restarts.push(`${again.name}: drained in ${stop.ms} ms, back in ${Date.now() - from} ms at ${payments.acknowledged.size} runs started, ${payments.votes.size} decided`);
          await new Promise((r) => setTimeout(r, 1_000 + random() * 2_000));
        }
        rolled = true;
      })();
      },
      // The load goes on until the last replica is back.
      () => rolled,
    );
    await rolling;
    expect(restarts).toHaveLength(3);
    const figures = await checkPayments(d, l, payments);
    console.log(`[rolling] ${RUNS} runs in ${(ms / 1000).toFixed(1)} s; ${restarts.join("; ")}; ${JSON.stringify(figures)}; client errors ${payments.errors.length}`);
    const erring = new Set(payments.errors.map((e) => e.replica));
    const logs = c.replicas.filter((r) => erring.has(r.name)).map((r) => `${r.name}:\n${r.server.log.join("").slice(-6000)}`);
    expect(payments.errors, logs.join("\n")).toEqual([]);
    // Every step in flight at a SIGTERM finished there: no payment was sent twice.
    expect(l.calls.length).toBe(l.payments.size);
  }, 300_000);
});
