import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import type { ToolCallOptions, ToolCallResult, ToolPort } from "@/server/connectors/tool-port";
import type { WorkerRunInput, WorkerRunner } from "@/server/workers/types";
import { decide } from "@/server/decisions/decide";
import { getRun, rerun, startRun } from "@/server/runs/service";
import { edges, mission, node } from "./testing/missions";
import { eventually, FakeTools, nodeStates, scriptedWorker, seedMission, testEngine, usage, waitForRun, waitingDecision } from "./testing/harness";
import { checkRunInvariants } from "./testing/reliability";

describe.each(testDatabases())("interpreter on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  const tools = new FakeTools();
  const workers = new Map<string, WorkerRunner>();
  // Lets one test make a tool fail after its effect happened (a lost response).
  const flaky = new Set<string>();
  const toolPort: ToolPort = {
    listTools: (refs) => tools.listTools(refs),
    async callTool(ref: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolCallResult> {
      const result = await tools.callTool(ref, args, opts);
      if (flaky.delete(ref)) throw new Error("connection reset after the call was made");
      return result;
    },
  };
  const runWorker: WorkerRunner = (input: WorkerRunInput) => {
    const w = workers.get(input.nodeId);
    if (!w) throw new Error(`no scripted worker for ${input.nodeId}`);
    return w(input);
  };

  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database, { tools: toolPort, runWorker });
    await engine.executor.start();
  });
  /** An admin's choice: may the clock approve a decision nobody made? (every policy at once) */
  async function allowAutoApprove(allow: boolean) {
    await database.db.execute(sql`update approval_policy set rules = jsonb_set(rules, '{allowAutoApprove}', to_jsonb(${allow}::boolean))`);
  }
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  async function run(graph: ReturnType<typeof mission>, input: Record<string, unknown> = {}) {
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input, userId: seeded.starter }, { send: engine.send });
    return { ...seeded, runId };
  }

  /** The run's status Observations, in the order they were recorded. */
  function statusTrail(runId: string) {
    return database.rows<{ node_id: string | null; status: string }>(
      sql`select node_id, data->>'status' as status from observation where run_id = ${runId} and kind = 'status' order by id`,
    );
  }

  it("runs a linear mission: trigger → action → verdict, with states, outputs and observations", async () => {
    tools.add("crm.lookup", { handle: (a) => ({ customer: a.email, tier: "gold" }) });
    const graph = mission(
      "linear",
      [
        node.trigger("start", { fields: [{ name: "email", type: "email" }] }),
        node.action("lookup", { tool: "crm.lookup", args: { email: "trigger.email" } }),
        node.verdict("done", { outcomes: ["approve", "deny"], outcome: "lookup.tier == 'gold' ? 'approve' : 'deny'", summary: "'tier ' + lookup.tier" }),
      ],
      edges("start->lookup", "lookup->done"),
    );
    const { runId } = await run(graph, { email: "ada@example.test" });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(view.verdict).toEqual({ outcome: "approve", summary: "tier gold" });
    expect(view.nodes.map((n) => [n.nodeId, n.status])).toEqual([
      ["start", "succeeded"],
      ["lookup", "succeeded"],
      ["done", "succeeded"],
    ]);
    expect(view.nodes[1]?.output).toEqual({ customer: "ada@example.test", tier: "gold" });
    expect(view.nodes.every((n) => n.startedAt && n.endedAt)).toBe(true);
    expect(tools.callsTo("crm.lookup")).toEqual([{ ref: "crm.lookup", args: { email: "ada@example.test" }, key: `${runId}:lookup` }]);
    const obs = await statusTrail(runId);
    expect(obs).toEqual([
      { node_id: null, status: "queued" },
      { node_id: null, status: "running" },
      { node_id: "start", status: "succeeded" },
      { node_id: "lookup", status: "running" },
      { node_id: "lookup", status: "succeeded" },
      { node_id: "done", status: "succeeded" },
      { node_id: null, status: "succeeded" },
    ]);
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("keeps the order of Observations when quick steps' changes are written together (conditions, skips, then an action)", async () => {
    tools.add("order.act", {});
    const graph = mission(
      "held order",
      [
        node.trigger("start"),
        node.condition("c1", { branches: [{ id: "go", expression: "true" }] }),
        node.verdict("never", { outcomes: ["no"], outcome: "'no'" }),
        node.condition("c2", { branches: [{ id: "go", expression: "true" }] }),
        node.action("act", { tool: "order.act" }),
        node.condition("c3", { branches: [{ id: "go", expression: "true" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("start->c1", "c1:go->c2", "c1:else->never", "c2:go->act", "act->c3", "c3:go->done"),
    );
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const obs = await statusTrail(runId);
    expect(obs).toEqual([
      { node_id: null, status: "queued" },
      { node_id: null, status: "running" },
      { node_id: "start", status: "succeeded" },
      { node_id: "c1", status: "succeeded" },
      // c1, c2 and the skip run in one quick segment, in the order of c1's edges, before the action starts.
      { node_id: "c2", status: "succeeded" },
      { node_id: "never", status: "skipped" },
      { node_id: "act", status: "running" },
      { node_id: "act", status: "succeeded" },
      { node_id: "c3", status: "succeeded" },
      { node_id: "done", status: "succeeded" },
      { node_id: null, status: "succeeded" },
    ]);
    expect(await nodeStates(database, runId)).toEqual({ start: "succeeded", c1: "succeeded", never: "skipped", c2: "succeeded", act: "succeeded", c3: "succeeded", done: "succeeded" });
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("runs parallel branches at the same time and joins them", async () => {
    let releaseLeft: () => void = () => {};
    const rightCalled = new Promise<void>((r) => (releaseLeft = r));
    // left only returns once right has been called: sequential branches would never finish.
    tools.add("par.left", { handle: async () => (await rightCalled, { n: 2 }) });
    tools.add("par.right", { handle: () => (releaseLeft(), { n: 3 }) });
    const graph = mission(
      "parallel",
      [
        node.trigger("start"),
        node.action("left", { tool: "par.left" }),
        node.action("right", { tool: "par.right" }),
        node.condition("join", { branches: [{ id: "sum5", expression: "left.n + right.n == 5" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "string(left.n + right.n)" }),
        node.verdict("wrong", { outcomes: ["bad"], outcome: "'bad'" }),
      ],
      edges("start->left", "start->right", "left->join", "right->join", "join:sum5->done", "join:else->wrong"),
    );
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(await nodeStates(database, runId)).toEqual({ start: "succeeded", left: "succeeded", right: "succeeded", join: "succeeded", done: "succeeded", wrong: "skipped" });
    expect((await getRun(database, runId)).verdict).toEqual({ outcome: "ok", summary: "5" });
  });

  it("keeps a branch moving while another waits for a decision", async () => {
    tools.add("side.one", {});
    tools.add("side.two", {});
    const graph = mission(
      "independent branches",
      [
        node.trigger("start"),
        node.approval("review"),
        node.action("one", { tool: "side.one" }),
        node.action("two", { tool: "side.two" }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("start->review", "start->one", "one->two", "review:approved->done", "two->done"),
    );
    const { runId, approvers } = await run(graph);
    const decisionId = await waitingDecision(database, runId, "review");
    await eventually(async () => (await nodeStates(database, runId)).two === "succeeded", 20_000, "the other branch to finish");
    expect(await nodeStates(database, runId)).toMatchObject({ review: "waiting", one: "succeeded", two: "succeeded", done: "pending" });
    expect((await getRun(database, runId)).status).toBe("waiting");
    await decide(database, { decisionId, userId: approvers[0] as string, userRoles: ["approver"], approve: true }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
  });

  it("prunes the branch a condition does not take and skips everything only it leads to", async () => {
    tools.add("path.x", {});
    tools.add("path.y", {});
    const graph = mission(
      "prune",
      [
        node.trigger("start", { fields: [{ name: "amount", type: "number" }] }),
        node.condition("check", { branches: [{ id: "big", expression: "trigger.amount > 100" }] }),
        node.action("x1", { tool: "path.x", args: { step: "1" } }),
        node.action("x2", { tool: "path.x", args: { step: "2" } }),
        node.action("x3", { tool: "path.x", args: { step: "3" } }),
        node.action("y1", { tool: "path.y", args: { via: "'small'" } }),
        node.verdict("final", {
          outcomes: ["big", "small"],
          outcome: "'x3' in skipped ? 'small' : 'big'",
          summary: "skipped.join(',')",
        }),
      ],
      edges("start->check", "check:big->x1", "x1->x2", "x2->x3", "check:else->y1", "x3->final", "y1->final"),
    );
    const { runId } = await run(graph, { amount: 20 });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(await nodeStates(database, runId)).toEqual({
      start: "succeeded",
      check: "succeeded",
      x1: "skipped",
      x2: "skipped",
      x3: "skipped",
      y1: "succeeded",
      final: "succeeded",
    });
    const view = await getRun(database, runId);
    expect(view.nodes.find((n) => n.nodeId === "check")?.output).toEqual({ branch: "else" });
    expect(view.verdict).toEqual({ outcome: "small", summary: "x1,x2,x3" });
    expect(tools.callsTo("path.x")).toHaveLength(0);
  });

  describe("approvals", () => {
    const approvalGraph = (name: string, approval: Parameters<typeof node.approval>[1]) =>
      mission(
        name,
        [
          node.trigger("start", { fields: [{ name: "amount", type: "number" }] }),
          node.approval("review", {
            title: "Refund?",
            proposed: [{ name: "amount", type: "number", expression: "trigger.amount", editable: true }],
            ...approval,
          }),
          node.action("refund", { tool: `bank.refund_${name}`, args: { amount: "review.values.amount" } }),
          node.verdict("yes", { outcomes: ["approve"], outcome: "'approve'", summary: "'refunded ' + string(review.values.amount)" }),
          node.verdict("no", { outcomes: ["deny"], outcome: "'deny'", summary: "review.reason" }),
        ],
        edges("start->review", "review:approved->refund", "refund->yes", "review:rejected->no"),
      );

    it("approve with an edit: the action runs with the edited value and is not gated a second time", async () => {
      tools.add("bank.refund_approve", { policy: "gated" });
      const { runId, approvers } = await run(approvalGraph("approve", {}), { amount: 120 });
      const decisionId = await waitingDecision(database, runId, "review");
      expect(await waitForRun(database, runId, ["waiting"])).toBe("waiting");
      const result = await decide(
        database,
        { decisionId, userId: approvers[0] as string, userRoles: ["approver"], approve: true, values: { amount: 80 } },
        { send: engine.send },
      );
      expect(result).toMatchObject({ status: "approved", resolved: true });
      expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect(tools.callsTo("bank.refund_approve")).toEqual([{ ref: "bank.refund_approve", args: { amount: 80 }, key: `${runId}:refund` }]);
      const decisions = await database.rows(sql`select 1 from decision where run_id = ${runId}`);
      expect(decisions).toHaveLength(1);
      const view = await getRun(database, runId);
      expect(view.nodes.find((n) => n.nodeId === "review")?.output).toEqual({ approved: true, values: { amount: 80 }, reason: null, decidedBy: approvers[0] });
      expect(view.verdict).toEqual({ outcome: "approve", summary: "refunded 80" });
      expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
    });

    it("reject: the rejected port is taken with the reason", async () => {
      tools.add("bank.refund_reject", { policy: "gated" });
      const { runId, approvers } = await run(approvalGraph("reject", {}), { amount: 500 });
      const decisionId = await waitingDecision(database, runId, "review");
      await decide(database, { decisionId, userId: approvers[1] as string, userRoles: ["approver"], approve: false, reason: "over the limit" }, { send: engine.send });
      expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
      expect(await nodeStates(database, runId)).toMatchObject({ review: "succeeded", refund: "skipped", yes: "skipped", no: "succeeded" });
      expect((await getRun(database, runId)).verdict).toEqual({ outcome: "deny", summary: "over the limit" });
      expect(tools.callsTo("bank.refund_reject")).toHaveLength(0);
    });

    it("timeout with onTimeout reject expires the decision and takes the rejected port", async () => {
      tools.add("bank.refund_timeout", { policy: "gated" });
      const { runId } = await run(approvalGraph("timeout", { timeout: "1s", onTimeout: "reject" }), { amount: 5 });
      expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
      const [d] = await database.rows<{ status: string; decided_by: string }>(sql`select status, decided_by from decision where run_id = ${runId}`);
      expect(d).toEqual({ status: "expired", decided_by: "system:timeout" });
      expect((await getRun(database, runId)).verdict?.outcome).toBe("deny");
    });

    it("timeout with onTimeout approve approves the proposed values where the admin policies allow it", async () => {
      tools.add("bank.refund_autoapprove", { policy: "gated" });
      await allowAutoApprove(true);
      try {
        const { runId } = await run(approvalGraph("autoapprove", { timeout: "1s", onTimeout: "approve" }), { amount: 7 });
        expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
        expect(tools.callsTo("bank.refund_autoapprove")).toEqual([{ ref: "bank.refund_autoapprove", args: { amount: 7 }, key: `${runId}:refund` }]);
        expect((await getRun(database, runId)).verdict).toEqual({ outcome: "approve", summary: "refunded 7" });
      } finally {
        await allowAutoApprove(false);
      }
    });

    it("turns onTimeout approve into a rejection under the baseline policy, and says which policy did", async () => {
      tools.add("bank.refund_noauto", { policy: "gated" });
      const { runId } = await run(approvalGraph("noauto", { timeout: "1s", onTimeout: "approve" }), { amount: 7 });
      expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
      const [d] = await database.rows<{ status: string; governance: { onTimeout: string; tightened: string[] } }>(
        sql`select status, governance from decision where run_id = ${runId}`,
      );
      expect(d?.status).toBe("expired");
      expect(d?.governance.onTimeout).toBe("reject");
      expect(d?.governance.tightened).toContain('At timeout: approve automatically → reject (policy "Approval steps")');
      expect(tools.callsTo("bank.refund_noauto")).toHaveLength(0);
      expect((await getRun(database, runId)).verdict?.outcome).toBe("deny");
    });

    it("escalates on timeout, lets the escalation role decide, and rejects after a second timeout", async () => {
      tools.add("bank.refund_escalate", { policy: "gated" });
      const decided = await run(approvalGraph("escalate", { timeout: "1s", onTimeout: "escalate", escalateTo: "admin" }), { amount: 9 });
      const ignored = await run(approvalGraph("escalate", { timeout: "1s", onTimeout: "escalate", escalateTo: "admin" }), { amount: 10 });

      await eventually(async () => {
        const [d] = await database.rows<{ approver_role: string }>(sql`select approver_role from decision where run_id = ${decided.runId}`);
        return d?.approver_role === "admin";
      });
      const decisionId = await waitingDecision(database, decided.runId, "review");
      await expect(
        decide(database, { decisionId, userId: decided.approvers[0] as string, userRoles: ["approver"], approve: true }, { send: engine.send }),
      ).rejects.toMatchObject({ reason: "forbidden" });
      await decide(database, { decisionId, userId: decided.approvers[2] as string, userRoles: ["admin"], approve: true }, { send: engine.send });
      expect(await waitForRun(database, decided.runId, ["succeeded", "failed"])).toBe("succeeded");
      expect((await getRun(database, decided.runId)).verdict?.outcome).toBe("approve");

      expect(await waitForRun(database, ignored.runId, ["succeeded", "failed"])).toBe("succeeded");
      const [d] = await database.rows<{ status: string; approver_role: string }>(sql`select status, approver_role from decision where run_id = ${ignored.runId}`);
      expect(d).toEqual({ status: "expired", approver_role: "admin" });
      expect((await getRun(database, ignored.runId)).verdict?.outcome).toBe("deny");
    });
  });

  it("gates a state-changing action with no approval node before it, and runs it once approved", async () => {
    tools.add("mail.send_gated", { policy: "gated" });
    const graph = mission(
      "gated action",
      [
        node.trigger("start"),
        node.action("send", { tool: "mail.send_gated", args: { to: "'ops@example.test'", body: "'hello'" } }),
        node.verdict("done", { outcomes: ["sent"], outcome: "'sent'" }),
      ],
      edges("start->send", "send->done"),
    );
    const { runId, approvers } = await run(graph);
    const decisionId = await waitingDecision(database, runId, "send");
    const [d] = await database.rows<{ kind: string; title: string; proposed: unknown; editable: string[] }>(
      sql`select kind, title, proposed, editable from decision where id = ${decisionId}`,
    );
    expect({ ...d, editable: d?.editable.sort() }).toEqual({ kind: "tool", title: "mail.send_gated", proposed: { to: "ops@example.test", body: "hello" }, editable: ["body", "to"] });
    expect(tools.callsTo("mail.send_gated")).toHaveLength(0);
    await decide(database, { decisionId, userId: approvers[0] as string, userRoles: ["approver"], approve: true, values: { body: "hello, edited" } }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(tools.callsTo("mail.send_gated")).toEqual([{ ref: "mail.send_gated", args: { to: "ops@example.test", body: "hello, edited" }, key: `${runId}:send` }]);
    // The run's audit record tells the whole story in order, the call with who approved it.
    const audit = await database.rows<{ action: string; target_id: string; data: Record<string, unknown> }>(
      sql`select action, target_id, data from audit_log where run_id = ${runId} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(["run.started", "decision.opened", "decision.decided", "tool.called", "run.verdict"]);
    expect(audit[3]).toMatchObject({ target_id: `${runId}:send`, data: { node: "send", tool: "mail.send_gated", args: { body: "hello, edited" }, isError: false, approvedBy: approvers[0] } });
    expect(audit[4]?.data).toMatchObject({ outcome: "sent" });
  });

  it("fails the run when a gated action is rejected, with the approver's reason", async () => {
    tools.add("mail.send_rejected", { policy: "gated" });
    const graph = mission(
      "rejected action",
      [node.trigger("start"), node.action("send", { tool: "mail.send_rejected" }), node.verdict("done", { outcomes: ["sent"], outcome: "'sent'" })],
      edges("start->send", "send->done"),
    );
    const { runId, approvers } = await run(graph);
    const decisionId = await waitingDecision(database, runId, "send");
    await decide(database, { decisionId, userId: approvers[0] as string, userRoles: ["approver"], approve: false, reason: "not today" }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const view = await getRun(database, runId);
    expect(view.error).toBe(`send: mail.send_rejected was not called. Rejected by ${approvers[0]}: not today`);
    expect(view.nodes.find((n) => n.nodeId === "send")).toMatchObject({ status: "failed" });
    expect(view.nodes.find((n) => n.nodeId === "done")?.status).toBe("pending");
    expect(tools.callsTo("mail.send_rejected")).toHaveLength(0);
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
    const audit = await database.rows<{ action: string; data: Record<string, unknown> }>(sql`select action, data from audit_log where run_id = ${runId} order by id`);
    expect(audit.map((a) => a.action)).toEqual(["run.started", "decision.opened", "decision.decided", "run.failed"]);
    expect(String(audit[3]?.data.reason)).toContain("not today");
  });

  it("takes a gated action's rejected port when its decision is rejected: the run goes on, the tool is not called", async () => {
    tools.add("mail.send_rejectable", { policy: "gated" });
    const graph = mission(
      "rejected port",
      [
        node.trigger("start"),
        node.action("send", { tool: "mail.send_rejectable", args: { to: "'ops@example.test'" } }),
        node.verdict("sent", { outcomes: ["sent"], outcome: "'sent'" }),
        node.verdict("held", { outcomes: ["held"], outcome: "'held'", summary: "'not sent: ' + send.reason" }),
      ],
      edges("start->send", "send->sent", "send:rejected->held"),
    );
    const { runId, approvers } = await run(graph);
    const decisionId = await waitingDecision(database, runId, "send");
    await decide(database, { decisionId, userId: approvers[0] as string, userRoles: ["approver"], approve: false, reason: "wrong list" }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(view.verdict).toEqual({ outcome: "held", summary: "not sent: wrong list" });
    expect(await nodeStates(database, runId)).toEqual({ start: "succeeded", send: "succeeded", sent: "skipped", held: "succeeded" });
    expect(view.nodes.find((n) => n.nodeId === "send")?.output).toEqual({ rejected: true, reason: "wrong list", decidedBy: approvers[0] });
    expect(tools.callsTo("mail.send_rejectable")).toHaveLength(0);
    const [said] = await database.rows<{ text: string; data: Record<string, unknown> }>(
      sql`select text, data from observation where run_id = ${runId} and node_id = 'send' and kind = 'status' and data->>'status' = 'succeeded'`,
    );
    expect(said?.text).toBe(`send: mail.send_rejectable was not called (Rejected by ${approvers[0]}: wrong list); taking the rejected path`);
    expect(said?.data).toMatchObject({ port: "rejected", decision: "rejected" });
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);

    // A re-run from the verdict reuses the action with the port it took: no decision, no call, the same path.
    const again = await rerun(database, { runId, fromNodeId: "held" }, approvers[0] as string, { send: engine.send });
    expect(await waitForRun(database, again.runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(await nodeStates(database, again.runId)).toEqual({ start: "succeeded", send: "succeeded", sent: "skipped", held: "succeeded" });
    expect((await getRun(database, again.runId)).verdict).toEqual({ outcome: "held", summary: "not sent: wrong list" });
    expect(await database.rows(sql`select 1 from decision where run_id = ${again.runId}`)).toHaveLength(0);
  });

  it("shows every attempt of a step that keeps failing: the attempt on the node, an error Observation and a step.retried audit entry each", async () => {
    tools.add("pay.down", {
      handle: () => {
        throw new Error("connection refused");
      },
    });
    const graph = mission(
      "always down",
      [node.trigger("start"), node.action("charge", { tool: "pay.down", args: { amount: "42" } }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->charge", "charge->done"),
    );
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    expect(tools.callsTo("pay.down")).toHaveLength(4);
    const errors = await database.rows<{ attempt: number; text: string; data: Record<string, unknown> }>(
      sql`select attempt, text, data from observation where run_id = ${runId} and node_id = 'charge' and kind = 'error' order by id`,
    );
    expect(errors.map((e) => [e.attempt, e.data.attempt, e.data.attempts, e.data.retriable])).toEqual([
      [0, 1, 4, true],
      [1, 2, 4, true],
      [2, 3, 4, true],
      [3, 4, 4, false],
    ]);
    expect(errors[0]?.text).toBe("Attempt 1 of 4 failed, trying again: connection refused");
    expect(errors[3]?.text).toBe("Attempt 4 of 4 failed: connection refused");
    const view = await getRun(database, runId);
    expect(view.nodes.find((n) => n.nodeId === "charge")).toMatchObject({ status: "failed", attempt: 3, error: "connection refused" });
    const [failed] = await database.rows<{ attempt: number }>(
      sql`select attempt from observation where run_id = ${runId} and node_id = 'charge' and kind = 'status' and data->>'status' = 'failed'`,
    );
    expect(failed?.attempt).toBe(3);
    const audit = await database.rows<{ action: string; data: Record<string, unknown> }>(sql`select action, data from audit_log where run_id = ${runId} order by id`);
    expect(audit.map((a) => a.action)).toEqual(["run.started", "step.retried", "step.retried", "step.retried", "run.failed"]);
    expect(audit[1]?.data).toMatchObject({ node: "charge", step: "node:charge:call", attempt: 1, attempts: 4, error: "connection refused" });
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("does not retry a failure another try cannot cure, and says it will not", async () => {
    const graph = mission(
      "bad expression",
      [node.trigger("start"), node.action("charge", { tool: "pay.never", args: { amount: "trigger.nothing.deeper" } }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->charge", "charge->done"),
    );
    tools.add("pay.never", {});
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const errors = await database.rows<{ attempt: number; data: Record<string, unknown> }>(
      sql`select attempt, data from observation where run_id = ${runId} and node_id = 'charge' and kind = 'error'`,
    );
    expect(errors.map((e) => [e.attempt, e.data.retriable])).toEqual([[0, false]]);
    expect(tools.callsTo("pay.never")).toHaveLength(0);
    const audit = await database.rows<{ action: string }>(sql`select action from audit_log where run_id = ${runId} order by id`);
    expect(audit.map((a) => a.action)).toEqual(["run.started", "run.failed"]);
  });

  it("retries an action whose response was lost: one effect, the same idempotency key", async () => {
    tools.add("pay.charge", { handle: (a) => ({ charged: a.amount }) });
    flaky.add("pay.charge");
    const graph = mission(
      "idempotent",
      [node.trigger("start"), node.action("charge", { tool: "pay.charge", args: { amount: "42" } }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->charge", "charge->done"),
    );
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const calls = tools.callsTo("pay.charge");
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.key))).toEqual(new Set([`${runId}:charge`]));
    expect([...tools.effects.keys()].filter((k) => k.startsWith(runId))).toEqual([`${runId}:charge`]);
    expect((await getRun(database, runId)).nodes.find((n) => n.nodeId === "charge")?.output).toEqual({ charged: 42 });
    const audited = await database.rows(sql`select 1 from audit_log where run_id = ${runId} and action = 'tool.called'`);
    expect(audited).toHaveLength(1);
    // The lost answer was an attempt: seen on the node, in the rail and in the audit log.
    expect((await getRun(database, runId)).nodes.find((n) => n.nodeId === "charge")?.attempt).toBe(1);
    const errors = await database.rows<{ attempt: number; text: string }>(sql`select attempt, text from observation where run_id = ${runId} and kind = 'error'`);
    expect(errors).toEqual([{ attempt: 0, text: "Attempt 1 of 4 failed, trying again: connection reset after the call was made" }]);
    expect(await database.rows(sql`select 1 from audit_log where run_id = ${runId} and action = 'step.retried'`)).toHaveLength(1);
  });

  it("gates a worker's state-changing proposal, runs the approved call, and resumes the worker with the result", async () => {
    tools.add("bank.transfer", { handle: (a) => ({ transferred: a.amount, ref: "tx-1" }) });
    const worker = scriptedWorker([
      async (input) => {
        await input.observe({ kind: "reasoning", text: "The customer is owed money." });
        return { kind: "proposed", toolCallId: "call-1", tool: "bank.transfer", args: { amount: 100, to: "acct-9" }, usage: usage(100, 20), transcript: ["t0"] };
      },
      (input) => ({
        kind: "completed",
        output: { summary: `done: ${(input.resume?.output as { transferred?: number }).transferred}`, sawTranscript: input.transcript?.length ?? 0 },
        usage: usage(50, 10),
        transcript: ["t0", "t1"],
      }),
    ]);
    workers.set("agent", worker);
    const graph = mission(
      "worker gate",
      [
        node.trigger("start", { fields: [{ name: "ticket", type: "string" }] }),
        node.worker("agent", { instructions: "Refund if owed", tools: ["bank.transfer"], outputs: [{ name: "summary", type: "string" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "agent.summary" }),
      ],
      edges("start->agent", "agent->done"),
    );
    const { runId, approvers } = await run(graph, { ticket: "T-1" });
    const decisionId = await waitingDecision(database, runId, "agent");
    expect(await waitForRun(database, runId, ["waiting"])).toBe("waiting");
    await decide(database, { decisionId, userId: approvers[0] as string, userRoles: ["approver"], approve: true, values: { amount: 80 } }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(tools.callsTo("bank.transfer")).toEqual([{ ref: "bank.transfer", args: { amount: 80, to: "acct-9" }, key: `${runId}:agent:0` }]);
    const second = worker.inputs.filter((i) => i.runId === runId)[1];
    expect(second?.resume).toEqual({ toolCallId: "call-1", output: { transferred: 80, ref: "tx-1" }, isError: false });
    expect(second?.context).toMatchObject({ trigger: { ticket: "T-1" }, start: { ticket: "T-1" } });
    const view = await getRun(database, runId);
    expect(view.verdict?.summary).toBe("done: 80");
    expect(view.nodes.find((n) => n.nodeId === "agent")).toMatchObject({ status: "succeeded", tokensIn: 150, tokensOut: 30 });
    expect(view.tokensIn).toBe(150);
    const reasoning = await database.rows(sql`select 1 from observation where run_id = ${runId} and node_id = 'agent' and kind = 'reasoning'`);
    expect(reasoning).toHaveLength(1);
  });

  it("resumes a worker with the rejection as an error result when its proposal is rejected", async () => {
    tools.add("bank.transfer_rejected", {});
    const worker = scriptedWorker([
      () => ({ kind: "proposed", toolCallId: "c1", tool: "bank.transfer_rejected", args: { amount: 5 }, usage: usage(), transcript: [] }),
      (input) => ({ kind: "completed", output: { summary: String(input.resume?.output), isError: input.resume?.isError }, usage: usage(), transcript: [] }),
    ]);
    workers.set("agent2", worker);
    const graph = mission(
      "worker reject",
      [node.trigger("start"), node.worker("agent2", { outputs: [{ name: "summary", type: "string" }] }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "agent2.summary" })],
      edges("start->agent2", "agent2->done"),
    );
    const { runId, approvers } = await run(graph);
    const decisionId = await waitingDecision(database, runId, "agent2");
    await decide(database, { decisionId, userId: approvers[1] as string, userRoles: ["approver"], approve: false, reason: "wrong account" }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(tools.callsTo("bank.transfer_rejected")).toHaveLength(0);
    expect((await getRun(database, runId)).nodes.find((n) => n.nodeId === "agent2")?.output).toEqual({
      summary: `Rejected by ${approvers[1]}: wrong account`,
      isError: true,
    });
  });

  it("counts the tokens of a Worker attempt that failed against the run's budget", async () => {
    const worker = scriptedWorker([
      async (input) => {
        await input.observe({ kind: "usage", text: "model: 700 tokens in, 100 out", tokensIn: 700, tokensOut: 100, data: { cost: 0 } });
        throw new Error("the model's connection dropped");
      },
      () => ({ kind: "completed", output: { summary: "ok" }, usage: usage(50, 10), transcript: [] }),
    ]);
    workers.set("spender", worker);
    const graph = mission(
      "budget retry",
      [node.trigger("start"), node.worker("spender", { outputs: [{ name: "summary", type: "string" }] }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->spender", "spender->done"),
    );
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: {}, userId: seeded.starter, tokenBudget: 1_000 }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const attempts = worker.inputs.filter((i) => i.runId === runId);
    expect(attempts.map((i) => i.tokenBudgetLeft)).toEqual([1_000, 200]);
  });

  it("completes without an outcome when the taken path has no verdict", async () => {
    const graph = mission(
      "no verdict",
      [
        node.trigger("start", { fields: [{ name: "amount", type: "number" }] }),
        node.condition("check", { branches: [{ id: "big", expression: "trigger.amount > 100" }] }),
        node.verdict("done", { outcomes: ["review"], outcome: "'review'" }),
      ],
      edges("start->check", "check:big->done"),
    );
    const { runId } = await run(graph, { amount: 1 });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(view.verdict).toBeNull();
    expect(await nodeStates(database, runId)).toEqual({ start: "succeeded", check: "succeeded", done: "skipped" });
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });

  it("fails the run, naming the node, when a verdict gives an outcome it does not list", async () => {
    const graph = mission(
      "bad verdict",
      [node.trigger("start", { fields: [{ name: "pick", type: "string" }] }), node.verdict("done", { outcomes: ["approve", "deny"], outcome: "trigger.pick" })],
      edges("start->done"),
    );
    const { runId } = await run(graph, { pick: "maybe" });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const view = await getRun(database, runId);
    expect(view.error).toBe('done.outcome: gave "maybe", which is not one of approve, deny');
    expect(view.nodes.find((n) => n.nodeId === "done")?.status).toBe("failed");
    expect((await checkRunInvariants(database, runId)).violations).toEqual([]);
  });
});
