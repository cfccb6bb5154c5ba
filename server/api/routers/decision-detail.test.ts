import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { isTruncated } from "@/lib/bounded";
import type { MissionGraph } from "@/lib/mission/schema";
import { openHarness, type Harness } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { publishForTest } from "@/test/publishing";
import { createCallerFactory, createContext } from "@/server/api/trpc";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { FakeTools, scriptedWorker, testEngine, usage, waitForRun, waitingDecision } from "@/server/engine/testing/harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { stopNotificationLoop } from "@/server/notifications/loop";
import { startRun } from "@/server/runs/service";
import type { WorkerRunner } from "@/server/workers/types";
import { decisionsRouter } from "./decisions";

process.env.STEWARD_SECRET_KEY ??= "d".repeat(64);

const LONG_REASON = "The mug set was opened. ".repeat(500);

/** The refund demo's shape: a Worker grounds the request, an approval, the refund, then a gated note. */
const graph: MissionGraph = mission(
  "Refund context",
  [
    node.trigger("trigger", {
      label: "Refund request",
      channels: ["manual", "api"],
      fields: [
        { name: "orderId", label: "Order number", type: "string", required: true },
        { name: "email", label: "Email", type: "email", required: true },
        { name: "reason", type: "text", required: true },
      ],
    }),
    node.worker("ground", {
      label: "Ground the request",
      outputs: [
        { name: "orderTotal", type: "number", description: "The order total." },
        { name: "policySummary", type: "string", description: "What the clause says." },
      ],
    }),
    node.worker("reason", { label: "Propose a decision", outputs: [{ name: "decision", type: "string", description: "approve, partial or deny" }] }),
    node.approval("refund", {
      label: "Approve refund",
      title: "Refund for order",
      proposed: [{ name: "amount", label: "Amount", type: "number", expression: "ground.orderTotal / 2", editable: true }],
    }),
    node.action("pay", { label: "Issue refund", tool: "shop.issue_refund", args: { orderId: "trigger.orderId", amount: "refund.values.amount" } }),
    node.action("note", { label: "Note it in the CRM", tool: "crm.add_note", args: { email: "trigger.email", note: "'Refund issued'" } }),
    node.verdict("done", { outcomes: ["paid", "denied"], outcome: 'refund.approved ? "paid" : "denied"' }),
  ],
  edges("trigger->ground", "ground->reason", "reason->refund", "refund:approved->pay", "refund:rejected->done", "pay->note", "note->done"),
);

/**
 * Every decision page shows what was asked (the run's input by the trigger's field labels) and
 * what the Workers before it found, bounded for display: an Approval step's and a gated tool
 * call's alike (issue #19).
 */
describe.each(testDatabases())("a decision's request and findings on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  const tools = new FakeTools().add("shop.issue_refund", { policy: "gated" }).add("crm.add_note", { policy: "gated" });
  const grounding = scriptedWorker([() => ({ kind: "completed", output: { orderTotal: 85, policySummary: "p".repeat(20_000) }, usage: usage(), transcript: [] })]);
  const proposing = scriptedWorker([() => ({ kind: "completed", output: { decision: "partial" }, usage: usage(), transcript: [] })]);
  const worker: WorkerRunner = (input) => (input.nodeId === "ground" ? grounding(input) : proposing(input));

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database, { tools, runWorker: worker });
    setEngineDeps({ send: engine.send, tools, runWorker: worker });
    await engine.executor.start({ workers: true });
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await h?.close();
  });

  it("names the request's fields by the trigger's labels and shows the Workers' findings, on the approval and on the gated tool call after it", async () => {
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: graph.name }, builder);
    await saveVersion(h.database.db, m.id, { graph, message: "test" }, builder);
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    const { runId } = await startRun(
      h.database,
      { missionId: m.id, userId: builder, input: { orderId: "1042", email: "dana@example.com", reason: LONG_REASON }, channel: "api" },
      { send: engine.send },
    );
    const approver = createCallerFactory(decisionsRouter)(await createContext({ headers: h.headers("approver"), database: h.database }));

    const expectContext = async (decisionId: string) => {
      const detail = await approver.get({ decisionId });
      expect(detail.request.title).toBe("Refund request");
      expect(detail.request.fields.map((f) => [f.name, f.label, f.type])).toEqual([
        ["orderId", "Order number", "string"],
        ["email", "Email", "email"],
        // No label given: its name, made readable.
        ["reason", "Reason", "text"],
      ]);
      expect(detail.request.fields[0]?.value).toBe("1042");
      // A long text is cut for display, saying how long it was.
      const reason = String(detail.request.fields[2]?.value);
      expect(reason.length).toBeLessThan(4_100);
      expect(reason).toMatch(/^The mug set was opened\. .*… \[truncated: 12 KB in all\]$/s);
      // In the order they ran.
      expect(detail.findings.map((f) => [f.label, f.output])).toEqual([
        ["Ground the request", expect.anything()],
        ["Propose a decision", { decision: "partial" }],
      ]);
      const [finding] = detail.findings;
      expect(finding).toMatchObject({
        nodeId: "ground",
        label: "Ground the request",
        fields: [
          { name: "orderTotal", label: "Order total", description: "The order total." },
          { name: "policySummary", label: "Policy summary", description: "What the clause says." },
        ],
      });
      const output = finding?.output as Record<string, unknown>;
      expect(isTruncated(output)).toBe(false);
      expect(output.orderTotal).toBe(85);
      expect(String(output.policySummary)).toMatch(/… \[truncated: 20 KB in all\]$/);
      return detail;
    };

    const approval = await waitingDecision(h.database, runId, "refund");
    expect((await expectContext(approval)).decision.kind).toBe("approval");
    await approver.decide({ decisionId: approval, approve: true });

    const note = await waitingDecision(h.database, runId, "note");
    expect((await expectContext(note)).decision.kind).toBe("tool");
    await approver.decide({ decisionId: note, approve: true });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    // The page does not change what is stored: the run keeps the whole input.
    const [row] = await h.database.rows<{ reason: string }>(sql`select input->>'reason' as reason from run where id = ${runId}`);
    expect(row?.reason).toBe(LONG_REASON);
  });
});
