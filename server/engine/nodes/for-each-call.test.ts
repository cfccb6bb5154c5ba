import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { callDataSchema, forEachDataSchema, transformDataSchema, type MissionGraph, type MissionNode } from "@/lib/mission/schema";
import { validateMission } from "@/lib/mission/validate";
import type { Database } from "@/server/db/database";
import { decide } from "@/server/decisions/decide";
import { childRunId } from "@/server/runs/children";
import { getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { eventually, seedMission, testEngine, waitForRun, waitingDecision } from "../testing/harness";
import { edges, mission, node } from "../testing/missions";

// Call mission inside a For each (issue #13): each item that reaches the Call starts its own child
// run, under the item-scoped step id (`tickets[2].escalate`), once — also when the engine dies while
// a child waits and another executor replays the parent from its memoized steps.

const inside = (n: MissionNode): MissionNode => ({ ...n, parentId: "tickets", position: { x: 20, y: 40 } });

/** The called mission: trigger(amount) → an approval above 200 → verdict big|small. */
const escalation = (): MissionGraph =>
  mission(
    "Escalate ticket",
    [
      node.trigger("start", { fields: [{ name: "amount", type: "number" }] }),
      node.condition("huge", { branches: [{ id: "yes", expression: "trigger.amount > 200" }] }),
      node.approval("review", { separationOfDuties: true }),
      node.verdict("done", { outcomes: ["escalated"], outcome: "'escalated'", summary: "'escalated ' + string(trigger.amount)" }),
    ],
    edges("start->huge", "huge:yes->review", "huge:else->done", "review:approved->done"),
  );

/** trigger → For each ticket: a Transform formats it, a Condition sends those over 100 to a Call → verdict. */
function digest(calleeId: string): MissionGraph {
  return mission(
    "Ticket digest",
    [
      node.trigger("start"),
      { id: "tickets", kind: "forEach", position: { x: 300, y: 0 }, data: forEachDataSchema.parse({ items: '[{"id": 1, "amount": 50}, {"id": 2, "amount": 150}, {"id": 3, "amount": 250}]', concurrency: 3 }) },
      inside({ id: "line", kind: "transform", position: { x: 0, y: 0 }, data: transformDataSchema.parse({ values: [{ name: "text", type: "string", expression: '"#" + string(item.id) + ": " + string(item.amount)' }] }) }),
      inside(node.condition("over", { branches: [{ id: "yes", expression: "item.amount > 100" }] })),
      inside({ id: "escalate", kind: "call", position: { x: 0, y: 0 }, data: callDataSchema.parse({ missionId: calleeId, input: [{ field: "amount", expression: "item.amount" }] }) }),
      node.verdict("done", { outcomes: ["sent"], outcome: "'sent'", summary: "string(size(tickets)) + ' tickets'" }),
    ],
    edges("start->tickets", "tickets->done", "line->over", "over:yes->escalate"),
  );
}

describe.each(testDatabases())("Call mission inside a For each on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  const children = (runId: string) =>
    database.rows<{ id: string; status: string; parent_node_id: string; input: Record<string, unknown> }>(
      sql`select id, status, parent_node_id, input from run where parent_run_id = ${runId} order by parent_node_id`,
    );

  it("starts one child per item over the threshold under its item-scoped step id, and a restart mid-wait starts none again", async () => {
    const callee = await seedMission(database, escalation());
    const graph = digest(callee.missionId);
    expect(validateMission(graph).problems).toEqual([]);
    const caller = await seedMission(database, graph);

    const first = testEngine(database, { executor: { leaseMs: 600 } });
    await first.executor.start();
    const { runId } = await startRun(database, { missionId: caller.missionId, userId: caller.starter }, { send: first.send });
    // Ticket 3's child waits for a person; ticket 2's child has finished by then.
    const waiting = childRunId(runId, "node:tickets[2].escalate");
    const decisionId = await waitingDecision(database, waiting, "review");
    await eventually(async () => (await children(runId)).some((c) => c.parent_node_id === "tickets[1].escalate" && c.status === "succeeded"));
    // The parent waits as long as its child may: its deadline is past the progress window's hour.
    const [deadline] = await database.rows<{ days: number }>(sql`select extract(epoch from deadline_at - now())::float / 86400 as days from run where id = ${runId}`);
    expect(deadline?.days).toBeGreaterThan(300);
    first.executor.kill();

    // Another executor takes over: the parent replays from its memoized steps.
    const second = testEngine(database, { executor: { leaseMs: 600 } });
    await second.executor.start();
    try {
      await decide(database, { decisionId, userId: callee.approvers[0] as string, userRoles: ["approver"], approve: true }, { send: second.send });
      expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");

      const kids = await children(runId);
      expect(kids).toEqual([
        { id: childRunId(runId, "node:tickets[1].escalate"), status: "succeeded", parent_node_id: "tickets[1].escalate", input: { amount: 150 } },
        { id: waiting, status: "succeeded", parent_node_id: "tickets[2].escalate", input: { amount: 250 } },
      ]);
      // Each child was started once: one "started" record and one engine run each.
      for (const kid of kids) {
        const [queued] = await database.rows<{ n: number }>(sql`select count(*)::int as n from observation where run_id = ${kid.id} and kind = 'status' and data->>'status' = 'queued'`);
        expect(queued?.n, kid.parent_node_id).toBe(1);
        const [engineRuns] = await database.rows<{ n: number }>(sql`select count(*)::int as n from engine_run where event->'data'->>'runId' = ${kid.id}`);
        expect(engineRuns?.n, kid.parent_node_id).toBe(1);
      }

      // Each item's start and end of its child, on the Call step on the canvas (the run page lists them there).
      const notes = await database.rows<{ text: string; data: { step: string; childRunId: string; childStatus: string } }>(
        sql`select text, data from observation where run_id = ${runId} and node_id = 'escalate' and kind = 'text' order by id`,
      );
      expect(notes.map((n) => [n.data.step, n.data.childRunId, n.data.childStatus]).sort()).toEqual([
        ["tickets[1].escalate", kids[0]?.id, "succeeded"],
        ["tickets[1].escalate", kids[0]?.id, "waiting"],
        ["tickets[2].escalate", waiting, "succeeded"],
        ["tickets[2].escalate", waiting, "waiting"],
      ]);
      expect(notes.map((n) => n.text)).toContain(`tickets[2].escalate: child run ${waiting.slice(0, 8)} of Escalate ticket succeeded — verdict escalated`);

      // The For each's results, item by item: the Call's output where it ran, the Condition's otherwise.
      const results = (await getRun(database, runId)).nodes.find((n) => n.nodeId === "tickets")?.output as { runId?: string; verdict?: unknown }[];
      expect(results).toHaveLength(3);
      expect(results[1]).toMatchObject({ runId: kids[0]?.id, verdict: { outcome: "escalated", summary: "escalated 150" } });
      expect(results[2]).toMatchObject({ runId: waiting, verdict: { outcome: "escalated", summary: "escalated 250" } });
      expect((await getRun(database, runId)).verdict).toEqual({ outcome: "sent", summary: "3 tickets" });
    } finally {
      await second.executor.stop();
      await first.executor.stop();
    }
  });
});
