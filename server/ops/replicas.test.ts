import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import type { Database } from "@/server/db/database";
import { killAll, killTargets, rng, type Target } from "@/server/engine/testing/kill-process";
import { startLedger, type Ledger } from "@/server/engine/testing/ledger-mcp";
import { checkPayments, PaymentLoad, startCluster, waitReady, type Cluster, type Replica } from "./testing/cluster";

// Three real Steward replicas (server/engine/testing/kill-server.ts boots as the app does and
// serves its REST routes, /api/ready included) on one PostgreSQL database, each through a TCP
// proxy of its own, serving payment runs with approvals (a 2 s Wait, an approval, a real MCP
// ledger's `post`) spread over them as by a load balancer. Failures, each at seeded random moments
// (REPLICA_SEED=<printed seed> reproduces them):
//  - SIGKILL one replica, then a second; the last one finishes everything;
//  - the database goes away for every replica at once (as in a PostgreSQL restart: open
//    connections cut, new ones refused) and comes back; no replica is restarted;
//  - one replica is cut off from the database: it says not ready, the others carry on, it recovers.
// The database goes away through the proxies here: Vitest runs two files at once and others use the
// same PostgreSQL, which a real restart would break; postgres-restart.test.ts restarts a private one.
// Afterwards (checkPayments): every run ended once, every approved payment booked once on the
// ledger and no rejected one, no decision lost, nothing live past its deadline.
// Sizes (RUNS) fit each test in about a minute on a 2-core machine; docs/deployment.md has the figures.

const RUNS = Number(process.env.REPLICA_RUNS ?? 200);
const target = killTargets().find((t) => t.name === "postgres");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(target)("three replicas on PostgreSQL under failure", () => {
  let db: Target;
  let ledger: Ledger;
  let cluster: Cluster | undefined;
  let database: Database | undefined;
  const seed = Number(process.env.REPLICA_SEED ?? crypto.randomInt(2 ** 31));
  const random = rng(seed);

  beforeAll(async () => {
    console.log(`[replicas] seed ${seed} (REPLICA_SEED=${seed} reproduces the moments)`);
  });
  afterEach(async () => {
    await database?.close();
    database = undefined;
    await cluster?.stop();
    cluster = undefined;
    await ledger?.stop();
    await db?.drop();
  });
  afterAll(async () => {
    await killAll();
  });

  /** A database of its own, the ledger, three replicas; `database` reads it directly (not through the proxies). */
  async function fresh(): Promise<{ cluster: Cluster; load: PaymentLoad; database: Database }> {
    db = await target!.open();
    database = await db.open();
    // Slow answers widen the window in which a kill lands between the booking and its answer.
    ledger = await startLedger({ answerDelayMs: 200 });
    cluster = await startCluster(db, ledger, 3);
    return { cluster, load: new PaymentLoad(cluster, RUNS, random), database };
  }

  it(`${RUNS} payment runs survive SIGKILL of one replica, then a second, at random moments`, async () => {
    const { cluster: c, load, database } = await fresh();
    const [first, second] = [0, 1, 2].sort(() => random() - 0.5).map((i) => c.replicas[i] as Replica);
    const killAt = [2_000 + random() * 6_000, 0];
    killAt[1] = (killAt[0] as number) + 1_000 + random() * 5_000;
    const kills: { name: string; at: number; started: number; decided: number }[] = [];
    const kill = async (r: Replica) => {
      r.live = false;
      r.server.child.kill("SIGKILL");
      await r.server.exited;
      kills.push({ name: r.name, at: Date.now(), started: load.acknowledged.size, decided: load.votes.size });
    };
    const ms = await load.untilAllEnded(
      database,
      150_000,
      async (elapsed) => {
        if (kills.length === 0 && elapsed > (killAt[0] as number)) await kill(first as Replica);
        if (kills.length === 1 && elapsed > (killAt[1] as number)) await kill(second as Replica);
      },
      // The runs may all end before the second kill's moment (about 10 s for 200 on a quick machine).
      () => kills.length === 2,
    );
    expect(kills).toHaveLength(2);
    const figures = await checkPayments(database, ledger, load);
    console.log(
      `[replicas] kills: ${RUNS} runs in ${(ms / 1000).toFixed(1)} s; ${kills.map((k) => `${k.name} killed at ${k.started} runs started, ${k.decided} decided`).join("; ")}; ${JSON.stringify(figures)}; client errors ${load.errors.length}`,
    );
    expect(figures.duplicateEffects).toBe(0);
    expect(figures.lostDecisions).toBe(0);
    expect(load.errors).toEqual([]);
  }, 240_000);

  it(`${RUNS} payment runs continue when PostgreSQL goes away for every replica and returns, without restarting them`, async () => {
    const { cluster: c, load, database } = await fresh();
    const pids = c.replicas.map((r) => r.server.child.pid);
    const outageAt = 1_000 + random() * 3_000;
    const outageMs = 3_000;
    let outage: { from: number; to: number } | undefined;
    let during: Promise<void> | undefined;
    const ms = await load.untilAllEnded(database, 150_000, async (elapsed) => {
      // In the background: clients keep sending requests while the database is away.
      if (!during && elapsed > outageAt) {
        during = (async () => {
          const from = Date.now();
          await Promise.all(c.replicas.map((r) => r.proxy.down()));
          await sleep(outageMs);
          await Promise.all(c.replicas.map((r) => r.proxy.up()));
          outage = { from, to: Date.now() };
        })();
      }
    });
    await during;
    expect(outage).toBeDefined();
    // The same processes served throughout, and each is ready again.
    expect(c.replicas.map((r) => r.server.child.pid)).toEqual(pids);
    for (const r of c.replicas) expect(r.server.child.exitCode, r.server.log.join("").slice(-3000)).toBeNull();
    const back = await Promise.all(c.replicas.map((r) => waitReady(r, true, 5_000)));
    const figures = await checkPayments(database, ledger, load);
    const after = load.errors.filter((e) => e.at > (outage as { to: number }).to);
    const lastError = Math.max(0, ...load.errors.map((e) => e.at - (outage as { to: number }).to));
    console.log(
      `[replicas] outage: ${RUNS} runs in ${(ms / 1000).toFixed(1)} s; database away ${outageMs} ms, ${load.errors.length} client errors (${after.length} after it returned, the last ${lastError} ms after), longest error window ${load.longestErrorWindowMs()} ms; ready ${Math.max(...back)} ms after; ${JSON.stringify(figures)}`,
    );
    const to = (outage as { to: number }).to;
    const described = load.errors.map((e) => `${e.replica}, sent ${e.sent - to} ms after the database returned, failed ${e.at - to} ms after: ${e.what}`);
    expect(figures.duplicateEffects).toBe(0);
    expect(figures.lostDecisions).toBe(0);
    // Errors only while the database was away, and for a few seconds after it came back.
    expect(lastError, described.join("\n")).toBeLessThan(5_000);
  }, 240_000);

  it(`a replica cut off from the database says not ready within 5 s, the others carry ${RUNS} runs, and it recovers`, async () => {
    const { cluster: c, load, database } = await fresh();
    const cut = c.replicas[Math.floor(random() * 3)] as Replica;
    const cutAt = 1_000 + random() * 3_000;
    let figures: { notReadyMs: number; readyMs: number; othersReady: boolean } | undefined;
    const ms = await load.untilAllEnded(database, 150_000, async (elapsed) => {
      if (!figures && elapsed > cutAt) {
        // The load balancer takes it out when it says not ready.
        await cut.proxy.down();
        const notReadyMs = await waitReady(cut, false, 5_000);
        cut.live = false;
        // Meanwhile the others keep serving (the load goes on between the probes).
        for (let i = 0; i < 20; i++) await load.tick();
        const others = await Promise.all(c.replicas.filter((r) => r !== cut).map((r) => fetch(`http://127.0.0.1:${r.server.port}/api/ready`)));
        await cut.proxy.up();
        const readyMs = await waitReady(cut, true, 5_000);
        cut.live = true;
        figures = { notReadyMs, readyMs, othersReady: others.every((r) => r.status === 200) };
      }
    });
    expect(figures).toBeDefined();
    expect(figures?.othersReady).toBe(true);
    expect(figures?.notReadyMs).toBeLessThan(5_000);
    expect(figures?.readyMs).toBeLessThan(5_000);
    expect(cut.server.child.exitCode).toBeNull();
    const result = await checkPayments(database, ledger, load);
    console.log(
      `[replicas] partition: ${RUNS} runs in ${(ms / 1000).toFixed(1)} s; ${cut.name} not ready ${figures?.notReadyMs} ms after the cut, ready ${figures?.readyMs} ms after it returned; client errors ${load.errors.length}; ${JSON.stringify(result)}`,
    );
    expect(result.duplicateEffects).toBe(0);
    expect(result.lostDecisions).toBe(0);
  }, 240_000);
});
