import { afterAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import type { Database } from "@/server/db/database";
import { killAll, postgresTarget, rng, type Target } from "@/server/engine/testing/kill-process";
import { startLedger, type Ledger } from "@/server/engine/testing/ledger-mcp";
import { privatePostgresAvailable, startPrivatePostgres, type PrivatePostgres } from "@/test/private-postgres";
import { checkPayments, PaymentLoad, startCluster, waitReady, type Cluster } from "./testing/cluster";

// PostgreSQL itself restarted mid-load (`pg_ctl stop -m fast`, then start: what
// `pg_ctlcluster 15 main restart` does), under three replicas serving payment runs with approvals.
// The server is a private one (test/private-postgres.ts), so the restart cannot break the other
// test files that share the machine's PostgreSQL. replicas.test.ts covers the same outage cut at
// the network (proxies), a partition of one replica, and SIGKILLs.

const RUNS = Number(process.env.REPLICA_RUNS ?? 200);

describe.runIf(privatePostgresAvailable())("replicas when PostgreSQL restarts", () => {
  let server: PrivatePostgres | undefined;
  let db: Target | undefined;
  let ledger: Ledger | undefined;
  let cluster: Cluster | undefined;
  let database: Database | undefined;
  const seed = Number(process.env.REPLICA_SEED ?? crypto.randomInt(2 ** 31));
  const random = rng(seed);

  afterAll(async () => {
    await database?.close();
    await cluster?.stop();
    await ledger?.stop();
    await db?.drop().catch(() => {});
    await killAll();
    await server?.destroy();
  });

  it(`${RUNS} payment runs continue across a real PostgreSQL restart; the replicas reconnect without restarting`, async () => {
    console.log(`[pg-restart] seed ${seed} (REPLICA_SEED=${seed} reproduces the moment)`);
    server = await startPrivatePostgres();
    db = await postgresTarget(server.url);
    database = await db.open();
    ledger = await startLedger({ answerDelayMs: 200 });
    cluster = await startCluster(db, ledger, 3);
    const c = cluster;
    const load = new PaymentLoad(c, RUNS, random);
    const pids = c.replicas.map((r) => r.server.child.pid);
    const restartAt = 1_000 + random() * 3_000;
    let restart: Promise<{ stoppedAt: number; startedAt: number }> | undefined;
    const ms = await load.untilAllEnded(database, 180_000, async (elapsed) => {
      // In the background: clients keep sending requests while PostgreSQL is down.
      if (!restart && elapsed > restartAt) restart = (server as PrivatePostgres).restart(2_000);
    });
    const { stoppedAt, startedAt } = await (restart as Promise<{ stoppedAt: number; startedAt: number }>);
    expect(c.replicas.map((r) => r.server.child.pid)).toEqual(pids);
    for (const r of c.replicas) expect(r.server.child.exitCode, r.server.log.join("").slice(-3000)).toBeNull();
    const back = await Promise.all(c.replicas.map((r) => waitReady(r, true, 5_000)));
    const figures = await checkPayments(database, ledger, load);
    const lastError = Math.max(0, ...load.errors.map((e) => e.at - startedAt));
    const statuses = [...new Set(load.errors.map((e) => e.what.match(/: (\d{3}) /)?.[1] ?? e.what.slice(0, 60)))];
    console.log(
      `[pg-restart] ${RUNS} runs in ${(ms / 1000).toFixed(1)} s; PostgreSQL down ${startedAt - stoppedAt} ms; ${load.errors.length} client errors (${statuses.join(", ")}), the last ${lastError} ms after it was back; ready ${Math.max(...back)} ms after; ${JSON.stringify(figures)}`,
    );
    expect(figures.duplicateEffects).toBe(0);
    expect(figures.lostDecisions).toBe(0);
    // Errors only while PostgreSQL was down, and for a few seconds after it came back.
    expect(lastError, load.errors.map((e) => `${e.replica} failed ${e.at - startedAt} ms after the restart: ${e.what}`).join("\n")).toBeLessThan(5_000);
  }, 300_000);
});
