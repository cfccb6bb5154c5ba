import { afterAll, beforeAll, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import type { EngineEvent } from "@/server/contracts/events";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { seedMission, testEngine, waitForRun, type SeededMission } from "@/server/engine/testing/harness";
import { startRun } from "@/server/runs/service";
import { decide } from "./decide";
import { DecisionConflictError, DecisionError } from "./errors";
import { openDecision, type OpenDecisionInput } from "./lifecycle";
import { getDecision, listDecisions } from "./queries";

const graph = mission(
  "decisions",
  [node.trigger("start"), node.approval("review"), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
  edges("start->review", "review:approved->done"),
);

describe.each(testDatabases())("decisions on $name", (tdb) => {
  let database: Database;
  let seeded: SeededMission;
  const sent: EngineEvent[] = [];
  const send = async (events: EngineEvent | EngineEvent[]) => {
    sent.push(...[events].flat());
  };

  beforeAll(async () => {
    database = await tdb.open();
    seeded = await seedMission(database, graph);
  });
  afterAll(() => database?.close());

  /** A run row and an open decision on it, without an engine: decide() is tested on its own. */
  async function openOne(over: Partial<OpenDecisionInput> = {}) {
    const runId = crypto.randomUUID();
    await database.db.execute(
      sql`insert into run (id, mission_id, version_id, status, input, started_by) values (${runId}, ${seeded.missionId}, ${seeded.versionId}, 'waiting', '{}'::jsonb, ${seeded.starter})`,
    );
    const r = await openDecision(database, {
      runId,
      nodeId: "review",
      key: "review",
      kind: "approval",
      title: "Refund",
      proposed: { amount: 120, note: "customer asked", urgent: false },
      fields: [
        { name: "amount", label: "Amount", type: "number" },
        { name: "note", label: "Note", type: "string" },
        { name: "urgent", label: "Urgent", type: "boolean" },
      ],
      editable: ["amount", "urgent"],
      approverRole: "approver",
      requiredApprovals: 1,
      separationOfDuties: false,
      reasonRequired: true,
      dueAt: new Date(Date.now() + 3_600_000),
      ...over,
    });
    return { runId, decisionId: r.decisionId };
  }
  const [ann, bob, cy] = ["ann", "bob", "cy"].map((n) => `${n}-user`) as [string, string, string];

  it("opens a decision once per run and key, taking requester and version author from the run", async () => {
    const { runId, decisionId } = await openOne();
    const again = await openDecision(database, {
      runId, nodeId: "review", key: "review", kind: "approval", title: "other", proposed: {}, fields: [], editable: [],
      approverRole: "admin", requiredApprovals: 3, separationOfDuties: true, reasonRequired: false, dueAt: new Date(),
    });
    expect(again.decisionId).toBe(decisionId);
    const view = await getDecision(database, decisionId, { engine: "embedded" });
    expect(view).toMatchObject({ title: "Refund", status: "pending", requestedBy: seeded.starter, versionAuthor: seeded.author, approverRole: "approver", waiting: false });
    expect(await getDecision(database, decisionId, { engine: "inngest" })).toMatchObject({ waiting: true });
    expect((await listDecisions(database, { runId, engine: "embedded" })).map((d) => d.id)).toEqual([decisionId]);
    expect(await listDecisions(database, { runId, roles: ["viewer"] })).toEqual([]);
  });

  it("checks the role, and lets admins decide too", async () => {
    const { decisionId } = await openOne();
    await expect(decide(database, { decisionId, userId: ann, userRoles: ["viewer", "builder"], approve: true }, { send })).rejects.toMatchObject({
      reason: "forbidden",
      code: "forbidden",
      status: 403,
    });
    const r = await decide(database, { decisionId, userId: ann, userRoles: ["admin"], approve: true }, { send });
    expect(r).toMatchObject({ status: "approved", resolved: true });
  });

  it("enforces separation of duties for the run's starter and the version's author", async () => {
    const { decisionId } = await openOne({ separationOfDuties: true });
    for (const userId of [seeded.starter, seeded.author]) {
      const err = await decide(database, { decisionId, userId, userRoles: ["approver"], approve: true }, { send }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DecisionError);
      expect(err).toMatchObject({ reason: "separation_of_duties", status: 403 });
    }
    expect((await decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true }, { send })).status).toBe("approved");
  });

  it("accepts edits only to editable fields, of the declared type, naming the field", async () => {
    const { decisionId } = await openOne();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ note: "changed" }, "values.note", "is not editable"],
      [{ amount: "eighty" }, "values.amount", "must be a number"],
      [{ urgent: "yes" }, "values.urgent", "must be a boolean"],
      [{ color: "red" }, "values.color", "is not one of the proposed values"],
    ];
    for (const [values, path, message] of cases) {
      const err = await decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true, values }, { send }).catch((e: unknown) => e);
      expect(err).toMatchObject({ reason: "invalid_values", status: 400, problems: [{ path, message }] });
    }
    await decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true, values: { amount: 80, urgent: true } }, { send });
    const view = await getDecision(database, decisionId);
    expect(view.finalValues).toEqual({ amount: 80, note: "customer asked", urgent: true });
    const edit = await database.rows<{ data: { edited: unknown } }>(
      sql`select data from observation where run_id = ${view.runId} and kind = 'decision' and data->>'event' = 'approved'`,
    );
    expect(edit[0]?.data.edited).toEqual({ amount: { from: 120, to: 80 }, urgent: { from: false, to: true } });
  });

  it("requires a reason to reject when configured", async () => {
    const { decisionId } = await openOne();
    await expect(decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: false, reason: "  " }, { send })).rejects.toMatchObject({
      reason: "reason_required",
      problems: [{ path: "reason", message: "is required when rejecting" }],
    });
    const { decisionId: lenient } = await openOne({ key: "lenient", reasonRequired: false });
    expect((await decide(database, { decisionId: lenient, userId: ann, userRoles: ["approver"], approve: false }, { send })).status).toBe("rejected");
  });

  it("answers not_found and not_pending (409) clearly", async () => {
    await expect(decide(database, { decisionId: "dec_missing", userId: ann, userRoles: ["approver"], approve: true }, { send })).rejects.toMatchObject({
      reason: "not_found",
      status: 404,
    });
    const { decisionId } = await openOne();
    await decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true }, { send });
    const err = await decide(database, { decisionId, userId: bob, userRoles: ["approver"], approve: true }, { send }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecisionConflictError);
    expect(err).toMatchObject({ reason: "not_pending", status: 409, message: `Decision ${decisionId} is already approved: nothing to decide` });
  });

  it("four-eyes: needs two distinct approvers, one vote each, and merges their edits in order", async () => {
    const { decisionId, runId } = await openOne({ requiredApprovals: 2 });
    const before = sent.length;
    const first = await decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true, values: { amount: 100 } }, { send });
    expect(first).toMatchObject({ status: "pending", resolved: false, approvals: 1, requiredApprovals: 2 });
    await expect(decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true }, { send })).rejects.toMatchObject({
      reason: "already_voted",
      status: 409,
    });
    expect(sent.length).toBe(before);
    const second = await decide(database, { decisionId, userId: bob, userRoles: ["approver"], approve: true, values: { urgent: true } }, { send });
    expect(second).toMatchObject({ status: "approved", resolved: true, approvals: 2 });
    expect(sent.slice(before)).toEqual([
      { name: "decision/made", data: { decisionId, runId, approved: true, values: { amount: 100, note: "customer asked", urgent: true }, reason: null, decidedBy: bob } },
    ]);
    const view = await getDecision(database, decisionId);
    expect(view.votes.map((v) => v.userId)).toEqual([ann, bob]);
    expect(view.approvals).toBe(2);
  });

  it("one rejection resolves a four-eyes decision", async () => {
    const { decisionId } = await openOne({ requiredApprovals: 2 });
    await decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true }, { send });
    const r = await decide(database, { decisionId, userId: bob, userRoles: ["approver"], approve: false, reason: "no" }, { send });
    expect(r).toMatchObject({ status: "rejected", resolved: true });
  });

  it("concurrent approvals: exactly one winner and one event", async () => {
    for (let round = 0; round < 5; round++) {
      const { decisionId } = await openOne();
      const before = sent.length;
      const results = await Promise.allSettled(
        [ann, bob, cy].map((userId) => decide(database, { decisionId, userId, userRoles: ["approver"], approve: true }, { send })),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(2);
      for (const l of lost) expect(l.reason).toBeInstanceOf(DecisionConflictError);
      expect(sent.slice(before).filter((e) => e.data.decisionId === decisionId)).toHaveLength(1);
      const [votes] = await database.rows<{ n: number }>(sql`select count(*)::int as n from decision_vote where decision_id = ${decisionId}`);
      expect(Number(votes?.n)).toBe(1);
    }
  });

  it("concurrent four-eyes approvals resolve it exactly once", async () => {
    const { decisionId } = await openOne({ requiredApprovals: 2 });
    const before = sent.length;
    const results = await Promise.allSettled(
      [ann, bob].map((userId) => decide(database, { decisionId, userId, userRoles: ["approver"], approve: true }, { send })),
    );
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(results.filter((r) => r.status === "fulfilled" && r.value.resolved)).toHaveLength(1);
    expect(sent.slice(before)).toHaveLength(1);
    expect((await getDecision(database, decisionId)).status).toBe("approved");
  });

  it("a vote cast before the engine's wait exists is delivered when the wait appears", async () => {
    const engine = testEngine(database);
    await engine.executor.start({ workers: false });
    const { runId } = await startRun(database, { missionId: seeded.missionId, userId: seeded.starter }, { send: engine.send });
    // Step by step: the run starts, the approval opens its decision, but its wait is not stored yet.
    let decisionId: string | undefined;
    for (let i = 0; i < 10 && !decisionId; i++) {
      await engine.executor.tick();
      decisionId = (await database.rows<{ id: string }>(sql`select id from decision where run_id = ${runId}`))[0]?.id;
    }
    expect(decisionId).toBeDefined();
    expect((await getDecision(database, decisionId as string, { engine: "embedded" })).waiting).toBe(false);
    await decide(database, { decisionId: decisionId as string, userId: ann, userRoles: ["approver"], approve: true }, { send: engine.send });
    await engine.executor.drain(async () => (await database.rows<{ status: string }>(sql`select status from run where id = ${runId}`))[0]?.status === "succeeded");
    expect(await waitForRun(database, runId, ["succeeded"])).toBe("succeeded");
    // Sent by decide() (matched nothing) and again by the wait hook (matched).
    expect(engine.sent.filter((e) => e.name === "decision/made")).toHaveLength(2);
    await engine.executor.stop();
  });
});
