import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { api, Gone, killAll, killTargets, rng, startServer, type Server, type Target } from "./testing/kill-process";
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

const RUNS = 24;
const KILLS = 4;
/** The mission's Wait (server/engine/testing/kill-server.ts). */
const WAIT_MS = 2_000;

describe.each(killTargets())("kill -9 recovery on $name", ({ open }) => {
  let target: Target;
  let ledger: Ledger;
  let server: Server | undefined;
  beforeAll(async () => {
    target = await open();
    // Slow answers widen the window in which a kill lands between the booking and its answer.
    ledger = await startLedger({ answerDelayMs: 400 });
  });
  afterAll(async () => {
    await killAll();
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

      let aiming = false;
      /**
       * Looks at the latest acknowledged run; while its Wait sleeps, kills at a random moment before
       * it wakes. Tried again on each answer until it hits; once every run has started and the
       * latest one's Wait is over, the kill falls at `after`.
       */
      async function aimIntoWait(s: Server, keys: KillSetup, killIn: (ms: number) => unknown, after: number): Promise<void> {
        const runId = [...acknowledged.keys()].at(-1);
        if (aiming || !runId) return;
        aiming = true;
        try {
          const view = await api<{ nodes: { nodeId: string; status: string; startedAt: string | null }[] }>(s, "GET", `/api/v1/runs/${runId}`, keys.builderKey);
          const pause = view.body.nodes.find((n) => n.nodeId === "pause");
          const asleepFor = pause?.status === "waiting" && pause.startedAt ? Date.parse(pause.startedAt) + WAIT_MS - Date.now() : 0;
          if (asleepFor > 300) killIn(Math.round(50 + random() * (asleepFor - 250)));
          else if (acknowledged.size >= RUNS && pause?.status === "succeeded") killIn(after);
        } catch (e) {
          if (!(e instanceof Gone)) throw e;
        } finally {
          aiming = false;
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
          let timer: NodeJS.Timeout | undefined;
          const killIn = (ms: number) =>
            (timer ??= setTimeout(() => {
              kills.push(Date.now());
              s.child.kill("SIGKILL");
            }, ms));
          // Counted from the first answer: by then the process is warm and runs are in flight. The
          // first kill is aimed instead: inside a Wait seen asleep, so at least one wait must wake
          // after a restart. At random, every run could have started and woken before any kill.
          const keys = setup;
          const arm = round === 0 ? () => void aimIntoWait(s, keys, killIn, after) : () => killIn(after);
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
