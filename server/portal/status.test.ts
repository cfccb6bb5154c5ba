import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { decide } from "@/server/decisions";
import { FakeTools, seedMission, testEngine, usage, waitForRun, waitingDecision, type SeededMission } from "@/server/engine/testing/harness";
import type { WorkerRunInput, WorkerRunner } from "@/server/workers/types";
import { cancelRun } from "@/server/runs";
import { getPortalStatus, type PortalStatusView } from "./status";
import { submitPortalRequest } from "./submit";
import { refundPortal } from "./testing";

const RATIONALE = "INTERNAL-RATIONALE: opened item, day 9, REF-1.2 gives 50 percent";
const REASONING = "INTERNAL-REASONING about the customer's history";

/** Words from inside a run that must never reach a customer's status page. */
const INTERNAL = [
  RATIONALE,
  REASONING,
  "INTERNAL",
  "REF-1.2",
  "Ground the request",
  "Propose a decision",
  "Approve refund",
  "Issue refund",
  "Note it in the CRM",
  "issue_refund",
  "crm_note",
  "replay:",
  "dana@example.com",
  "1042",
  "approver",
  "Refunded",
  "rejected by the approver",
];

const VIEW_KEYS = ["decision", "headline", "live", "message", "reference", "stage", "steps", "submittedAt", "title"];

function expectNothingInternal(view: PortalStatusView | null, runId: string) {
  expect(view).not.toBeNull();
  expect(Object.keys(view!).sort()).toEqual(VIEW_KEYS);
  if (view!.decision) expect(Object.keys(view!.decision).sort()).toEqual(["amount", "decidedAt", "label", "outcome"]);
  const text = JSON.stringify(view);
  for (const word of [...INTERNAL, runId]) expect(text).not.toContain(word);
}

describe.each(testDatabases())("portal status pages on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  let seeded: SeededMission;
  const tools = new FakeTools()
    .add("commerce.issue_refund", { handle: (a) => ({ refundId: "rf-1", amount: a.amount, status: "posted" }) })
    .add("crm.add_note", { handle: () => ({ noteId: "n-1" }) });
  /** What the "reason" worker proposes, per order id. */
  const proposals: Record<string, { decision: string; amount: number }> = {};
  const runWorker: WorkerRunner = async (input: WorkerRunInput) => {
    const orderId = String((input.context.trigger as { orderId: string }).orderId);
    await input.observe({ kind: "reasoning", text: REASONING });
    if (input.nodeId === "ground") {
      await input.observe({ kind: "citation", text: "REF-1.2", data: { clauseId: "REF-1.2", title: "Partial refund" } });
      return {
        kind: "completed",
        output: { orderTotal: 85, currency: "EUR", paymentCaptured: true, daysSinceDelivery: 9, policyClause: "REF-1.2", policySummary: "Opened items: 50%." },
        usage: usage(),
        transcript: [],
      };
    }
    const p = proposals[orderId] ?? { decision: "approve", amount: 85 };
    return { kind: "completed", output: { decision: p.decision, amount: p.amount, rationale: RATIONALE }, usage: usage(), transcript: [] };
  };

  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database, { tools, runWorker });
    await engine.executor.start();
    seeded = await seedMission(database, refundPortal("refunds"));
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  let n = 0;
  async function submit(orderId: string) {
    const res = await submitPortalRequest(
      database,
      { slug: "refunds", values: { orderId, email: "dana@example.com", reason: "It was opened; " + RATIONALE }, clientAddress: `192.0.2.${++n}` },
      { send: engine.send },
    );
    if (!res.ok) throw new Error(`submission refused: ${res.reason}`);
    return res;
  }

  it("shows a partial refund in customer language, with the amount the approver settled on", async () => {
    proposals["1042"] = { decision: "partial", amount: 42.5 };
    const res = await submit("1042");
    const decisionId = await waitingDecision(database, res.runId, "refund");

    const waiting = await getPortalStatus(database, "refunds", res.token);
    expect(waiting).toMatchObject({ stage: "under_review", headline: "Your request is under review", decision: null, live: true });
    expect(waiting?.steps.map((s) => [s.key, s.state])).toEqual([
      ["received", "done"],
      ["under_review", "current"],
      ["decided", "upcoming"],
    ]);
    expectNothingInternal(waiting, res.runId);

    await decide(database, { decisionId, userId: seeded.approvers[0]!, userRoles: ["approver"], approve: true, values: { amount: 40 } }, { send: engine.send });
    expect(await waitForRun(database, res.runId, ["succeeded", "failed"])).toBe("succeeded");
    const done = await getPortalStatus(database, "refunds", res.token);
    expect(done).toMatchObject({
      stage: "decided",
      headline: "Your request has been partly approved",
      live: false,
      decision: { outcome: "partial", label: "Partly approved", amount: { value: 40, currency: "EUR", formatted: "€40.00" }, decidedAt: expect.any(String) },
    });
    expect(done?.steps.every((s) => s.state === "done")).toBe(true);
    expectNothingInternal(done, res.runId);
  });

  it("shows a full approval with its amount", async () => {
    proposals["1050"] = { decision: "approve", amount: 85 };
    const res = await submit("1050");
    const decisionId = await waitingDecision(database, res.runId, "refund");
    await decide(database, { decisionId, userId: seeded.approvers[1]!, userRoles: ["approver"], approve: true }, { send: engine.send });
    await waitForRun(database, res.runId, ["succeeded"]);
    const view = await getPortalStatus(database, "refunds", res.token);
    expect(view).toMatchObject({ headline: "Your request has been approved", decision: { outcome: "approved", amount: { value: 85, formatted: "€85.00" } } });
    expectNothingInternal(view, res.runId);
  });

  it("declines without giving the internal rationale", async () => {
    proposals["1043"] = { decision: "deny", amount: 0 };
    const res = await submit("1043");
    await waitForRun(database, res.runId, ["succeeded"]);
    const view = await getPortalStatus(database, "refunds", res.token);
    expect(view).toMatchObject({ stage: "decided", headline: "We couldn't approve your request", decision: { outcome: "declined", label: "Not approved", amount: null } });
    expectNothingInternal(view, res.runId);
  });

  it("declines when the approver rejects, without their reason", async () => {
    proposals["1044"] = { decision: "approve", amount: 85 };
    const res = await submit("1044");
    const decisionId = await waitingDecision(database, res.runId, "refund");
    await decide(database, { decisionId, userId: seeded.approvers[0]!, userRoles: ["approver"], approve: false, reason: "INTERNAL approver note" }, { send: engine.send });
    await waitForRun(database, res.runId, ["succeeded"]);
    const view = await getPortalStatus(database, "refunds", res.token);
    expect(view?.decision).toMatchObject({ outcome: "declined", amount: null });
    expectNothingInternal(view, res.runId);
  });

  it("says plainly when a run ended without a decision", async () => {
    proposals["1045"] = { decision: "approve", amount: 85 };
    const res = await submit("1045");
    await waitingDecision(database, res.runId, "refund");
    await cancelRun(database, res.runId, null, { send: engine.send });
    const view = await getPortalStatus(database, "refunds", res.token);
    expect(view).toMatchObject({ stage: "closed", headline: "We couldn't finish reviewing your request online", decision: null, live: false });
    expectNothingInternal(view, res.runId);
  });
});
