import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { api, killAll, killTargets, startServer, type Server, type Target } from "./testing/kill-process";
import { startLedger, type Ledger } from "./testing/ledger-mcp";
import { checkAllRuns } from "./testing/reliability";
import type { KillSetup } from "./testing/kill-server";

// kill -9 in the middle of a For each (issue #13). A real app process (testing/kill-server.ts) runs
// one For each over 200 items, one at a time; each item formats a line and sends it to a real MCP
// server's `tally` tool, which counts every call it receives. The process is SIGKILLed twice while
// the loop is midway (at 60 and 130 lines counted) and restarted on the same data. Afterwards the
// run has succeeded with 200 results, each item was recorded once, and no finished item ran again:
// a line the ledger received twice was in flight when a kill came (sent before it, recorded after).

const ITEMS = 200;
const KILL_AT = [60, 130];

describe.each(killTargets())("kill -9 during a For each on $name", ({ open }) => {
  let target: Target;
  let ledger: Ledger;
  beforeAll(async () => {
    target = await open();
    // Slow answers: kills land while calls are on their way back.
    ledger = await startLedger({ tallyDelayMs: 40 });
  });
  afterAll(async () => {
    await killAll();
    await ledger?.stop();
    await target?.drop();
  });

  it(
    `a For each over ${ITEMS} items survives ${KILL_AT.length} SIGKILLs, and no item runs twice`,
    async () => {
      const orders = Array.from({ length: ITEMS }, (_, i) => `o${i}`);
      let setup: KillSetup | undefined;
      let runId: string | undefined;
      const kills: number[] = [];
      let server: Server;

      for (const [round, count] of [...KILL_AT, null].entries()) {
        server = await startServer(target, round === 0 ? ledger.url : undefined);
        setup ??= server.setup;
        if (!setup) throw new Error(`the first start did not set up:\n${server.log.join("")}`);
        if (!runId) {
          const r = await api<{ runId: string }>(server, "POST", `/api/v1/missions/${setup.forEachMissionId}/runs`, setup.builderKey, { orders: orders.join(",") });
          expect(r.status, JSON.stringify(r.body)).toBe(202);
          runId = r.body.runId;
        }
        if (count === null) break;
        const deadline = Date.now() + 120_000;
        while (ledger.tallies.length < count) {
          if (Date.now() > deadline) throw new Error(`only ${ledger.tallies.length} lines counted after 120 s:\n${server.log.join("").slice(-4000)}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        kills.push(Date.now());
        server.child.kill("SIGKILL");
        await server.exited;
        // Midway: the loop had not finished when it was killed.
        expect(new Set(ledger.tallies.map((t) => t.key)).size).toBeLessThan(ITEMS);
      }

      const s = server!;
      const keys = setup as KillSetup;
      const deadline = Date.now() + 180_000;
      for (;;) {
        const r = await api<{ status: string }>(s, "GET", `/api/v1/runs/${runId}`, keys.builderKey);
        if (["succeeded", "failed", "cancelled"].includes(r.body.status)) {
          expect(r.body.status).toBe("succeeded");
          break;
        }
        if (Date.now() > deadline) throw new Error(`the run is still ${r.body.status} after 180 s:\n${s.log.join("").slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      s.child.kill("SIGTERM");
      await s.exited;

      const database = await target.open();
      try {
        expect((await checkAllRuns(database)).filter((r) => r.violations.length)).toEqual([]);
        const [loop] = await database.rows<{ output: string[] }>(sql`select output from run_node where run_id = ${runId} and node_id = 'lines'`);
        expect(loop?.output).toEqual(orders.map((o, i) => `${o}#${i}`));
        // Each item recorded once, whatever the kills.
        const records = await database.rows<{ index: number; at: string }>(
          sql`select (data->'forEach'->>'index')::int as index, at::text as at from observation where run_id = ${runId} and node_id = 'lines' and kind = 'text'`,
        );
        expect(records.map((r) => r.index).sort((a, b) => a - b)).toEqual(orders.map((_, i) => i));
        const recordedAt = new Map(records.map((r) => [r.index, Date.parse(r.at)]));

        // The receiving side: every item's line arrived under its own key, in order of items.
        const byKey = new Map<string, number[]>();
        for (const t of ledger.tallies) byKey.set(t.key ?? "", [...(byKey.get(t.key ?? "") ?? []), t.at]);
        expect([...byKey.keys()].sort()).toEqual(orders.map((_, i) => `${runId}:lines[${i}].tally`).sort());
        const repeated = [...byKey.entries()].filter(([, at]) => at.length > 1);
        for (const [key, at] of repeated) {
          const index = Number(/\[(\d+)\]/.exec(key)?.[1]);
          // Sent again only because a kill cut it off: the item was not finished before that kill.
          const cut = kills.find((k) => (at[0] as number) <= k && k < (at[at.length - 1] as number));
          expect(cut, `${key} sent at ${at.join(", ")}; kills at ${kills.join(", ")}`).toBeDefined();
          expect(recordedAt.get(index), `${key} was recorded before the kill that re-sent it`).toBeGreaterThan(cut as number);
        }
        // At most the item in flight at each kill is sent again.
        expect(ledger.tallies.length - ITEMS).toBeLessThanOrEqual(kills.length);
        console.log(`[for-each kill test] ${target.name}: ${ledger.tallies.length} calls for ${ITEMS} items, ${repeated.length} in flight at a kill and sent again`);
      } finally {
        await database.close();
      }
    },
    600_000,
  );
});
