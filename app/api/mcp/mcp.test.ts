import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { publishForTest } from "@/test/publishing";
import type { MissionGraph } from "@/lib/mission/schema";
import { refundMission } from "@/lib/mission/templates/refund";
import { createUser } from "@/server/auth/users";
import { createApiKey } from "@/server/auth/api-keys";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { FakeTools, scriptedWorker, testEngine, usage, waitForRun } from "@/server/engine/testing/harness";
import { createMission, saveVersion, setArchived } from "@/server/missions/service";
import { revokeExposedTool, restoreExposedTool } from "@/server/mcp-server/exposed";
import { stopNotificationLoop } from "@/server/notifications/loop";
import * as route from "./route";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

/** The demo refund mission, exposed to assistants as `request_refund`. */
function refundTool(name = "Refund adjudication", tool = "request_refund"): MissionGraph {
  const g = { ...refundMission(), name };
  const trigger = g.nodes.find((n) => n.kind === "trigger");
  if (trigger?.kind !== "trigger") throw new Error("the refund template has no trigger");
  trigger.data.tool = { name: tool, description: "Asks for a refund of an order; an approver decides before any money moves." };
  return g;
}

const READ = { annotations: { readOnlyHint: true } };

interface RunAnswer {
  runId: string;
  status: string;
  ended: boolean;
  verdict: { outcome: string; summary: string } | null;
  waitingOn: { decisionId: string; step: string; approverRole: string }[];
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");

describe.each(testDatabases())("Steward as an MCP server on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  let starter: { id: string; key: string };
  let missionId: string;
  const clients: Client[] = [];
  const tools = new FakeTools()
    .add("commerce.get_order", READ)
    .add("commerce.get_payment", READ)
    .add("knowledge.search_policies", READ)
    .add("crm.get_history", READ)
    .add("commerce.issue_refund", { annotations: { destructiveHint: true }, handle: (a) => ({ refundId: `rf_${String(a.orderId)}` }) })
    .add("crm.add_note", { annotations: { destructiveHint: false } });
  /** The Workers' answers: order 77 was delivered too long ago and is denied; others get a partial refund. */
  const worker = scriptedWorker([
    (input) => {
      const late = (input.context.trigger as { orderId: string }).orderId === "77";
      return input.nodeId === "ground"
        ? { kind: "completed", output: { orderTotal: 80, currency: "EUR", paymentCaptured: true, daysSinceDelivery: late ? 90 : 3, policyClause: "REF-2.1", policySummary: "Within 30 days." }, usage: usage(), transcript: [] }
        : { kind: "completed", output: late ? { decision: "deny", amount: 0, rationale: "Past the 30 days of REF-2.1." } : { decision: "partial", amount: 35, rationale: "Worn once: REF-2.1 allows a partial refund." }, usage: usage(), transcript: [] };
    },
  ]);

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database, { tools, runWorker: worker });
    setEngineDeps({ send: engine.send, tools });
    await engine.executor.start({ workers: true });
    // Starts runs and may approve: separation of duties is what stops them approving their own.
    const u = await createUser(h.database.db, { email: "both@test.local", name: "Builder Approver", password: "correct-horse-battery", roles: ["builder", "approver"] });
    starter = { id: u.id, key: (await createApiKey(h.database.db, { name: "assistant" }, u.id)).key };
    const m = await createMission(h.database.db, { name: "Refund adjudication" }, h.userId("builder"));
    await saveVersion(h.database.db, m.id, { graph: refundTool(), message: "exposed as a tool" }, h.userId("builder"));
    // Exposure is governance: the version runs only once someone other than its author published it.
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    missionId = m.id;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await engine?.executor.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await h?.close();
  });

  /** An SDK client over streamable HTTP, whose requests reach the real route handler. */
  async function connect(key: string): Promise<Client> {
    const client = new Client({ name: "steward-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL("http://localhost/api/mcp"), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: (url, init) => route.POST(new Request(url, init)),
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }
  const keyOf = (p: "viewer" | "approver" | "builder" | "admin") => h.headers(p).get("authorization")!.slice(7);
  const call = async (client: Client, name: string, args: Record<string, unknown>, onprogress?: (p: { progress: number; total?: number }) => void) =>
    (await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress, resetTimeoutOnProgress: true } : undefined)) as CallToolResult;

  it("lists the exposed refund mission with its inputs and honest annotations, and the Decision Queue's tools", async () => {
    const client = await connect(starter.key);
    const { tools: listed } = await client.listTools();
    expect(listed.map((t) => t.name).sort()).toEqual(["decide", "get_run", "list_pending_decisions", "request_refund"]);
    const refund = listed.find((t) => t.name === "request_refund")!;
    expect(refund.inputSchema).toMatchObject({
      type: "object",
      required: ["orderId", "email", "reason"],
      properties: { orderId: { type: "string", title: "Order number" }, email: { type: "string", format: "email" }, reason: { type: "string", maxLength: 2000 }, wait_seconds: { type: "number" } },
    });
    // It issues refunds: it changes things, and its connector says issuing one is destructive.
    expect(refund.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true });
    expect(refund.description).toMatch(/^Asks for a refund of an order/);
  });

  it("starts a run that waits on its approval; its starter is refused by separation of duties; an approver's decide resumes it to its verdict", async () => {
    const client = await connect(starter.key);
    const progress: number[] = [];
    const started = await call(client, "request_refund", { orderId: "1042", email: "dana@example.com", reason: "The jacket arrived torn.", wait_seconds: 20 }, (p) => progress.push(p.progress));
    expect(started.isError).toBeFalsy();
    const run = started.structuredContent as unknown as RunAnswer;
    expect(run).toMatchObject({ status: "waiting", ended: false, verdict: null });
    expect(run.waitingOn).toEqual([expect.objectContaining({ step: "refund", approverRole: "approver" })]);
    expect(progress.length).toBeGreaterThan(0);
    const decisionId = run.waitingOn[0]!.decisionId;

    const own = await call(client, "decide", { decisionId, approve: true });
    expect(own.isError).toBe(true);
    expect(text(own)).toMatch(/separation of duties|started this run|you requested/i);
    expect(own.structuredContent).toMatchObject({ error: { reason: "separation_of_duties" } });

    const approver = await connect(keyOf("approver"));
    const pending = (await call(approver, "list_pending_decisions", {})).structuredContent as { decisions: { decisionId: string; canDecide: boolean }[] };
    expect(pending.decisions).toContainEqual(expect.objectContaining({ decisionId, canDecide: true }));
    const decided = await call(approver, "decide", { decisionId, approve: true, values: { amount: 30 }, reason: "Partial, as REF-2.1 says." });
    expect(decided.isError).toBeFalsy();
    expect(decided.structuredContent).toMatchObject({ status: "approved", runId: run.runId });

    await waitForRun(h.database, run.runId, ["succeeded", "failed"]);
    const after = (await call(client, "get_run", { runId: run.runId })).structuredContent as unknown as RunAnswer;
    expect(after).toMatchObject({ status: "succeeded", verdict: { outcome: "partial", summary: "Refunded 30 EUR for order 1042" } });
    expect(tools.callsTo("commerce.issue_refund").map((c) => c.args)).toContainEqual(expect.objectContaining({ orderId: "1042", amount: 30 }));

    // The finished run's audit record is a resource: who started it, via which tool, who approved.
    const uri = `steward://runs/${run.runId}/audit`;
    expect((await client.listResources()).resources.map((r) => r.uri)).toContain(uri);
    const [content] = (await client.readResource({ uri })).contents;
    const record = JSON.parse(content && "text" in content ? content.text : "{}") as { verdict: { outcome: string }; entries: { action: string; actorLabel: string }[] };
    expect(record.verdict.outcome).toBe("partial");
    expect(record.entries.map((e) => e.action)).toEqual(expect.arrayContaining(["run.started", "mcp.tool_called", "decision.decided"]));

    // Every call is audited as the key's owner, via MCP; the run says it was started by the tool.
    const audited = await h.database.rows<{ actor_id: string; actor_label: string; target_id: string; data: { via: string; outcome: string } }>(
      sql`select actor_id, actor_label, target_id, data from audit_log where action = 'mcp.tool_called' and actor_id = ${starter.id} order by id`,
    );
    expect(audited.map((a) => [a.target_id, a.data.outcome])).toEqual([["request_refund", "ok"], ["decide", "refused"], ["get_run", "ok"]]);
    expect(audited.every((a) => a.data.via === "MCP" && a.actor_label.startsWith("api key stw_") && a.actor_label.endsWith("of both@test.local"))).toBe(true);
    const [startedEntry] = await h.database.rows<{ actor_id: string; via: string }>(sql`select actor_id, data->>'via' as via from audit_log where action = 'run.started' and run_id = ${run.runId}`);
    expect(startedEntry).toEqual({ actor_id: starter.id, via: "MCP tool request_refund" });
  });

  it("holds decide to four-eyes, one vote each and a reason to reject, in the queue's words", async () => {
    const fourEyes = refundTool("Refund, four eyes", "request_refund_four_eyes");
    const approval = fourEyes.nodes.find((n) => n.id === "refund");
    if (approval?.kind !== "approval") throw new Error("the refund template has no approval");
    approval.data.requiredApprovals = 2;
    const m = await createMission(h.database.db, { name: fourEyes.name }, h.userId("builder"));
    await saveVersion(h.database.db, m.id, { graph: fourEyes, message: "two approvers" }, h.userId("builder"));
    await publishForTest(h.database.db, m.id, h.userId("approver"));
    const second = await createUser(h.database.db, { email: "approver2@test.local", name: "Second Approver", password: "correct-horse-battery", roles: ["approver"] });
    const secondKey = (await createApiKey(h.database.db, { name: "second" }, second.id)).key;

    const run = (await call(await connect(starter.key), "request_refund_four_eyes", { orderId: "1043", email: "dana@example.com", reason: "Torn.", wait_seconds: 20 })).structuredContent as unknown as RunAnswer;
    const decisionId = run.waitingOn[0]!.decisionId;
    const approver = await connect(keyOf("approver"));
    const noReason = await call(approver, "decide", { decisionId, approve: false });
    expect(noReason.structuredContent).toMatchObject({ error: { reason: "reason_required" } });
    const first = await call(approver, "decide", { decisionId, approve: true });
    expect(first.structuredContent).toMatchObject({ resolved: false, approvals: 1, requiredApprovals: 2, message: "Your approval is recorded: 1 of 2 approvals. Another approver must approve it too." });
    const again = await call(approver, "decide", { decisionId, approve: true });
    expect(again.structuredContent).toMatchObject({ error: { reason: "already_voted" } });
    const last = await call(await connect(secondKey), "decide", { decisionId, approve: true });
    expect(last.structuredContent).toMatchObject({ resolved: true, status: "approved" });
    expect(await waitForRun(h.database, run.runId, ["succeeded", "failed"])).toBe("succeeded");
  });

  it("answers within the wait with the verdict when the run ends", async () => {
    const client = await connect(starter.key);
    // The reason Worker denies order 77: the run ends without an approval, within the wait.
    const r = (await call(client, "request_refund", { orderId: "77", email: "lee@example.com", reason: "Changed my mind.", wait_seconds: 20 })).structuredContent as unknown as RunAnswer;
    expect(r).toMatchObject({ status: "succeeded", ended: true, verdict: { outcome: "deny" }, waitingOn: [] });
  });

  it("refuses a viewer's key a mission tool, naming the role", async () => {
    const viewer = await connect(keyOf("viewer"));
    expect((await viewer.listTools()).tools.map((t) => t.name)).toEqual(["get_run"]);
    const before = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`);
    const r = await call(viewer, "request_refund", { orderId: "1042", email: "dana@example.com", reason: "x" });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/needs the builder role; this key acts as viewer@test\.local \(viewer\)/);
    expect(await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`)).toEqual(before);
  });

  it("answers bad arguments with a tool error naming the field, and starts nothing", async () => {
    const client = await connect(starter.key);
    const before = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`);
    const bad = await call(client, "request_refund", { orderId: "1042", email: "not-an-email", colour: "red" });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain("input.email: must be an email address");
    expect(text(bad)).toContain("input.reason: is required");
    expect(text(bad)).toContain("input.colour: is not an input of this mission");
    const wait = await call(client, "request_refund", { orderId: "1042", email: "dana@example.com", reason: "x", wait_seconds: "soon" });
    expect(wait.structuredContent).toMatchObject({ error: { problems: [{ path: "wait_seconds" }] } });
    const nul = await call(client, "request_refund", { orderId: "10\u000042", email: "dana@example.com", reason: "x" });
    expect(text(nul)).toMatch(/^Invalid arguments: orderId/);
    expect((await call(client, "get_run", {})).structuredContent).toMatchObject({ error: { problems: [{ path: "runId" }] } });
    expect(text(await call(client, "get_run", { runId: "nope" }))).toBe("No run nope");
    expect(text(await call(client, "decide", { decisionId: "nope", approve: "yes" }))).toMatch(/approve: must be true \(approve\) or false \(reject\)/);
    expect(text(await call(client, "no_such_tool", {}))).toMatch(/^No tool named "no_such_tool"/);
    expect(await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`)).toEqual(before);
  });

  it("stops offering a tool an admin revoked until restored, and an archived mission's tool", async () => {
    const client = await connect(starter.key);
    const names = async () => (await client.listTools()).tools.map((t) => t.name);
    await revokeExposedTool(h.database, missionId, { id: h.userId("admin") });
    expect(await names()).not.toContain("request_refund");
    expect(text(await call(client, "request_refund", { orderId: "1", email: "a@b.co", reason: "x" }))).toMatch(/^No tool named "request_refund"/);
    await restoreExposedTool(h.database, missionId, { id: h.userId("admin") });
    expect(await names()).toContain("request_refund");
    await setArchived(h.database.db, missionId, true);
    expect(await names()).not.toContain("request_refund");
    await setArchived(h.database.db, missionId, false);
  });

  it("takes only an API key: no key, an unknown key and a GET are refused", async () => {
    const post = (headers: Record<string, string>) =>
      route.POST(new Request("http://localhost/api/mcp", { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) }));
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: "Bearer stw_nope" })).status).toBe(401);
    expect((await route.GET(new Request("http://localhost/api/mcp", { headers: { authorization: `Bearer ${starter.key}` } }))).status).toBe(405);
  });
});
