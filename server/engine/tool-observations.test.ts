import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { jsonBytes } from "@/lib/bounded";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import type { ToolCallOptions, ToolCallResult, ToolPort } from "@/server/connectors/tool-port";
import type { WorkerRunInput, WorkerRunner } from "@/server/workers/types";
import { decide } from "@/server/decisions/decide";
import { RECORD_DATA_MAX_BYTES, RECORD_STRING_MAX_CHARS } from "@/server/observations/bounds";
import { startRun } from "@/server/runs/service";
import { edges, mission, node } from "./testing/missions";
import { FakeTools, scriptedWorker, seedMission, testEngine, usage, waitForRun, waitingDecision } from "./testing/harness";

/**
 * What an Action (or a Worker's approved call) sent to a system of record and what it answered,
 * as the run page reads it: a `tool_call` Observation with the arguments as they were sent (after
 * an approver's edits, naming who approved) and a `tool_result` with the answer, bounded like any
 * Observation data — the same kinds and data shape as a Worker's own tool calls (docs/models.md).
 */
describe.each(testDatabases())("tool call Observations on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  const tools = new FakeTools();
  const workers = new Map<string, WorkerRunner>();
  /** Tools that answer plain text, or an error, or throw: beyond what FakeTools returns. */
  const special: Record<string, (args: Record<string, unknown>) => ToolCallResult> = {
    "crm.plain": (a) => ({ isError: false, text: `Noted for ${String(a.email)}`, value: undefined, raw: { content: [{ type: "text", text: `Noted for ${String(a.email)}` }] } }),
    "crm.refuses": () => ({ isError: true, text: "email is not a customer", value: undefined, raw: { isError: true } }),
    "crm.huge": () => ({ isError: false, text: "y".repeat(300_000), value: { blob: "z".repeat(300_000) }, raw: { content: [{ type: "text", text: "y".repeat(300_000) }] } }),
    "crm.down": () => {
      throw new Error("connection refused");
    },
  };
  const toolPort: ToolPort = {
    async listTools(refs) {
      const extra = Object.keys(special)
        .filter((ref) => !refs || refs.includes(ref))
        .map((ref) => ({ ref, connector: "crm", name: ref.slice(4), description: ref, inputSchema: { type: "object" }, annotations: {}, policy: "autonomous" as const }));
      return [...(await tools.listTools(refs)), ...extra];
    },
    async callTool(ref: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolCallResult> {
      const answer = special[ref];
      return answer ? answer(args) : tools.callTool(ref, args, opts);
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
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  async function run(graph: ReturnType<typeof mission>, input: Record<string, unknown> = {}) {
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input, userId: seeded.starter }, { send: engine.send });
    return { ...seeded, runId };
  }

  type Row = { kind: string; attempt: number; text: string; data: Record<string, unknown> };
  /** The node's tool_call and tool_result Observations, in order. */
  function calls(runId: string, nodeId: string): Promise<Row[]> {
    return database.rows<Row>(
      sql`select kind, attempt, text, data from observation where run_id = ${runId} and node_id = ${nodeId} and kind in ('tool_call', 'tool_result') order by id`,
    );
  }
  /** The node's Observations as `kind` or `kind:status`, in order. */
  async function trail(runId: string, nodeId: string): Promise<string[]> {
    const rows = await database.rows<{ kind: string; status: string | null }>(
      sql`select kind, data->>'status' as status from observation where run_id = ${runId} and node_id = ${nodeId} and kind in ('tool_call', 'tool_result', 'status') order by id`,
    );
    return rows.map((r) => (r.status ? `${r.kind}:${r.status}` : r.kind));
  }

  it("records what an action sent and what the system answered, between its running and succeeded states", async () => {
    tools.add("crm.add_note", { handle: (a) => ({ noteId: "N-1", email: a.email, note: a.note }) });
    const graph = mission(
      "note",
      [
        node.trigger("start", { fields: [{ name: "email", type: "email" }] }),
        node.action("note", { tool: "crm.add_note", args: { email: "trigger.email", note: "'Refund issued'" } }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("start->note", "note->done"),
    );
    const { runId } = await run(graph, { email: "dana@example.com" });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    expect(await trail(runId, "note")).toEqual(["status:running", "tool_call", "tool_result", "status:succeeded"]);
    const [call, result] = await calls(runId, "note");
    expect(call).toEqual({
      kind: "tool_call",
      attempt: 0,
      text: "crm.add_note",
      data: { tool: "crm.add_note", args: { email: "dana@example.com", note: "Refund issued" }, toolCallId: `${runId}:note` },
    });
    expect(result).toMatchObject({
      kind: "tool_result",
      data: { tool: "crm.add_note", toolCallId: `${runId}:note`, isError: false, value: { noteId: "N-1", email: "dana@example.com", note: "Refund issued" } },
    });
    expect(JSON.parse(result?.text ?? "")).toEqual({ noteId: "N-1", email: "dana@example.com", note: "Refund issued" });
  });

  it("records a plain-text answer as its text, and an error answer as an error result", async () => {
    const graph = mission(
      "plain and refused",
      [
        node.trigger("start"),
        node.action("plain", { tool: "crm.plain", args: { email: "'dana@example.com'" } }),
        node.action("refused", { tool: "crm.refuses", args: { email: "'nobody@example.com'" } }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("start->plain", "plain->refused", "refused->done"),
    );
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const [, plain] = await calls(runId, "plain");
    expect(plain).toMatchObject({ kind: "tool_result", text: "Noted for dana@example.com", data: { isError: false, value: null } });
    const refused = await calls(runId, "refused");
    expect(refused.map((r) => r.kind)).toEqual(["tool_call", "tool_result"]);
    expect(refused[1]).toMatchObject({ text: "email is not a customer", data: { tool: "crm.refuses", isError: true } });
  });

  it("records each attempt of a call that failed on the way, with the error as its result", async () => {
    const graph = mission(
      "down",
      [node.trigger("start"), node.action("note", { tool: "crm.down", args: { email: "'a@example.com'" } }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->note", "note->done"),
    );
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("failed");
    const rows = await calls(runId, "note");
    expect(rows.map((r) => [r.kind, r.attempt])).toEqual([
      ["tool_call", 0],
      ["tool_result", 0],
      ["tool_call", 1],
      ["tool_result", 1],
      ["tool_call", 2],
      ["tool_result", 2],
      ["tool_call", 3],
      ["tool_result", 3],
    ]);
    expect(rows[1]).toMatchObject({ text: "connection refused", data: { tool: "crm.down", isError: true, error: "connection refused", toolCallId: `${runId}:note` } });
  });

  it("bounds a huge answer like any Observation data", async () => {
    const graph = mission(
      "huge",
      [node.trigger("start"), node.action("big", { tool: "crm.huge" }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->big", "big->done"),
    );
    const { runId } = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const [, result] = await calls(runId, "big");
    expect(result?.text.length).toBeLessThan(4_100);
    expect(result?.text).toMatch(/… \[truncated: 300 KB in all\]$/);
    expect(jsonBytes(result?.data)).toBeLessThanOrEqual(RECORD_DATA_MAX_BYTES);
    const blob = (result?.data.value as { blob?: string } | undefined)?.blob;
    expect(blob?.length ?? 0).toBeLessThan(RECORD_STRING_MAX_CHARS + 100);
  });

  it("records a gated action's arguments after the approver's edits, what was edited and who approved", async () => {
    tools.add("crm.add_note_gated", { policy: "gated" });
    const graph = mission(
      "gated note",
      [
        node.trigger("start"),
        node.action("note", { tool: "crm.add_note_gated", args: { email: "'dana@example.com'", note: "'Refund of 42.5 EUR'" } }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("start->note", "note->done"),
    );
    const { runId, approvers } = await run(graph);
    const decisionId = await waitingDecision(database, runId, "note");
    // Nothing was sent while it waited.
    expect(await calls(runId, "note")).toEqual([]);
    const approver = approvers[0] as string;
    await database.db.execute(sql`update "user" set name = 'Avery Approver' where id = ${approver}`);
    await decide(database, { decisionId, userId: approver, userRoles: ["approver"], approve: true, values: { note: "Refund of 35 EUR" } }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const [call, result] = await calls(runId, "note");
    expect(call?.data).toEqual({
      tool: "crm.add_note_gated",
      args: { email: "dana@example.com", note: "Refund of 35 EUR" },
      toolCallId: `${runId}:note`,
      decisionId,
      approvedBy: [{ id: approver, name: "Avery Approver" }],
      edited: { note: { from: "Refund of 42.5 EUR", to: "Refund of 35 EUR" } },
    });
    expect(result?.data).toMatchObject({ isError: false, value: { email: "dana@example.com", note: "Refund of 35 EUR" } });
  });

  it("names the approvers of the Approval step that gated an action, every one of a four-eyes approval", async () => {
    tools.add("bank.refund_after_review", { policy: "gated" });
    const graph = mission(
      "reviewed refund",
      [
        node.trigger("start", { fields: [{ name: "amount", type: "number" }] }),
        node.approval("review", {
          title: "Refund?",
          requiredApprovals: 2,
          proposed: [{ name: "amount", type: "number", expression: "trigger.amount", editable: true }],
        }),
        node.action("refund", { tool: "bank.refund_after_review", args: { amount: "review.values.amount" } }),
        node.verdict("yes", { outcomes: ["approve"], outcome: "'approve'" }),
        node.verdict("no", { outcomes: ["deny"], outcome: "'deny'" }),
      ],
      edges("start->review", "review:approved->refund", "refund->yes", "review:rejected->no"),
    );
    const { runId, approvers } = await run(graph, { amount: 120 });
    const decisionId = await waitingDecision(database, runId, "review");
    const [ann, bob] = approvers as [string, string];
    await decide(database, { decisionId, userId: ann, userRoles: ["approver"], approve: true, values: { amount: 80 } }, { send: engine.send });
    await decide(database, { decisionId, userId: bob, userRoles: ["approver"], approve: true }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const [call] = await calls(runId, "refund");
    expect(call?.data).toEqual({
      tool: "bank.refund_after_review",
      args: { amount: 80 },
      toolCallId: `${runId}:refund`,
      decisionId,
      approvedBy: [
        { id: ann, name: ann },
        { id: bob, name: bob },
      ],
    });
  });

  it("records a Worker's approved call with the Worker's call id, the approved arguments and the result", async () => {
    tools.add("bank.transfer_observed", { handle: (a) => ({ transferred: a.amount, ref: "tx-9" }) });
    workers.set(
      "agent",
      scriptedWorker([
        () => ({ kind: "proposed", toolCallId: "call-7", tool: "bank.transfer_observed", args: { amount: 100, to: "acct-9" }, usage: usage(), transcript: ["t0"] }),
        () => ({ kind: "completed", output: { summary: "done" }, usage: usage(), transcript: ["t0", "t1"] }),
      ]),
    );
    const graph = mission(
      "worker call",
      [node.trigger("start"), node.worker("agent", { tools: ["bank.transfer_observed"], outputs: [{ name: "summary", type: "string" }] }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
      edges("start->agent", "agent->done"),
    );
    const { runId, approvers } = await run(graph);
    const decisionId = await waitingDecision(database, runId, "agent");
    const approver = approvers[2] as string;
    await decide(database, { decisionId, userId: approver, userRoles: ["approver"], approve: true, values: { amount: 80 } }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"])).toBe("succeeded");
    const [call, result] = await calls(runId, "agent");
    expect(call?.data).toEqual({
      tool: "bank.transfer_observed",
      args: { amount: 80, to: "acct-9" },
      toolCallId: "call-7",
      decisionId,
      approvedBy: [{ id: approver, name: approver }],
      edited: { amount: { from: 100, to: 80 } },
    });
    expect(result?.data).toMatchObject({ tool: "bank.transfer_observed", toolCallId: "call-7", isError: false, value: { transferred: 80, ref: "tx-9" } });
  });
});
