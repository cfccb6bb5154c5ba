import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness, type Persona } from "@/test/app-harness";
import { createUser } from "@/server/auth/users";
import { createApiKey } from "@/server/auth/api-keys";
import type { MissionGraph } from "@/lib/mission/schema";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { FakeTools, testEngine, waitForRun, waitingDecision } from "@/server/engine/testing/harness";
import { startRun } from "@/server/runs/service";
import { createMission, saveVersion } from "@/server/missions/service";
import { publishForTest } from "@/test/publishing";
import { decisionsRouter } from "@/server/api/routers/decisions";
import { createCallerFactory, createContext } from "@/server/api/trpc";
import { stopNotificationLoop } from "@/server/notifications/loop";
import type { SendEvents } from "@/server/contracts/events";
import { sweepOnce } from "@/server/engine/sweeper";
import * as list from "./route";
import * as one from "./[id]/route";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

interface ErrorBody {
  error: { code: string; reason?: string; message: string; problems: { path: string; message: string }[] };
}

const REFUND_PROPOSED = [
  { name: "amount", label: "Amount", type: "number" as const, expression: "42.5", editable: true },
  { name: "currency", label: "Currency", type: "string" as const, expression: "'EUR'", editable: false },
];

/** A refund approval (amount editable) that leads straight to the refund tool, then a verdict. */
function refundGraph(name: string, approval: Record<string, unknown> = {}): MissionGraph {
  return mission(
    name,
    [
      node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
      node.approval("refund", {
        label: "Approve refund",
        title: "Refund for order",
        proposed: REFUND_PROPOSED,
        ...approval,
      }),
      node.action("pay", { label: "Issue refund", tool: "shop.issue_refund", args: { orderId: "trigger.orderId", amount: "refund.values.amount", currency: "refund.values.currency" } }),
      node.verdict("done", { outcomes: ["paid", "denied"], outcome: 'refund.approved ? "paid" : "denied"' }),
    ],
    edges("trigger->refund", "refund:approved->pay", "refund:rejected->done", "pay->done"),
  );
}

/** A gated tool call with no approval before it: the action itself asks. */
const gatedGraph = mission(
  "gated note",
  [
    node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
    node.action("note", { label: "Note it", tool: "shop.add_note", args: { amount: "12", note: "'refund noted'" } }),
    node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
  ],
  edges("trigger->note", "note->done"),
);

describe.each(testDatabases())("decisions REST and tRPC on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  const tools = new FakeTools().add("shop.issue_refund", { policy: "gated", handle: (a) => ({ refundId: `rf_${String(a.orderId)}`, ...a }) }).add("shop.add_note", { policy: "gated" });
  let secondApprover: { id: string; key: string };

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database, { tools });
    setEngineDeps({ send: engine.send, tools });
    await engine.executor.start({ workers: true });
    const u = await createUser(h.database.db, { email: "approver2@test.local", name: "Second Approver", password: "correct-horse-battery", roles: ["approver"] });
    secondApprover = { id: u.id, key: (await createApiKey(h.database.db, { name: "second" }, u.id)).key };
    // The tool's published input schema, as the connector layer stores it: its bounds apply to edits.
    await h.database.db.execute(sql`insert into connector (id, name, transport, config) values ('c_shop', 'shop', 'stdio', '{}'::jsonb)`);
    await h.database.db.execute(
      sql`insert into connector_tool (connector_id, name, description, input_schema, annotations, definition_hash, status)
          values ('c_shop', 'add_note', 'Adds a note', ${JSON.stringify({ type: "object", properties: { amount: { type: "number", exclusiveMinimum: 0, maximum: 100 }, note: { type: "string", minLength: 1 } } })}::jsonb,
                  '{}'::jsonb, 'h', 'approved')`,
    );
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await h?.close();
  });

  async function missionOf(graph: MissionGraph): Promise<string> {
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: graph.name }, builder);
    await saveVersion(h.database.db, m.id, { graph, message: "test" }, builder);
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    return m.id;
  }

  async function runAndWait(missionId: string, nodeId: string, startedBy: string = h.userId("builder")): Promise<{ runId: string; decisionId: string }> {
    const { runId } = await startRun(h.database, { missionId, userId: startedBy, input: { orderId: "1042" }, channel: "api" }, { send: engine.send });
    return { runId, decisionId: await waitingDecision(h.database, runId, nodeId) };
  }

  function headersFor(who: Persona | { key: string }): Headers {
    if (typeof who === "object") return new Headers({ "content-type": "application/json", authorization: `Bearer ${who.key}` });
    return h.headers(who);
  }

  function post(id: string, who: Persona | { key: string }, body: unknown) {
    return one.POST(new Request(`http://localhost/api/v1/decisions/${id}`, { method: "POST", headers: headersFor(who), body: JSON.stringify(body) }), {
      params: Promise.resolve({ id }),
    });
  }
  function get(id: string, who: Persona) {
    return one.GET(new Request(`http://localhost/api/v1/decisions/${id}`, { headers: h.headers(who) }), { params: Promise.resolve({ id }) });
  }
  function getList(who: Persona, query = "status=pending") {
    return list.GET(new Request(`http://localhost/api/v1/decisions?${query}`, { headers: h.headers(who) }));
  }

  it("lists, shows and decides as an approver; refuses a builder (403) and anonymous (401); 409 once decided", async () => {
    const missionId = await missionOf(refundGraph("Refunds REST"));
    const { runId, decisionId } = await runAndWait(missionId, "refund");

    expect((await getList("anonymous")).status).toBe(401);
    expect((await post(decisionId, "anonymous", { approve: true })).status).toBe(401);

    const listed = (await (await getList("approver")).json()) as { decisions: { id: string; summary: string; asker: { text: string }; canDecide: boolean }[]; pendingForMe: number };
    const mine = listed.decisions.find((d) => d.id === decisionId);
    expect(mine).toMatchObject({ summary: "Refund for order 1042: 42.50 EUR", asker: { text: "Approval step “Approve refund”" }, canDecide: true });
    expect(listed.pendingForMe).toBeGreaterThanOrEqual(1);
    // A builder's inbox ("mine") has nothing for them to decide; with scope=all they can read it.
    expect(((await (await getList("builder")).json()) as { decisions: unknown[] }).decisions).toEqual([]);
    const all = (await (await getList("builder", "status=all&scope=all")).json()) as { decisions: { id: string; canDecide: boolean; blocked: { code: string } }[] };
    expect(all.decisions.find((d) => d.id === decisionId)).toMatchObject({ canDecide: false, blocked: { code: "role" } });
    expect((await getList("approver", "status=bogus")).status).toBe(400);

    const asBuilder = await get(decisionId, "builder");
    expect(asBuilder.status).toBe(200);
    expect(((await asBuilder.json()) as { viewer: { canDecide: boolean; blocked: { code: string; message: string } } }).viewer).toMatchObject({
      canDecide: false,
      blocked: { code: "role", message: expect.stringContaining("needs the approver role") },
    });
    const refused = await post(decisionId, "builder", { approve: true });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ErrorBody).error).toMatchObject({ code: "forbidden", reason: "forbidden" });

    // Wrong type for a value, a non-editable value, a missing reason on reject: 400 naming the field.
    const badType = await post(decisionId, "approver", { approve: true, values: { amount: "forty" } });
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as ErrorBody).error).toMatchObject({ reason: "invalid_values", problems: [{ path: "values.amount", message: "must be a number" }] });
    const locked = await post(decisionId, "approver", { approve: true, values: { currency: "USD" } });
    expect(((await locked.json()) as ErrorBody).error.problems).toEqual([{ path: "values.currency", message: "is not editable" }]);
    const noReason = await post(decisionId, "approver", { approve: false });
    expect(noReason.status).toBe(400);
    expect(((await noReason.json()) as ErrorBody).error).toMatchObject({ reason: "reason_required", problems: [{ path: "reason" }] });
    const noApprove = await post(decisionId, "approver", { values: {} });
    expect(((await noApprove.json()) as ErrorBody).error.problems[0]?.path).toBe("approve");
    expect((await post("dec_nope", "approver", { approve: true })).status).toBe(404);

    const ok = await post(decisionId, "approver", { approve: true, values: { amount: 40 }, reason: "half of it, rounded down" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ decisionId, runId, status: "approved", resolved: true, message: expect.stringContaining("The run continues") });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    // The run continued with the edited amount: that is what the tool was called with.
    const calls = tools.calls.filter((c) => c.key === `${runId}:pay`);
    expect(calls.map((c) => c.args)).toEqual([{ orderId: "1042", amount: 40, currency: "EUR" }]);

    const again = await post(decisionId, "approver", { approve: true });
    expect(again.status).toBe(409);
    expect(((await again.json()) as ErrorBody).error).toMatchObject({ code: "conflict", reason: "not_pending", message: expect.stringMatching(/^Already approved by approver at .+: there is nothing left to decide\.$/) });

    // The audit log has the decision opened and decided, with the proposed and the final values.
    const audit = await h.database.rows<{ action: string; actor_id: string | null; data: Record<string, unknown> }>(
      sql`select action, actor_id, data from audit_log where target_id = ${decisionId} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(["decision.opened", "decision.decided"]);
    expect(audit[1]).toMatchObject({
      actor_id: h.userId("approver"),
      data: { status: "approved", before: { amount: 42.5, currency: "EUR" }, after: { amount: 40, currency: "EUR" }, edited: { amount: { from: 42.5, to: 40 } } },
    });
  });

  it("audits a vote cast with an API key as that key of its owner, with the key's id (REST and tRPC)", async () => {
    const keyOf = async (userId: string) => (await h.database.rows<{ id: string; prefix: string }>(sql`select id, prefix from api_key where user_id = ${userId} order by created_at limit 1`))[0]!;
    const missionId = await missionOf(refundGraph("Refunds by key", { requiredApprovals: 2 }));
    const { decisionId } = await runAndWait(missionId, "refund");
    expect((await post(decisionId, "approver", { approve: true })).status).toBe(200);
    const trpc = createCallerFactory(decisionsRouter)(await createContext({ headers: headersFor({ key: secondApprover.key }), database: h.database }));
    await trpc.decide({ decisionId, approve: true });
    const audit = await h.database.rows<{ action: string; actor_id: string; actor_label: string; data: Record<string, unknown> }>(
      sql`select action, actor_id, actor_label, data from audit_log where target_id = ${decisionId} and action in ('decision.voted', 'decision.decided') order by id`,
    );
    const first = await keyOf(h.userId("approver"));
    const second = await keyOf(secondApprover.id);
    expect(audit).toMatchObject([
      { action: "decision.voted", actor_id: h.userId("approver"), actor_label: `api key ${first.prefix} of approver@test.local`, data: { apiKeyId: first.id } },
      { action: "decision.decided", actor_id: secondApprover.id, actor_label: `api key ${second.prefix} of approver2@test.local`, data: { apiKeyId: second.id, status: "approved" } },
    ]);
  });

  it("refuses an oversized value up front with a 400 naming it, on REST and tRPC, and commits nothing", async () => {
    // Finding 8 of #18: a 1.9 MB rationale answered 500, yet the vote was committed and the run waited forever.
    const missionId = await missionOf(refundGraph("Refunds big rationale", { proposed: [...REFUND_PROPOSED, { name: "rationale", label: "Rationale", type: "string" as const, expression: "'Opened set'", editable: true }] }));
    const { runId, decisionId } = await runAndWait(missionId, "refund");
    const huge = "x".repeat(1_900_000);
    const res = await post(decisionId, "approver", { approve: true, values: { rationale: huge } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({
      reason: "invalid_values",
      problems: [{ path: "values.rationale", message: "is 1.9 MB; a decision value may be at most 16 KB" }],
    });
    const trpc = createCallerFactory(decisionsRouter)(await createContext({ headers: headersFor("approver"), database: h.database }));
    await expect(trpc.decide({ decisionId, approve: true, values: { rationale: huge } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { problems: [{ path: "values.rationale", message: expect.stringContaining("at most 16 KB") }] },
    });
    const [state] = await h.database.rows<{ status: string; votes: number }>(
      sql`select status, (select count(*)::int from decision_vote where decision_id = d.id) as votes from decision d where id = ${decisionId}`,
    );
    expect(state).toEqual({ status: "pending", votes: 0 });
    // A value of a sane size goes through, and the run finishes.
    expect((await post(decisionId, "approver", { approve: true, values: { rationale: "y".repeat(10_000) } })).status).toBe(200);
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
  });

  it("resumes a run whose decision was committed with an oversized value before votes were bounded", async () => {
    const missionId = await missionOf(refundGraph("Refunds stuck", { proposed: [...REFUND_PROPOSED, { name: "rationale", label: "Rationale", type: "string" as const, expression: "'Opened set'", editable: true }] }));
    const { runId, decisionId } = await runAndWait(missionId, "refund");
    // What the old code left behind: approved with a 1.9 MB rationale, its event refused as too large.
    const finalValues = { amount: 42.5, currency: "EUR", rationale: "x".repeat(1_900_000) };
    await h.database.db.execute(
      sql`update decision set status = 'approved', final_values = ${JSON.stringify(finalValues)}::jsonb, decided_by = ${h.userId("approver")},
            decided_at = now() - interval '1 minute', event_sent = false where id = ${decisionId}`,
    );
    // …and the approver's vote, which the action's check of the tool's policies reads.
    await h.database.db.execute(
      sql`insert into decision_vote (decision_id, user_id, approve, values) values (${decisionId}, ${h.userId("approver")}, true, ${JSON.stringify({ rationale: finalValues.rationale })}::jsonb)`,
    );
    const sent: number[] = [];
    const measuring: SendEvents = async (events) => {
      for (const e of [events].flat()) if (e.name === "decision/made") sent.push(JSON.stringify(e).length);
      await engine.send(events);
    };
    expect((await sweepOnce(h.database, measuring, { decisionGraceMs: 0 })).decisionsResent).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeLessThan(1_000);
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
  });

  it("answers a committed vote as decided even when telling the engine fails, and the sweeper delivers it later", async () => {
    const missionId = await missionOf(refundGraph("Refunds lost event"));
    const { runId, decisionId } = await runAndWait(missionId, "refund");
    const down: SendEvents = async (events) => {
      if ([events].flat().some((e) => e.name === "decision/made")) throw new Error("engine unreachable");
      await engine.send(events);
    };
    setEngineDeps({ send: down, tools });
    try {
      const res = await post(decisionId, "approver", { approve: true });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "approved", resolved: true });
    } finally {
      setEngineDeps({ send: engine.send, tools });
    }
    const [unsent] = await h.database.rows<{ event_sent: boolean }>(sql`select event_sent from decision where id = ${decisionId}`);
    expect(unsent?.event_sent).toBe(false);
    expect((await h.database.rows<{ status: string }>(sql`select status from run where id = ${runId}`))[0]?.status).toBe("waiting");
    const swept = await sweepOnce(h.database, engine.send, { decisionGraceMs: 0 });
    expect(swept.decisionsResent).toBeGreaterThanOrEqual(1);
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
  });

  it("one decision the engine refuses does not stop the sweeper delivering the others", async () => {
    const missionId = await missionOf(refundGraph("Refunds poison"));
    const a = await runAndWait(missionId, "refund");
    const b = await runAndWait(missionId, "refund");
    const refusing = (bad: string): SendEvents => async (events) => {
      if ([events].flat().some((e) => e.name === "decision/made" && e.data.decisionId === bad)) throw new Error("refused");
      if ([events].flat().some((e) => e.name === "decision/made")) throw new Error("engine unreachable");
      await engine.send(events);
    };
    setEngineDeps({ send: refusing(a.decisionId), tools });
    try {
      expect((await post(a.decisionId, "approver", { approve: true })).status).toBe(200);
      expect((await post(b.decisionId, "approver", { approve: true })).status).toBe(200);
    } finally {
      setEngineDeps({ send: engine.send, tools });
    }
    // Oldest first: a's delivery fails again; b's must still go out in the same sweep.
    const onlyA: SendEvents = async (events) => {
      if ([events].flat().some((e) => e.name === "decision/made" && e.data.decisionId === a.decisionId)) throw new Error("refused");
      await engine.send(events);
    };
    await sweepOnce(h.database, onlyA, { decisionGraceMs: 0 });
    expect(await waitForRun(h.database, b.runId, ["succeeded", "failed"])).toBe("succeeded");
    await sweepOnce(h.database, engine.send, { decisionGraceMs: 0 });
    expect(await waitForRun(h.database, a.runId, ["succeeded", "failed"])).toBe("succeeded");
  });

  it("two approvers at once: one wins, the other gets 409 naming the winner, and the refund happens once", async () => {
    const missionId = await missionOf(refundGraph("Refunds race"));
    for (let round = 0; round < 3; round++) {
      const { runId, decisionId } = await runAndWait(missionId, "refund");
      const [a, b] = await Promise.all([post(decisionId, "approver", { approve: true }), post(decisionId, { key: secondApprover.key }, { approve: true, values: { amount: 10 } })]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 409]);
      const loser = (await (a.status === 409 ? a : b).json()) as ErrorBody;
      const winnerName = a.status === 200 ? "approver" : "Second Approver";
      expect(loser.error.message).toContain(`Already approved by ${winnerName}`);
      expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect(tools.calls.filter((c) => c.key === `${runId}:pay`)).toHaveLength(1);
      const [votes] = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from decision_vote where decision_id = ${decisionId}`);
      expect(Number(votes?.n)).toBe(1);
    }
  });

  it("separation of duties: the requester cannot approve, and is told why", async () => {
    const missionId = await missionOf(refundGraph("Refunds SoD", { separationOfDuties: true }));
    const { runId, decisionId } = await runAndWait(missionId, "refund", h.userId("approver"));
    const detail = (await (await get(decisionId, "approver")).json()) as { viewer: { canDecide: boolean; blocked: { code: string; message: string } } };
    expect(detail.viewer).toMatchObject({ canDecide: false, blocked: { code: "separation_of_duties", message: expect.stringContaining("you started this run") } });
    const refused = await post(decisionId, "approver", { approve: true });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ErrorBody).error).toMatchObject({ reason: "separation_of_duties", message: expect.stringContaining("started this run") });
    expect((await post(decisionId, { key: secondApprover.key }, { approve: true })).status).toBe(200);
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
  });

  it("four-eyes: one approval is progress, the same person twice is 409, a second approver resolves it", async () => {
    const missionId = await missionOf(refundGraph("Refunds four-eyes", { requiredApprovals: 2 }));
    const { runId, decisionId } = await runAndWait(missionId, "refund");
    const first = await post(decisionId, "approver", { approve: true, values: { amount: 30 } });
    expect(await first.json()).toMatchObject({ status: "pending", resolved: false, approvals: 1, requiredApprovals: 2, message: expect.stringContaining("1 of 2 approvals") });
    const twice = await post(decisionId, "approver", { approve: true });
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as ErrorBody).error.reason).toBe("already_voted");
    const shown = (await (await get(decisionId, "approver")).json()) as { rules: { approvals: number; requiredApprovals: number }; viewer: { blocked: { code: string } } };
    expect(shown).toMatchObject({ rules: { approvals: 1, requiredApprovals: 2 }, viewer: { blocked: { code: "already_voted" } } });
    const second = await post(decisionId, { key: secondApprover.key }, { approve: true });
    expect(await second.json()).toMatchObject({ status: "approved", resolved: true, approvals: 2 });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(tools.calls.find((c) => c.key === `${runId}:pay`)?.args.amount).toBe(30);
  });

  it("checks edits of a gated tool call against the tool's input schema, naming the field", async () => {
    const missionId = await missionOf(gatedGraph);
    const { runId, decisionId } = await runAndWait(missionId, "note");
    const detail = (await (await get(decisionId, "approver")).json()) as { summary: string; asker: { kind: string; text: string }; valueRules: Record<string, unknown>; toolDescription: string };
    expect(detail).toMatchObject({
      summary: "add_note 12",
      asker: { kind: "action", text: "Action step “Note it” calls shop.add_note" },
      valueRules: { amount: { exclusiveMinimum: 0, maximum: 100 }, note: { minLength: 1 } },
    });
    const low = await post(decisionId, "approver", { approve: true, values: { amount: 0 } });
    expect(low.status).toBe(400);
    expect(((await low.json()) as ErrorBody).error).toMatchObject({ reason: "invalid_values", problems: [{ path: "values.amount", message: "must be more than 0" }] });
    const empty = await post(decisionId, "approver", { approve: true, values: { note: "" } });
    expect(((await empty.json()) as ErrorBody).error.problems).toEqual([{ path: "values.note", message: "must not be empty" }]);
    expect((await post(decisionId, "approver", { approve: true, values: { amount: 99 } })).status).toBe(200);
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(tools.calls.find((c) => c.key === `${runId}:note`)?.args).toEqual({ amount: 99, note: "refund noted" });
  });

  it("says what a rejection will do to this run: the action's rejected path when it is drawn, else the run fails", async () => {
    const withPath = mission(
      "gated note, rejected path",
      [
        node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
        node.action("note", { label: "Note it", tool: "shop.add_note", args: { amount: "12", note: "'refund noted'" } }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
        node.verdict("held", { outcomes: ["held"], outcome: "'held'" }),
      ],
      edges("trigger->note", "note->done", "note:rejected->held"),
    );
    for (const [graph, expected, status] of [
      [gatedGraph, "the tool is not called and the run fails (the action has no rejected path)", "failed"],
      [withPath, "the tool is not called and the run takes the action's rejected path", "succeeded"],
    ] as const) {
      const { runId, decisionId } = await runAndWait(await missionOf(graph), "note");
      const detail = (await (await get(decisionId, "approver")).json()) as { rules: { atExpiry: string; whenRejected: string } };
      expect(detail.rules).toMatchObject({ whenRejected: expected, atExpiry: `it is rejected automatically: ${expected}` });
      const res = await post(decisionId, "approver", { approve: false, reason: "not now" });
      expect(await res.json()).toMatchObject({ status: "rejected", message: `Rejected: ${expected}.` });
      // …and that is what happens.
      expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe(status);
    }
  });

  it("tRPC: the inbox, the badge count, the detail with reasoning, and a clear conflict", async () => {
    const caller = async (who: Persona | { key: string }) => createCallerFactory(decisionsRouter)(await createContext({ headers: headersFor(who), database: h.database }));
    const missionId = await missionOf(refundGraph("Refunds tRPC", { requiredApprovals: 1, timeout: "2h", onTimeout: "escalate", escalateTo: "admin" }));
    const { decisionId, runId } = await runAndWait(missionId, "refund");
    const approver = await caller("approver");
    const before = (await approver.pendingCount()).count;
    expect(before).toBeGreaterThanOrEqual(1);
    const inbox = await approver.list({ status: "pending", missionId });
    expect(inbox.items.map((i) => i.id)).toEqual([decisionId]);
    expect(inbox.missions.map((m) => m.id)).toContain(missionId);
    expect((await approver.list({ status: "pending", missionId, kind: "tool" })).items).toEqual([]);

    const detail = await approver.get({ decisionId });
    expect(detail.rules).toMatchObject({ timeout: "2h", onTimeout: "escalate", escalateTo: "admin", escalated: false, atExpiry: expect.stringContaining("escalated to the admin role") });
    expect(detail.run).toMatchObject({ id: runId, input: { orderId: "1042" } });
    expect(detail.reasoning.some((o) => o.kind === "decision" && o.text.includes("Decision requested"))).toBe(true);
    expect(detail.people[h.userId("builder")]).toMatchObject({ name: "builder" });

    expect((await (await caller("viewer")).pendingCount()).count).toBe(0);
    await expect((await caller("builder")).decide({ decisionId, approve: true })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const other = await caller({ key: secondApprover.key });
    await other.decide({ decisionId, approve: false, reason: "not this one" });
    expect((await approver.pendingCount()).count).toBe(before - 1);
    await expect(approver.decide({ decisionId, approve: true })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Already rejected by Second Approver") });
    const decided = await approver.list({ status: "decided", missionId });
    expect(decided.items[0]).toMatchObject({ id: decisionId, status: "rejected", reason: "not this one", decidedBy: { name: "Second Approver" }, blocked: { code: "not_pending" } });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
  });
});
