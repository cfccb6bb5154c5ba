import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import { publishForTest } from "@/test/publishing";
import type { ToolPort } from "@/server/connectors/tool-port";
import { decide } from "@/server/decisions/decide";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { testEngine, waitForRun, waitingDecision } from "@/server/engine/testing/harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { stopNotificationLoop } from "@/server/notifications/loop";
import { ANY_RUN_ENDED, observationBus } from "@/server/observations/record";
import { startRun } from "@/server/runs/service";
import { createWorkerRunner } from "@/server/workers/run-worker";
import { createFakeToolPort } from "@/server/workers/testing/fake-tool-port";
import { runTraceLink } from "./link";
import { startRunTracing, type RunTracing } from "./start";

process.env.STEWARD_SECRET_KEY ??= "e".repeat(64);
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

// --- A local OTLP/HTTP receiver: what a collector would be sent (OTLP/JSON) -----------------

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpKeyValue[];
  events?: { name: string; timeUnixNano: string; attributes?: OtlpKeyValue[] }[];
  status?: { code?: number; message?: string };
}
interface OtlpRequest {
  resourceSpans: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const received: { path: string; headers: http.IncomingHttpHeaders; body: OtlpRequest }[] = [];
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpRequest });
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
// Read once by server/env.ts, so set before anything reads the environment.
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiverUrl;
process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
process.env.OTEL_EXPORTER_OTLP_HEADERS = "authorization=Bearer%20otel-test-token";
process.env.OTEL_SERVICE_NAME = "steward-under-test";
process.env.STEWARD_TRACE_URL_TEMPLATE = "https://tempo.example/trace/{traceId}?run={runId}";

const valueOf = (v: OtlpValue): unknown =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? v.arrayValue?.values?.map(valueOf);
const attributesOf = (list: OtlpKeyValue[] = []): Record<string, unknown> => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));
/** OTLP/JSON carries ids as hex; accept base64 too. */
const hex = (id: string | undefined) => (!id ? "" : /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, "base64").toString("hex"));

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  start: bigint;
  end: bigint;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code?: number; message?: string };
}

/** Every span received for `traceId`, in the order received. */
function spansOf(traceId: string): Span[] {
  return received
    .flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)))
    .map((s) => ({
      traceId: hex(s.traceId),
      spanId: hex(s.spanId),
      parentSpanId: hex(s.parentSpanId),
      name: s.name,
      start: BigInt(s.startTimeUnixNano),
      end: BigInt(s.endTimeUnixNano),
      attributes: attributesOf(s.attributes),
      events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
      status: s.status ?? {},
    }))
    .filter((s) => s.traceId === traceId);
}

async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

/** The refund demo's tools, with the CRM note the mission ends with (gated: it waits for its own yes). */
function refundTools(): ToolPort {
  const demo = createFakeToolPort();
  return {
    async listTools(refs) {
      const note = { ref: "crm.add_note", connector: "crm", name: "add_note", description: "Add a note", inputSchema: { type: "object" }, annotations: {}, policy: "gated" as const };
      return [...(await demo.listTools(refs)), ...(!refs || refs.includes(note.ref) ? [note] : [])];
    },
    async callTool(ref, args, opts) {
      if (ref !== "crm.add_note") return demo.callTool(ref, args, opts);
      const value = { noteId: "N-1", ...args };
      return { isError: false, text: JSON.stringify(value), value, raw: value };
    },
  };
}

describe.each(testDatabases())("a refund run as an OpenTelemetry trace on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  let tracing: RunTracing | null;

  beforeAll(async () => {
    h = await openHarness(tdb);
    const tools = refundTools();
    const runWorker = createWorkerRunner(h.database, tools, { models: { replayDelayMs: 0 } });
    engine = testEngine(h.database, { tools, runWorker });
    setEngineDeps({ send: engine.send, tools, runWorker });
    tracing = await startRunTracing(async () => h.database);
    await engine.executor.start({ workers: true });
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await tracing?.stop();
    resetEngineDeps();
    await stopNotificationLoop();
    await h?.close();
  });

  it("exports the run as one trace: run → steps → model and tool calls, with GenAI usage equal to the run's and the decisions as events", async () => {
    expect(tracing).not.toBeNull();
    const builder = h.userId("builder");
    const approver = h.userId("approver");
    const m = await createMission(h.database.db, { name: "Refund adjudication", template: "refund" }, builder);
    await saveVersion(h.database.db, m.id, { message: "test" }, builder);
    await publishForTest(h.database.db, m.id, approver);
    const { runId } = await startRun(
      h.database,
      { missionId: m.id, userId: builder, input: { orderId: "1042", email: "dana@example.com", reason: "The mugs arrived opened" }, channel: "api" },
      { send: engine.send },
    );
    const approval = await waitingDecision(h.database, runId, "refund");
    await decide(h.database, { decisionId: approval, userId: approver, userRoles: ["approver"], approve: true, values: { amount: 35 }, reason: "Half, less the shipping" }, { send: engine.send });
    const note = await waitingDecision(h.database, runId, "crm_note");
    await decide(h.database, { decisionId: note, userId: approver, userRoles: ["approver"], approve: true }, { send: engine.send });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");
    await tracing!.flush();

    // The trace id is the run's own id, as the run page shows it.
    const traceId = runId.replaceAll("-", "");
    expect(runTraceLink(runId)).toEqual({ traceId, url: `https://tempo.example/trace/${traceId}?run=${runId}` });
    const spans = await eventually(() => {
      const s = spansOf(traceId);
      return s.some((x) => !x.parentSpanId) ? s : undefined;
    }, "the run's spans");

    // Sent where and how the standard variables say.
    const request = received.find((r) => spansOf(traceId).length && r.body.resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.some((s) => hex(s.traceId) === traceId))));
    expect(request?.path).toBe("/v1/traces");
    expect(request?.headers.authorization).toBe("Bearer otel-test-token");
    expect(attributesOf(request?.body.resourceSpans[0]?.resource?.attributes)["service.name"]).toBe("steward-under-test");

    // Each span once, every id unique, all in the run's trace.
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    for (const s of spans) expect(s.end >= s.start).toBe(true);

    // The run: the root, linking back to the run.
    const roots = spans.filter((s) => !s.parentSpanId);
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    expect(root.name).toBe("invoke_workflow Refund adjudication");
    expect(root.attributes).toMatchObject({
      "steward.run.id": runId,
      "steward.run.status": "succeeded",
      "steward.mission.id": m.id,
      "steward.verdict.outcome": "partial",
      "gen_ai.operation.name": "invoke_workflow",
    });
    expect(String(root.attributes["steward.run.url"])).toMatch(new RegExp(`/runs/${runId}$`));

    // A span per step that ran, children of the run.
    const steps = spans.filter((s) => s.parentSpanId === root.spanId);
    const stepOf = (nodeId: string) => steps.find((s) => s.attributes["steward.node.id"] === nodeId)!;
    const nodeRows = await h.database.rows<{ node_id: string }>(sql`select node_id from run_node where run_id = ${runId} and started_at is not null order by node_id`);
    expect(steps.map((s) => s.attributes["steward.node.id"]).sort()).toEqual(nodeRows.map((r) => r.node_id));
    expect(stepOf("ground").name).toBe("invoke_agent Ground the request");
    expect(stepOf("refund").attributes).toMatchObject({ "steward.node.kind": "approval", "steward.node.status": "succeeded" });

    // A child span per model call, with the GenAI attributes; its tokens are the run's recorded usage.
    const usage = await h.database.rows<{ node_id: string; tokens_in: number; tokens_out: number }>(
      sql`select node_id, tokens_in, tokens_out from observation where run_id = ${runId} and kind = 'usage' order by id`,
    );
    const modelCalls = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(modelCalls.length).toBe(usage.length);
    expect(usage.length).toBeGreaterThanOrEqual(2);
    for (const workerId of ["ground", "reason"]) {
      const calls = modelCalls.filter((s) => s.parentSpanId === stepOf(workerId).spanId);
      const recorded = usage.filter((u) => u.node_id === workerId);
      expect(calls.map((c) => [c.attributes["gen_ai.usage.input_tokens"], c.attributes["gen_ai.usage.output_tokens"]])).toEqual(recorded.map((u) => [u.tokens_in, u.tokens_out]));
      for (const c of calls) {
        expect(c.name).toBe("chat refund-demo");
        expect(c.attributes).toMatchObject({
          "gen_ai.request.model": "refund-demo",
          "gen_ai.provider.name": "steward.replay",
          "gen_ai.system": "steward.replay",
          "steward.model.id": "replay:refund-demo",
        });
      }
    }
    const [totals] = await h.database.rows<{ tokens_in: number; tokens_out: number }>(sql`select tokens_in, tokens_out from run where id = ${runId}`);
    const sum = (key: string) => modelCalls.reduce((n, s) => n + Number(s.attributes[key]), 0);
    expect([sum("gen_ai.usage.input_tokens"), sum("gen_ai.usage.output_tokens")]).toEqual([totals!.tokens_in, totals!.tokens_out]);
    expect(sum("gen_ai.usage.input_tokens")).toBeGreaterThan(0);

    // A span per tool call: the Workers' own, ungated; the actions', gated, naming their decision and approver.
    const toolCalls = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "execute_tool");
    const getOrder = toolCalls.find((s) => s.attributes["gen_ai.tool.name"] === "commerce.get_order")!;
    expect(getOrder.parentSpanId).toBe(stepOf("ground").spanId);
    expect(getOrder.attributes).toMatchObject({ "steward.connector": "commerce", "steward.tool": "get_order", "steward.tool.gated": false });
    const refund = toolCalls.find((s) => s.attributes["gen_ai.tool.name"] === "commerce.issue_refund")!;
    expect(refund.parentSpanId).toBe(stepOf("issue_refund").spanId);
    expect(refund.attributes).toMatchObject({ "steward.tool.gated": true, "steward.decision.id": approval, "steward.tool.approved_by": ["approver"], "steward.tool.is_error": false });
    const noted = toolCalls.find((s) => s.attributes["gen_ai.tool.name"] === "crm.add_note")!;
    expect(noted.parentSpanId).toBe(stepOf("crm_note").spanId);
    expect(noted.attributes).toMatchObject({ "steward.tool.gated": true, "steward.decision.id": note });

    // The decisions, as events of their step: opened, then decided by whom, with the values changed.
    const decisionEvents = stepOf("refund").events.filter((e) => e.name.startsWith("steward.decision."));
    expect(decisionEvents.map((e) => e.name)).toEqual(["steward.decision.requested", "steward.decision.approved"]);
    expect(decisionEvents[0]?.attributes).toMatchObject({ "steward.decision.id": approval, "steward.decision.approver_role": "approver" });
    expect(decisionEvents[1]?.attributes).toMatchObject({
      "steward.decision.id": approval,
      "steward.decision.by.id": approver,
      "steward.decision.by.name": "approver",
      "steward.decision.by.roles": ["approver"],
      "steward.decision.edited": ["amount"],
    });
    expect(JSON.parse(String(decisionEvents[1]?.attributes["steward.decision.edits"]))).toEqual({ amount: { from: 42.5, to: 35 } });

    // Exported again (a restart, another replica): the same span ids, nothing new.
    const before = new Set(spans.map((s) => s.spanId));
    const count = spansOf(traceId).length;
    observationBus().emit(ANY_RUN_ENDED, runId);
    await tracing!.flush();
    const again = await eventually(() => (spansOf(traceId).length >= count * 2 ? spansOf(traceId).slice(count) : undefined), "the second export");
    expect(new Set(again.map((s) => s.spanId))).toEqual(before);
  });
});
