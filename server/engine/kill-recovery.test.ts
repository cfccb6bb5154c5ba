import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "@/server/db/database";
import { startLedger, type Ledger } from "./testing/ledger-mcp";
import { checkAllRuns } from "./testing/reliability";
import type { KillSetup } from "./testing/kill-server";

// kill -9 at random moments. A real app process (server/engine/testing/kill-server.ts boots as the
// app does and serves the app's REST routes) runs many payment missions: approval → a real MCP
// server's state-changing tool → verdict. The test starts runs and decides approvals over REST
// while SIGKILLing the process at seeded random moments, restarting it on the same data each time.
// Afterwards: every run ended exactly once, every approved payment was booked exactly once on the
// receiving side and no rejected one was, no decision was lost, nothing is left running. Each run
// first sleeps 2 s in a Wait step: kills land during waits, which must wake once after a restart.
// Reproduce a failure with KILL_SEED=<the printed seed>.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SERVER = path.join(ROOT, "server/engine/testing/kill-server.ts");
const RUNS = 24;
const KILLS = 4;

/** mulberry32: small, seeded, good enough to pick moments. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Target {
  name: "pglite" | "postgres";
  env: Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

function pgliteTarget(): Target {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-kill-"));
  return {
    name: "pglite",
    env: { STEWARD_DATA_DIR: dir },
    open: () => openDatabase({ driver: "pglite", dataDir: dir }),
    drop: async () => {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}-audit-anchors.jsonl`, { force: true });
    },
  };
}

async function postgresTarget(url: string): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-kill-pg-"));
  const dbName = `steward_kill_${crypto.randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${dbName}`;
  return {
    name: "postgres",
    // Several replicas may share PostgreSQL, so a restart cannot release leases at once: a short
    // lease keeps the test quick.
    // Its own dir for what the server keeps beside the database (the engine's signing key, the
    // audit anchor file next to it), never the checkout's ./.steward.
    env: { DATABASE_URL: u.toString(), STEWARD_ENGINE_LEASE_MS: "3000", STEWARD_DATA_DIR: dir },
    open: () => openDatabase({ driver: "postgres", url: u.toString(), max: 2 }),
    async drop() {
      const again = postgres(url, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${dbName} with (force)`);
      await again.end();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}-audit-anchors.jsonl`, { force: true });
    },
  };
}

interface Server {
  child: ChildProcess;
  port: number;
  setup?: KillSetup;
  exited: Promise<void>;
  log: string[];
}

/** Every process started, so none outlives the test whatever fails. */
const spawned = new Set<ChildProcess>();

async function startServer(target: Target, ledgerUrl?: string): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", SERVER, ...(ledgerUrl ? [ledgerUrl] : [])], {
    cwd: ROOT,
    env: { ...process.env, ...target.env, STEWARD_DEMO: "0", STEWARD_EXECUTOR: "embedded", STEWARD_SECRET_KEY: "e".repeat(64), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let setup: KillSetup | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    // Generous: a boot takes seconds on a quiet machine, but this one is shared.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not start within 180 s:\n${log.join("")}`));
    }, 180_000);
    child.stderr?.on("data", (c: Buffer) => log.push(c.toString()));
    child.stdout?.on("data", (c: Buffer) => {
      const text = c.toString();
      log.push(text);
      const s = /^SETUP (.+)$/m.exec(text);
      if (s?.[1]) setup = JSON.parse(s[1]) as KillSetup;
      const r = /^READY (\d+)$/m.exec(text);
      if (r?.[1]) {
        clearTimeout(timer);
        resolve(Number(r[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the server exited before it was ready:\n${log.join("")}`));
    });
  });
  return { child, port, exited, log, ...(setup ? { setup } : {}) };
}

class Gone extends Error {}

/** One REST call; a refused or reset connection (the server was killed) throws Gone. */
async function api<T>(server: Server, method: string, url: string, key: string, body?: unknown): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${server.port}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  } catch (e) {
    // The connection may break a moment before the exit is reported.
    const died = await Promise.race([server.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2_000))]);
    if (died) throw new Gone();
    throw e;
  }
}

const targets: (() => Promise<Target>)[] = [async () => pgliteTarget()];
if (process.env.TEST_DATABASE_URL) {
  const url = process.env.TEST_DATABASE_URL;
  targets.push(() => postgresTarget(url));
}

describe.each(targets.map((open, i) => ({ open, name: i === 0 ? "pglite" : "postgres" })))("kill -9 recovery on $name", ({ open }) => {
  let target: Target;
  let ledger: Ledger;
  let server: Server | undefined;
  beforeAll(async () => {
    target = await open();
    // Slow answers widen the window in which a kill lands between the booking and its answer.
    ledger = await startLedger({ answerDelayMs: 400 });
  });
  afterAll(async () => {
    for (const child of spawned) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    }
    await ledger?.stop();
    await target?.drop();
  });

  it(
    `${RUNS} payment runs with approvals survive ${KILLS} SIGKILLs at random moments`,
    async () => {
      const seed = Number(process.env.KILL_SEED ?? crypto.randomInt(2 ** 31));
      console.log(`[kill test] ${target.name} seed ${seed} (KILL_SEED=${seed} reproduces the schedule)`);
      const random = rng(seed);
      let setup: KillSetup | undefined;
      /** Runs the API acknowledged, with the order each pays. */
      const acknowledged = new Map<string, string>();
      /** What we asked for per decision; the API may or may not have answered before the kill. */
      const votes = new Map<string, boolean>();
      /** When each SIGKILL was sent. */
      const kills: number[] = [];
      let attempts = 0;

      /** Starts runs and decides approvals until the server dies or `done` says stop. */
      async function drive(s: Server, keys: KillSetup, done: () => Promise<boolean>, onAnswer: () => void = () => {}): Promise<void> {
        try {
          while (!(await done())) {
            // A few starts at once, so kills find many runs in flight.
            // A start cut off by a kill may or may not be a run: orders are never reused, and the
            // checks below count the runs in the database.
            const starts = acknowledged.size < RUNS ? Array.from({ length: Math.min(4, RUNS - acknowledged.size) }, () => `order-${++attempts}`) : [];
            await Promise.all(
              starts.map(async (orderId) => {
                const r = await api<{ runId: string }>(s, "POST", `/api/v1/missions/${keys.missionId}/runs`, keys.builderKey, { orderId });
                expect(r.status, JSON.stringify(r.body)).toBe(202);
                acknowledged.set(r.body.runId, orderId);
              }),
            );
            onAnswer();
            const pending = await api<{ decisions: { id: string; canDecide: boolean }[] }>(s, "GET", "/api/v1/decisions?status=pending", keys.approverKey);
            expect(pending.status).toBe(200);
            await Promise.all(
              pending.body.decisions
                .filter((x) => x.canDecide)
                .map(async (d) => {
                  // A decision asked before a kill and still pending was never recorded: ask again, the same way.
                  const approve = votes.get(d.id) ?? random() < 0.8;
                  votes.set(d.id, approve);
                  const r = await api(s, "POST", `/api/v1/decisions/${d.id}`, keys.approverKey, approve ? { approve } : { approve, reason: "not this one" });
                  // 409: decided already (our vote landed, its answer did not).
                  expect([200, 409], JSON.stringify(r.body)).toContain(r.status);
                }),
            );
            await new Promise((r) => setTimeout(r, 30));
          }
        } catch (e) {
          if (!(e instanceof Gone)) throw e;
        }
      }

      const lives: string[] = [];
      for (let round = 0; round <= KILLS; round++) {
        const t0 = Date.now();
        server = await startServer(target, round === 0 ? ledger.url : undefined);
        const bootMs = Date.now() - t0;
        const life = () => `booted in ${bootMs} ms; at its end ${acknowledged.size} runs started, ${votes.size} decisions voted, ${ledger.calls.length} ledger calls`;
        setup ??= server.setup;
        if (!setup) throw new Error(`the first start did not set up:\n${server.log.join("")}`);
        const s = server;
        if (round < KILLS) {
          const after = Math.round(200 + random() * 2_800);
          // Counted from the first answer: by then the process is warm and runs are in flight.
          let timer: NodeJS.Timeout | undefined;
          const arm = () =>
            (timer ??= setTimeout(() => {
              kills.push(Date.now());
              s.child.kill("SIGKILL");
            }, after));
          await drive(s, setup, async () => s.child.exitCode !== null || s.child.signalCode !== null, arm);
          clearTimeout(timer);
          s.child.kill("SIGKILL");
          await s.exited;
          lives.push(`killed after ${after} ms; ${life()}`);
          continue;
        }
        // The last life: no kill. Finish starting and deciding until every run has ended.
        const keys = setup;
        const deadline = Date.now() + 120_000;
        await drive(s, keys, async () => {
          if (Date.now() > deadline) throw new Error(`runs still live after 120 s:\n${s.log.join("").slice(-4000)}`);
          if (acknowledged.size < RUNS) return false;
          const list = await api<{ items: { id: string; status: string }[] }>(s, "GET", `/api/v1/missions/${keys.missionId}/runs?limit=200`, keys.builderKey);
          return list.body.items.every((r) => ["succeeded", "failed", "cancelled"].includes(r.status));
        });
        s.child.kill("SIGTERM");
        await s.exited;
        lives.push(`last life: ${life()}`);
      }
      console.log(
        `[kill test] ${target.name}: ${ledger.calls.length} ledger calls, ${ledger.payments.size} payments\n  ${lives.join("\n  ")}`,
      );

      const database = await target.open();
      try {
        const reports = await checkAllRuns(database);
        expect(reports.filter((r) => r.violations.length)).toEqual([]);
        // Every start the API acknowledged is a run; starts cut off by a kill may be runs too.
        for (const id of acknowledged.keys()) expect(reports.map((r) => r.runId)).toContain(id);
        expect(reports.length).toBeGreaterThanOrEqual(acknowledged.size);
        expect(reports.length).toBeLessThanOrEqual(attempts);
        expect(reports.filter((r) => r.status !== "succeeded")).toEqual([]);

        const rows = await database.rows<{ id: string; order_id: string; decision: string; verdict: string | null; pay: string }>(
          sql`select r.id, r.input->>'orderId' as order_id, d.status as decision, r.verdict->>'outcome' as verdict, n.status as pay
              from run r join decision d on d.run_id = r.id and d.node_id = 'review' join run_node n on n.run_id = r.id and n.node_id = 'pay'`,
        );
        expect(rows).toHaveLength(reports.length);
        for (const r of rows) {
          // No decision lost: each was decided as we voted, and it led where it should.
          expect(r.decision, `run ${r.id}`).toBe(votes.get((await decisionOf(database, r.id)) ?? "") ? "approved" : "rejected");
          // Status texts name the approver, not their id.
          const [said] = await database.rows<{ text: string }>(
            sql`select text from observation where run_id = ${r.id} and node_id = 'review' and kind = 'status' and data->>'status' = 'succeeded'`,
          );
          expect(said?.text).toBe(`review ${r.decision} by Kill Approver`);
          if (r.decision === "approved") {
            expect(ledger.payments.get(`${r.id}:pay`)?.orderId, `run ${r.id}`).toBe(r.order_id);
            expect(ledger.paymentsForOrder(r.order_id), `payments for ${r.order_id}`).toBe(1);
            expect([r.pay, r.verdict]).toEqual(["succeeded", "paid"]);
          } else {
            expect(ledger.paymentsForOrder(r.order_id), `payments for rejected ${r.order_id}`).toBe(0);
            expect([r.pay, r.verdict]).toEqual(["skipped", "denied"]);
          }
        }
        // Every call carried a key, and every payment belongs to an approved run (calls beyond the
        // payments are retries after a kill: the ledger saw the same key again).
        expect(ledger.calls.filter((c) => !c.key)).toEqual([]);
        expect(ledger.payments.size).toBe(rows.filter((r) => r.decision === "approved").length);
        // Every Wait woke once and went on; some were asleep when the process was killed.
        const waits = await database.rows<{ run_id: string; started_at: string; ended_at: string; waiting: number; woke: number }>(
          sql`select n.run_id, n.started_at::text as started_at, n.ended_at::text as ended_at,
                     (select count(*)::int from observation o where o.run_id = n.run_id and o.node_id = 'pause' and o.kind = 'status' and o.data->>'status' = 'waiting') as waiting,
                     (select count(*)::int from observation o where o.run_id = n.run_id and o.node_id = 'pause' and o.kind = 'status' and o.data->>'status' = 'succeeded') as woke
              from run_node n where n.node_id = 'pause' and n.status = 'succeeded'`,
        );
        expect(waits).toHaveLength(reports.length);
        for (const w of waits) expect([w.waiting, w.woke], `run ${w.run_id}`).toEqual([1, 1]);
        const slept = waits.filter((w) => kills.some((k) => Date.parse(w.started_at) < k && k < Date.parse(w.ended_at)));
        console.log(`[kill test] ${target.name}: ${slept.length} of ${waits.length} waits spanned a kill`);
        expect(slept.length).toBeGreaterThan(0);
        const [live] = await database.rows<{ n: number }>(sql`select count(*)::int as n from engine_run where status = 'running' and fn_id <> 'steward-mission-schedules'`); // the schedules' tick may be mid-minute
        expect(Number(live?.n)).toBe(0);
      } finally {
        await database.close();
      }
    },
    // Minutes on a loaded machine: six boots of the app.
    600_000,
  );
});

async function decisionOf(database: Database, runId: string): Promise<string | undefined> {
  const [d] = await database.rows<{ id: string }>(sql`select id from decision where run_id = ${runId} and node_id = 'review'`);
  return d?.id;
}
