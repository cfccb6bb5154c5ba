import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transformDataSchema, type MissionGraph, type MissionNode } from "@/lib/mission/schema";
import { isAppError } from "@/lib/errors";
import { createCallerFactory, createContext } from "@/server/api/trpc";
import { testCasesRouter } from "@/server/api/routers/test-cases";
import { decide } from "@/server/decisions/decide";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { FakeTools, testEngine, waitForRun, waitingDecision } from "@/server/engine/testing/harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { stopNotificationLoop } from "@/server/notifications/loop";
import { startRun } from "@/server/runs/service";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { publishForTest } from "@/test/publishing";
import { checkRunAgainstCase, createTestCase, listTestCases, saveRunAsTestCase, updateTestCase } from "./service";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

const transform = (id: string, values: unknown[]): MissionNode => ({ id, kind: "transform", position: { x: 0, y: 0 }, data: transformDataSchema.parse({ values }) });

/** Half the amount back, approved by a person, paid by a gated tool; the verdict says how it went. */
const refundGraph: MissionGraph = mission(
  "half refunds",
  [
    node.trigger("trigger", { fields: [{ name: "orderId", type: "string" }, { name: "amount", type: "number" }] }),
    transform("calc", [
      { name: "refund", type: "number", expression: "trigger.amount / 2.0" },
      { name: "note", type: "string", expression: "'half of ' + string(trigger.amount)" },
    ]),
    node.approval("gate", { proposed: [{ name: "amount", type: "number", expression: "calc.refund", editable: true }] }),
    node.action("pay", { tool: "shop.issue_refund", args: { orderId: "trigger.orderId", amount: "gate.values.amount" } }),
    node.verdict("done", { outcomes: ["paid", "denied"], outcome: 'gate.approved ? "paid" : "denied"', summary: "calc.note" }),
  ],
  edges("trigger->calc", "calc->gate", "gate:approved->pay", "gate:rejected->done", "pay->done"),
);

/**
 * Issue #16, test cases: a finished run saved as a case keeps its input, its outcome, its Worker and
 * Transform values, the results of the state-changing tools it called and how its approvals were
 * answered; a run checked against a case says which expectation failed and why.
 */
describe.each(testDatabases())("test cases, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  let missionId: string;
  const tools = new FakeTools().add("shop.issue_refund", { policy: "gated", handle: (a) => ({ refundId: `rf_${String(a.orderId)}`, amount: a.amount }) });

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database, { tools });
    setEngineDeps({ send: engine.send, tools });
    await engine.executor.start({ workers: true });
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: refundGraph.name }, builder);
    await saveVersion(h.database.db, m.id, { graph: refundGraph, message: "test" }, builder);
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    missionId = m.id;
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await h?.close();
  });

  async function finishedRun(amount: number, approve: boolean): Promise<string> {
    const { runId } = await startRun(h.database, { missionId, input: { orderId: "1042", amount }, userId: h.userId("builder") }, { send: engine.send });
    const decisionId = await waitingDecision(h.database, runId, "gate");
    await decide(h.database, { decisionId, userId: h.userId("approver"), userRoles: ["approver"], approve, ...(approve ? { values: { amount: amount / 2 - 1 } } : { reason: "not ours" }) }, { send: engine.send });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    return runId;
  }

  it("saves a finished run as a case, and the same run passes it", async () => {
    const runId = await finishedRun(85, true);
    const c = await saveRunAsTestCase(h.database, { runId }, h.userId("builder"));
    expect(c).toMatchObject({
      missionId,
      sourceRunId: runId,
      input: { orderId: "1042", amount: 85 },
      expectations: { outcome: "paid" },
      toolResults: { "shop.issue_refund": { refundId: "rf_1042", amount: 41.5 } },
      approvals: { gate: { approve: true, values: { amount: 41.5 } } },
    });
    // In the order the stored output lists its fields.
    expect(c.expectations.checks.map((x) => x.expression).sort()).toEqual(['calc.note == "half of 85"', "calc.refund == 42.5"]);
    expect(c.name).toMatch(/^paid: run [0-9a-f]{8} \(/);
    const checked = await checkRunAgainstCase(h.database, c.id, runId);
    expect(checked.passed).toBe(true);
    expect(checked.results[0]).toEqual({ kind: "outcome", expected: "paid", actual: "paid", passed: true, why: "the verdict is paid" });
    expect(checked.results.slice(1)).toEqual(
      expect.arrayContaining([
        { kind: "check", expression: "calc.refund == 42.5", passed: true, value: true, why: "calc.refund == 42.5 was true" },
        { kind: "check", expression: 'calc.note == "half of 85"', passed: true, value: true, why: 'calc.note == "half of 85" was true' },
      ]),
    );
    expect((await listTestCases(h.database, missionId)).map((x) => x.id)).toContain(c.id);
  });

  it("says which expectation a different run fails, and why", async () => {
    const saved = await saveRunAsTestCase(h.database, { runId: await finishedRun(85, true), name: "Damaged blender" }, h.userId("builder"));
    const c = await updateTestCase(h.database, { ...saved, expectations: { ...saved.expectations, checks: [...saved.expectations.checks, { expression: "pay.refundId == 'rf_1042'" }] } });
    const other = await finishedRun(120, false);
    const { passed, results } = await checkRunAgainstCase(h.database, c.id, other);
    expect(passed).toBe(false);
    const failed = results.filter((r) => !r.passed).map((r) => r.why);
    expect(failed).toHaveLength(4);
    expect(failed[0]).toBe("expected outcome paid, the run gave denied");
    expect(failed).toEqual(expect.arrayContaining(["calc.refund == 42.5 was false", 'calc.note == "half of 85" was false']));
    // The refund was never paid in the other run: the check says so instead of passing or throwing.
    expect(failed[3]).toMatch(/^pay\.refundId == 'rf_1042' could not be evaluated: /);
  });

  it("names the field a case gets wrong, and refuses a run still going", async () => {
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => (isAppError(e) ? { code: e.code, paths: e.problems.map((x) => x.path) } : e),
      );
    expect(await refusal(createTestCase(h.database, { missionId, name: " ", input: {} }, null))).toEqual({ code: "bad_request", paths: ["name"] });
    expect(await refusal(createTestCase(h.database, { missionId, name: "x", expectations: { outcome: null, checks: [{ expression: "calc.refund <=" }] } }, null))).toEqual({
      code: "bad_request",
      paths: ["expectations.checks[0].expression"],
    });
    expect(await refusal(createTestCase(h.database, { missionId, name: "x", expectations: { outcome: "paid out", checks: [] } }, null))).toEqual({ code: "bad_request", paths: ["expectations.outcome"] });
    expect(await refusal(createTestCase(h.database, { missionId: "nope", name: "x" }, null))).toEqual({ code: "not_found", paths: ["missionId"] });
    const { runId } = await startRun(h.database, { missionId, input: { orderId: "1", amount: 2 }, userId: h.userId("builder") }, { send: engine.send });
    await waitingDecision(h.database, runId, "gate");
    expect(await refusal(saveRunAsTestCase(h.database, { runId }, null))).toEqual({ code: "conflict", paths: ["runId"] });
  });

  it("lets builders write cases and anyone signed in read them", async () => {
    const caller = async (who: "viewer" | "builder") => createCallerFactory(testCasesRouter)(await createContext({ headers: h.headers(who), database: h.database }));
    const viewer = await caller("viewer");
    await expect(viewer.create({ missionId, name: "by hand" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const made = await (await caller("builder")).create({ missionId, name: "by hand", input: { orderId: "7", amount: 10 }, expectations: { outcome: "paid", checks: [{ expression: "calc.refund <= 50.0" }] } });
    expect((await viewer.get({ id: made.id })).expectations.checks).toEqual([{ expression: "calc.refund <= 50.0" }]);
    await expect(viewer.delete({ id: made.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
