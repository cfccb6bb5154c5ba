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
import { createPolicy, deletePolicy } from "@/server/governance/policies";
import { publishForTest } from "@/test/publishing";
import { stopNotificationLoop } from "@/server/notifications/loop";
import * as one from "./[id]/route";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

interface ErrorBody {
  error: { code: string; reason?: string; message: string; problems: { path: string; message: string }[] };
}
interface Detail {
  rules: { approverRole: string; requiredApprovals: number; separationOfDuties: boolean; policies: { name: string; because: string }[]; tightened: string[]; valueChecks: { text: string; state: string }[] };
  viewer: { canDecide: boolean; blocked: { code: string; message: string } | null };
}

/** The probe's mission: the builder loosened the approval (a builder decides, no separation of duties). */
function loosenedRefund(name: string, approval: Record<string, unknown> = {}): MissionGraph {
  return mission(
    name,
    [
      node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
      node.approval("refund", {
        label: "Approve refund",
        title: "Refund for order",
        approverRole: "builder",
        separationOfDuties: false,
        reasonRequiredOnReject: false,
        proposed: [{ name: "amount", label: "Amount", type: "number", expression: "42.5", editable: true }],
        ...approval,
      }),
      node.action("pay", { label: "Issue refund", tool: "shop.issue_refund", args: { orderId: "trigger.orderId", amount: "refund.values.amount" } }),
      node.verdict("done", { outcomes: ["paid", "denied"], outcome: 'refund.approved ? "paid" : "denied"' }),
    ],
    edges("trigger->refund", "refund:approved->pay", "refund:rejected->done", "pay->done"),
  );
}

/** A state-changing tool call with no approval before it. */
const writeFile = mission(
  "write a file",
  [
    node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
    node.action("write", { label: "Write it", tool: "files.write_file", args: { path: "'/tmp/x'", content: "'hello'" } }),
    node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
  ],
  edges("trigger->write", "write->done"),
);

describe.each(testDatabases())("admin policies the governed cannot loosen, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  const tools = new FakeTools()
    .add("shop.issue_refund", { policy: "gated", handle: (a) => ({ refundId: `rf_${String(a.orderId)}`, ...a }) })
    .add("files.write_file", { policy: "gated", annotations: { destructiveHint: true } });
  let builderApprover: { id: string; key: string };
  let secondApprover: { id: string; key: string };
  let admin2: { id: string; key: string };

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database, { tools });
    setEngineDeps({ send: engine.send, tools });
    await engine.executor.start({ workers: true });
    const both = await createUser(h.database.db, { email: "both@test.local", name: "Builder Approver", password: "correct-horse-battery", roles: ["builder", "approver"] });
    builderApprover = { id: both.id, key: (await createApiKey(h.database.db, { name: "both" }, both.id)).key };
    const u = await createUser(h.database.db, { email: "approver2@test.local", name: "Second Approver", password: "correct-horse-battery", roles: ["approver"] });
    secondApprover = { id: u.id, key: (await createApiKey(h.database.db, { name: "second" }, u.id)).key };
    const a = await createUser(h.database.db, { email: "admin2@test.local", name: "Second Admin", password: "correct-horse-battery", roles: ["admin"] });
    admin2 = { id: a.id, key: (await createApiKey(h.database.db, { name: "admin2" }, a.id)).key };
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await h?.close();
  });

  async function missionOf(graph: MissionGraph, author = h.userId("builder")): Promise<string> {
    const m = await createMission(h.database.db, { name: graph.name }, author);
    await saveVersion(h.database.db, m.id, { graph, message: "test" }, author);
    // Even once a reviewer let the version through, the admin policies hold at run time.
    await publishForTest(h.database.db, m.id, h.userId("admin"));
    return m.id;
  }
  async function runAndWait(missionId: string, nodeId: string, startedBy: string): Promise<{ runId: string; decisionId: string }> {
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
  async function detail(id: string, who: Persona | { key: string }): Promise<Detail> {
    const res = await one.GET(new Request(`http://localhost/api/v1/decisions/${id}`, { headers: headersFor(who) }), { params: Promise.resolve({ id }) });
    return (await res.json()) as Detail;
  }

  it("finding 1: a builder who loosened the approval in the document still cannot approve their own refund", async () => {
    const missionId = await missionOf(loosenedRefund("Loosened refund"));
    const { runId, decisionId } = await runAndWait(missionId, "refund", h.userId("builder"));

    const shown = await detail(decisionId, "builder");
    expect(shown.rules).toMatchObject({ approverRole: "approver", separationOfDuties: true });
    expect(shown.rules.policies.map((p) => p.name)).toEqual(["Approval steps", "State-changing tools"]);
    expect(shown.rules.policies[1]?.because).toBe("shop.issue_refund is state-changing");
    expect(shown.rules.tightened).toEqual(
      expect.arrayContaining(['Who decides: builder → approver (policy "Approval steps")', 'Separation of duties: on (policy "Approval steps")']),
    );
    expect(shown.viewer).toMatchObject({ canDecide: false, blocked: { code: "role" } });

    const refused = await post(decisionId, "builder", { approve: true, values: { amount: 42.5 } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ErrorBody).error.message).toContain("needs the approver role");
    expect(tools.calls.filter((c) => c.key === `${runId}:pay`)).toHaveLength(0);

    // Holding the approver role too does not help the person who started the run.
    const mine = await runAndWait(missionId, "refund", builderApprover.id);
    const own = await post(mine.decisionId, builderApprover, { approve: true });
    expect(own.status).toBe(403);
    expect(((await own.json()) as ErrorBody).error).toMatchObject({ reason: "separation_of_duties" });

    // Someone else with the role decides, and only then is the refund posted.
    expect((await post(decisionId, "approver", { approve: true })).status).toBe(200);
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(tools.calls.filter((c) => c.key === `${runId}:pay`).map((c) => c.args)).toEqual([{ orderId: "1042", amount: 42.5 }]);
    const [opened] = await h.database.rows<{ data: { policies: { name: string }[] } }>(
      sql`select data from audit_log where action = 'decision.opened' and target_id = ${decisionId}`,
    );
    expect(opened?.data.policies.map((p) => p.name)).toEqual(["Approval steps", "State-changing tools"]);
  });

  it("finding 13: whoever started the run cannot approve its own gated tool call", async () => {
    const missionId = await missionOf(writeFile);
    const { runId, decisionId } = await runAndWait(missionId, "write", h.userId("approver"));
    const shown = await detail(decisionId, "approver");
    expect(shown.rules.separationOfDuties).toBe(true);
    expect(shown.viewer.blocked).toMatchObject({ code: "separation_of_duties" });
    const own = await post(decisionId, "approver", { approve: true });
    expect(own.status).toBe(403);
    expect(((await own.json()) as ErrorBody).error).toMatchObject({ reason: "separation_of_duties", message: expect.stringContaining("started this run") });
    expect(tools.calls.filter((c) => c.key === `${runId}:write`)).toHaveLength(0);
    expect((await post(decisionId, secondApprover, { approve: true })).status).toBe(200);
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(tools.calls.filter((c) => c.key === `${runId}:write`)).toHaveLength(1);
  });

  it("finding 12: bounds on approved values — no refund of -1 or 1e308, and a large one needs a second approver", async () => {
    const policy = await createPolicy(
      h.database.db,
      {
        name: "Refund limits",
        scope: "tool",
        target: "shop.issue_refund",
        rules: {
          approverRole: "approver",
          requiredApprovals: 1,
          valueRules: [
            { expression: "amount > 0 && amount <= 5000", otherwise: { action: "refuse" }, message: "A refund is more than 0 and at most 5,000" },
            { expression: "amount <= 500", otherwise: { action: "require", requiredApprovals: 2 }, message: "Refunds over 500 need a second approver" },
          ],
        },
      },
      { id: h.userId("admin") },
    );
    try {
      const missionId = await missionOf(loosenedRefund("Bounded refund"));
      const { runId, decisionId } = await runAndWait(missionId, "refund", h.userId("builder"));
      for (const amount of [-1, 1e308, 0]) {
        const res = await post(decisionId, "approver", { approve: true, values: { amount } });
        expect(res.status).toBe(400);
        expect(((await res.json()) as ErrorBody).error).toMatchObject({
          reason: "invalid_values",
          problems: [{ path: "values.amount", message: expect.stringContaining('amount > 0 && amount <= 5000 (A refund is more than 0 and at most 5,000), policy "Refund limits"') }],
        });
      }
      const first = await post(decisionId, "approver", { approve: true, values: { amount: 600 } });
      expect(await first.json()).toMatchObject({ status: "pending", approvals: 1, requiredApprovals: 2 });
      const shown = await detail(decisionId, secondApprover);
      expect(shown.rules.requiredApprovals).toBe(2);
      expect(shown.rules.valueChecks).toEqual(
        expect.arrayContaining([expect.objectContaining({ state: "broken", text: expect.stringContaining("Refunds over 500 need a second approver") })]),
      );
      expect(await (await post(decisionId, secondApprover, { approve: true })).json()).toMatchObject({ status: "approved", resolved: true, approvals: 2 });
      expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect(tools.calls.filter((c) => c.key === `${runId}:pay`).map((c) => c.args.amount)).toEqual([600]);
    } finally {
      await deletePolicy(h.database.db, policy.id, { id: h.userId("admin") });
    }
  });

  it("an approval that does not meet the tool's policy does not open the gate: the action asks for what is missing", async () => {
    const missionId = await missionOf(loosenedRefund("Refund under a new policy"));
    const { runId, decisionId } = await runAndWait(missionId, "refund", h.userId("builder"));
    // The admin tightens the tool after the approval was opened: two admins must agree to refunds.
    const policy = await createPolicy(
      h.database.db,
      { name: "Refunds by two admins", scope: "tool", target: "shop.issue_refund", rules: { approverRole: "admin", requiredApprovals: 2 } },
      { id: h.userId("admin") },
    );
    try {
      expect((await post(decisionId, "approver", { approve: true })).status).toBe(200);
      const gate = await waitingDecision(h.database, runId, "pay");
      expect(gate).not.toBe(decisionId);
      const shown = await detail(gate, "admin");
      expect(shown.rules).toMatchObject({ approverRole: "admin", requiredApprovals: 2 });
      const [ctx] = await h.database.rows<{ context: { because: string } }>(sql`select context from decision where id = ${gate}`);
      expect(ctx?.context.because).toContain("The approval before this step is not enough: shop.issue_refund needs 2 admins");
      expect(tools.calls.filter((c) => c.key === `${runId}:pay`)).toHaveLength(0);
      expect((await post(gate, "approver", { approve: true })).status).toBe(403);
      expect(await (await post(gate, "admin", { approve: true })).json()).toMatchObject({ status: "pending", approvals: 1, requiredApprovals: 2 });
      expect(await (await post(gate, admin2, { approve: true })).json()).toMatchObject({ status: "approved" });
      expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect(tools.calls.filter((c) => c.key === `${runId}:pay`)).toHaveLength(1);
    } finally {
      await deletePolicy(h.database.db, policy.id, { id: h.userId("admin") });
    }
  });
});
