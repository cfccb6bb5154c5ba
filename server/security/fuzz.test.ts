import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { body, mutate, prng } from "@/test/fuzz";
import { getTemplate } from "@/lib/mission/templates";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { eventually, FakeTools, seedMission, testEngine, waitingDecision } from "@/server/engine/testing/harness";
import { PEER_HEADER } from "@/server/portal/client-address";
import { instantPortal } from "@/server/portal/testing";
import { stopNotificationLoop } from "@/server/notifications/loop";
import * as missions from "@/app/api/v1/missions/route";
import * as missionRuns from "@/app/api/v1/missions/[id]/runs/route";
import * as decision from "@/app/api/v1/decisions/[id]/route";
import * as portal from "@/app/api/v1/portal/[slug]/submissions/route";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

// 1,000 hostile requests at the entry points a builder, an integration and a portal visitor reach:
// none may answer 5xx, and no run may be left stuck.
const PER_ENTRY = 250;

const approvalMission = mission(
  "fuzzed approvals",
  [
    node.trigger("trigger", {
      channels: ["manual", "api"],
      fields: [
        { name: "orderId", label: "Order", type: "string", required: true },
        { name: "note", label: "Note", type: "text", required: false },
      ],
    }),
    node.approval("review", {
      label: "Review",
      proposed: [
        { name: "amount", label: "Amount", type: "number", expression: "10", editable: true },
        { name: "note", label: "Note", type: "string", expression: "'n'", editable: true },
      ],
    }),
    node.action("pay", { tool: "shop.pay", args: { orderId: "trigger.orderId", amount: "review.values.amount", note: "review.values.note" } }),
    node.verdict("done", { outcomes: ["paid", "denied"], outcome: 'review.approved ? "paid" : "denied"', summary: "'order ' + trigger.orderId + ': ' + review.values.note" }),
  ],
  edges("trigger->review", "review:approved->pay", "review:rejected->done", "pay->done"),
);

describe.each(testDatabases())("hostile input at every entry point, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  const tools = new FakeTools().add("shop.pay", { policy: "gated" });
  let approvals: { missionId: string };
  const statuses = new Map<string, number[]>();
  const record = (entry: string, status: number, input: string) => {
    statuses.set(entry, [...(statuses.get(entry) ?? []), status]);
    if (status >= 500) throw new Error(`${entry} answered ${status} to ${input.slice(0, 300)}`);
  };

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database, { tools });
    setEngineDeps({ send: engine.send, tools });
    await engine.executor.start({ workers: true });
    approvals = await seedMission(h.database, approvalMission);
    await seedMission(h.database, instantPortal("fuzz"));
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await h?.close();
  });

  it(`mission documents: ${PER_ENTRY} mutated imports answer 2xx or 4xx`, async () => {
    const r = prng(1);
    const base = getTemplate("refund")!.graph();
    for (let i = 0; i < PER_ENTRY; i++) {
      const doc = body(mutate(base, r));
      const res = await missions.POST(new Request("http://localhost/api/v1/missions", { method: "POST", headers: h.headers("builder"), body: doc }));
      record("import", res.status, doc);
    }
    expect(statuses.get("import")?.some((s) => s === 201 || s === 422 || s === 400)).toBe(true);
  });

  it(`run inputs: ${PER_ENTRY} mutated starts answer 2xx or 4xx`, async () => {
    const r = prng(2);
    for (let i = 0; i < PER_ENTRY; i++) {
      const input = body(mutate({ orderId: `o${i}`, note: "hello" }, r));
      const res = await missionRuns.POST(
        new Request(`http://localhost/api/v1/missions/${approvals.missionId}/runs`, { method: "POST", headers: h.headers("builder"), body: input }),
        { params: Promise.resolve({ id: approvals.missionId }) },
      );
      record("run", res.status, input);
    }
    expect(statuses.get("run")).toContain(202);
  });

  it(`decision votes: ${PER_ENTRY} mutated votes answer 2xx or 4xx, and every decided run moves on`, async () => {
    const r = prng(3);
    const pending = await h.database.rows<{ id: string }>(sql`select id from run where mission_id = ${approvals.missionId} and status <> 'failed' order by created_at limit 25`);
    const decisionIds: string[] = [];
    for (const run of pending) decisionIds.push(await waitingDecision(h.database, run.id, "review", 60_000));
    for (let i = 0; i < PER_ENTRY; i++) {
      const id = decisionIds[i % decisionIds.length]!;
      const vote = body(mutate({ approve: r() < 0.5, values: { amount: 5, note: "fine" }, reason: "because" }, r));
      const res = await decision.POST(new Request(`http://localhost/api/v1/decisions/${id}`, { method: "POST", headers: h.headers("approver"), body: vote }), {
        params: Promise.resolve({ id }),
      });
      record("vote", res.status, vote);
    }
    expect(statuses.get("vote")).toContain(200);
  });

  it(`portal submissions: ${PER_ENTRY} mutated forms answer 2xx or 4xx`, async () => {
    const r = prng(4);
    for (let i = 0; i < PER_ENTRY; i++) {
      const form = body(mutate({ orderId: "1042", email: "dana@example.com" }, r));
      const res = await portal.POST(
        new Request("http://localhost/api/v1/portal/fuzz/submissions", {
          method: "POST",
          // What the server's socket stamp says: one visitor per address, so the rate limit lets most through.
          headers: { "content-type": "application/json", [PEER_HEADER]: `198.51.${Math.floor(i / 5)}.${i % 5}` },
          body: form,
        }),
        { params: Promise.resolve({ slug: "fuzz" }) },
      );
      record("portal", res.status, form);
    }
    const got = statuses.get("portal") ?? [];
    expect(got).toContain(201);
    expect(got).toContain(400);
    expect(got.filter((s) => s === 429).length).toBeLessThan(got.length / 4);
  });

  it("leaves no run stuck: each ends, or waits on a decision that is still pending", async () => {
    await eventually(async () => {
      const [row] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run where status in ('queued', 'running')`);
      return Number(row?.n) === 0;
    }, 120_000, "every run to end or wait");
    const stuck = await h.database.rows<{ id: string }>(
      sql`select r.id from run r where r.status = 'waiting'
          and not exists (select 1 from decision d where d.run_id = r.id and d.status = 'pending')`,
    );
    await eventually(async () => {
      const again = await h.database.rows<{ id: string }>(
        sql`select r.id from run r where r.status = 'waiting' and not exists (select 1 from decision d where d.run_id = r.id and d.status = 'pending')`,
      );
      return again.length === 0;
    }, 60_000, `runs waiting on nothing: ${stuck.map((s) => s.id).join(", ")}`);
  });
});
