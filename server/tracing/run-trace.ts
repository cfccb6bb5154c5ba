import "server-only";
import { sql } from "drizzle-orm";
import type { Attributes, AttributeValue } from "@opentelemetry/api";
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
} from "@opentelemetry/semantic-conventions/incubating";
import type { Database } from "@/server/db/database";
import type { ModelProviderKind, NodeStatus, RunStatus } from "@/server/db/schema";
import { getNodeKind } from "@/lib/mission/node-kinds";
import { missionGraphSchema } from "@/lib/mission/schema";
import { parseToolRef } from "@/server/connectors/tool-port-impl";

// A run as trace spans, read from what the engine recorded (the run and node rows and their
// Observations), never from inside the engine's steps: a replayed step writes nothing new, so it
// adds no span. Only loaded when tracing is on (server/tracing/start.ts imports it dynamically).
// Arguments, results and model text are left out: a trace goes to another system, and what a
// tool was sent may be personal data. The attribute reference is docs/observability.md.

/** One span of a run's trace, as plain data: `key` gives its id (ids.ts), `parent` its parent's. */
export interface TraceSpan {
  key: string;
  parent: string | null;
  name: string;
  kind: "internal" | "client";
  /** Epoch milliseconds (fractions allowed). */
  start: number;
  end: number;
  attributes: Attributes;
  events: { name: string; at: number; attributes: Attributes }[];
  /** An error status with this message. */
  error: string | null;
}

interface RunRow {
  id: string;
  mission_id: string;
  mission_name: string;
  version_number: number;
  graph: unknown;
  status: RunStatus;
  channel: string;
  verdict: { outcome: string; summary: string } | null;
  error: string | null;
  started_by: string | null;
  started_by_name: string | null;
  rerun_of: string | null;
  tokens_in: number;
  tokens_out: number;
  created_ms: number;
  ended_ms: number | null;
}

interface NodeRow {
  node_id: string;
  status: NodeStatus;
  attempt: number;
  error: string | null;
  reused_from: string | null;
  tokens_in: number;
  tokens_out: number;
  started_ms: number | null;
  ended_ms: number | null;
}

interface ObservationRow {
  id: number;
  node_id: string | null;
  attempt: number;
  kind: string;
  text: string;
  /** The row's data without its bulky values (arguments, results). */
  data: Record<string, unknown> | null;
  tokens_in: number;
  tokens_out: number;
  at_ms: number;
}

/** The built-in replay model's provider name. */
const REPLAY_PROVIDER = "steward.replay";
const REPLAY_PREFIX = "replay:";

/** The provider kinds' `gen_ai.provider.name` (an OpenAI-compatible server speaks OpenAI's API). */
const PROVIDER_NAMES: Record<ModelProviderKind, string> = {
  openai: "openai",
  anthropic: "anthropic",
  "openai-compatible": "openai",
  replay: REPLAY_PROVIDER,
};

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
/** Attributes without the unset ones (OTLP has no null). */
function attrs(entries: Record<string, AttributeValue | null | undefined>): Attributes {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== null && v !== undefined)) as Attributes;
}

/** The run's spans, parents before children; null for an unknown run. */
export async function readRunTrace(database: Database, runId: string, runUrl: string): Promise<TraceSpan[] | null> {
  const [run] = await database.rows<RunRow>(
    sql`select r.id, r.mission_id, m.name as mission_name, v.number as version_number, v.graph, r.status, r.channel, r.verdict, r.error,
               r.started_by, u.name as started_by_name, r.rerun_of, r.tokens_in, r.tokens_out,
               extract(epoch from r.created_at)::float8 * 1000 as created_ms, extract(epoch from r.ended_at)::float8 * 1000 as ended_ms
        from run r join mission m on m.id = r.mission_id join mission_version v on v.id = r.version_id
        left join "user" u on u.id = r.started_by
        where r.id = ${runId}`,
  );
  if (!run) return null;
  const nodes = await database.rows<NodeRow>(
    sql`select node_id, status, attempt, error, reused_from, tokens_in, tokens_out,
               extract(epoch from started_at)::float8 * 1000 as started_ms, extract(epoch from ended_at)::float8 * 1000 as ended_ms
        from run_node where run_id = ${runId} and started_at is not null order by started_at, node_id`,
  );
  const observations = (
    await database.rows<ObservationRow>(
      sql`select id, node_id, attempt, kind, text,
                 case when jsonb_typeof(data) = 'object' then data - 'args' - 'value' - 'raw' - 'output' - 'values' end as data, tokens_in, tokens_out,
                 extract(epoch from at)::float8 * 1000 as at_ms
          from observation where run_id = ${runId} and node_id is not null order by id`,
    )
  ).map((o) => ({ ...o, id: Number(o.id), at_ms: Number(o.at_ms) }));

  const graph = missionGraphSchema.safeParse(run.graph);
  const graphNodes = new Map((graph.success ? graph.data.nodes : []).map((n) => [n.id, n]));
  const runEnd = run.ended_ms === null ? Math.max(Number(run.created_ms), ...observations.map((o) => o.at_ms)) : Number(run.ended_ms);
  const models = await modelsOf(database, observations);
  const people = await peopleOf(database, observations);

  const common = { "steward.run.id": run.id };
  const spans: TraceSpan[] = [
    {
      key: "run",
      parent: null,
      name: `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW} ${run.mission_name}`,
      kind: "internal",
      start: Number(run.created_ms),
      end: runEnd,
      attributes: attrs({
        ...common,
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
        [ATTR_GEN_AI_WORKFLOW_NAME]: run.mission_name,
        "steward.run.url": runUrl,
        "steward.run.status": run.status,
        "steward.run.channel": run.channel,
        "steward.run.started_by.id": run.started_by,
        "steward.run.started_by.name": run.started_by_name,
        "steward.run.rerun_of": run.rerun_of,
        "steward.run.tokens.input": run.tokens_in,
        "steward.run.tokens.output": run.tokens_out,
        "steward.mission.id": run.mission_id,
        "steward.mission.name": run.mission_name,
        "steward.mission.version": run.version_number,
        "steward.verdict.outcome": run.verdict?.outcome,
        "steward.verdict.summary": run.verdict?.summary,
      }),
      events: [],
      error: run.status === "failed" ? (run.error ?? "The run failed") : null,
    },
  ];

  for (const node of nodes) {
    const g = graphNodes.get(node.node_id);
    const kind = g?.kind ?? "node";
    const label = g?.data.label || node.node_id;
    const rows = observations.filter((o) => o.node_id === node.node_id);
    const nodeKey = `node:${node.node_id}`;
    const start = Number(node.started_ms);
    const end = node.ended_ms === null ? runEnd : Number(node.ended_ms);
    // An AI agent's step (a Worker) is a GenAI invoke_agent span.
    const worker = g ? getNodeKind(g.kind).agent === true : false;
    spans.push({
      key: nodeKey,
      parent: "run",
      name: worker ? `${GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT} ${label}` : `${kind} ${label}`,
      kind: "internal",
      start,
      end,
      attributes: attrs({
        ...common,
        "steward.node.id": node.node_id,
        "steward.node.kind": kind,
        "steward.node.label": label,
        "steward.node.status": node.status,
        "steward.node.attempt": node.attempt,
        "steward.node.reused_from": node.reused_from,
        "steward.node.tokens.input": node.tokens_in,
        "steward.node.tokens.output": node.tokens_out,
        ...(worker ? { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT, [ATTR_GEN_AI_AGENT_NAME]: label } : {}),
      }),
      events: nodeEvents(rows, people),
      error: node.status === "failed" ? (node.error ?? "The step failed") : null,
    });
    spans.push(...modelCallSpans(rows, nodeKey, start, models, common));
    spans.push(...toolCallSpans(rows, nodeKey, end, common));
  }
  return spans;
}

/** A model call per `usage` Observation: from the node's last record before the call's first, to its usage. */
function modelCallSpans(rows: ObservationRow[], parent: string, nodeStart: number, models: Map<string, ModelInfo>, common: Attributes): TraceSpan[] {
  return rows
    .filter((o) => o.kind === "usage")
    .map((usage) => {
      const step = usage.data?.step;
      const first = rows.find((o) => o.attempt === usage.attempt && o.data?.step === step && o.kind !== "status") ?? usage;
      const before = rows.filter((o) => o.id < first.id).at(-1);
      const modelId = str(usage.data?.modelId) ?? "unknown";
      // An unregistered replay model (`replay:<fixture>`) reads as a registered one: the fixture is its model name.
      const model = models.get(modelId) ?? (modelId.startsWith(REPLAY_PREFIX) ? { provider: REPLAY_PROVIDER, name: modelId.slice(REPLAY_PREFIX.length) } : { provider: "unknown", name: modelId });
      return {
        key: `obs:${usage.id}`,
        parent,
        name: `${GEN_AI_OPERATION_NAME_VALUE_CHAT} ${model.name}`,
        kind: "client" as const,
        start: Math.min(before?.at_ms ?? nodeStart, usage.at_ms),
        end: usage.at_ms,
        attributes: attrs({
          ...common,
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
          [ATTR_GEN_AI_PROVIDER_NAME]: model.provider,
          // The attribute before gen_ai.provider.name, which many backends still read.
          [ATTR_GEN_AI_SYSTEM]: model.provider,
          [ATTR_GEN_AI_REQUEST_MODEL]: model.name,
          [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: usage.tokens_in,
          [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: usage.tokens_out,
          "steward.model.id": modelId,
          "steward.model.step": typeof step === "number" ? step : null,
          "steward.model.cost": typeof usage.data?.cost === "number" ? usage.data.cost : null,
          "steward.node.attempt": usage.attempt,
        }),
        events: [],
        error: null,
      };
    });
}

/**
 * A span per call made (its `tool_call` to its `tool_result`, matched by call id). A Worker's
 * gated proposal is not a call: it is an event of the node, and the approved call that follows
 * under the same id is the span, marked gated.
 */
function toolCallSpans(rows: ObservationRow[], parent: string, nodeEnd: number, common: Attributes): TraceSpan[] {
  const spans: TraceSpan[] = [];
  const open = new Map<string, ObservationRow>();
  const proposed = new Set<string>();
  const span = (call: ObservationRow, result: ObservationRow | null): TraceSpan => {
    const ref = str(call.data?.tool) ?? call.text;
    const parsed = parseToolRef(ref);
    const callId = str(call.data?.toolCallId) ?? String(call.id);
    const decisionId = str(call.data?.decisionId);
    const approvedBy = Array.isArray(call.data?.approvedBy) ? (call.data.approvedBy as { name?: unknown; id?: unknown }[]).map((a) => String(a.name ?? a.id)) : [];
    const edited = call.data?.edited && typeof call.data.edited === "object" ? Object.keys(call.data.edited) : [];
    const failed = result ? result.data?.isError === true : true;
    return {
      key: `obs:${call.id}`,
      parent,
      name: `${GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL} ${ref}`,
      kind: "internal",
      start: call.at_ms,
      end: result?.at_ms ?? Math.max(nodeEnd, call.at_ms),
      attributes: attrs({
        ...common,
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
        [ATTR_GEN_AI_TOOL_NAME]: ref,
        [ATTR_GEN_AI_TOOL_CALL_ID]: callId,
        [ATTR_GEN_AI_TOOL_TYPE]: "extension",
        "steward.connector": parsed?.connector,
        "steward.tool": parsed?.tool ?? ref,
        "steward.tool.gated": Boolean(decisionId) || proposed.has(callId) || call.data?.gated === true,
        "steward.decision.id": decisionId,
        "steward.tool.approved_by": approvedBy.length ? approvedBy : null,
        "steward.tool.edited": edited.length ? edited : null,
        "steward.tool.is_error": failed,
        "steward.node.attempt": call.attempt,
      }),
      events: [],
      error: !result ? "No result was recorded (the run ended during the call)" : failed ? (str(result.data?.error) ?? result.text) : null,
    };
  };
  for (const row of rows) {
    const callId = str(row.data?.toolCallId) ?? "";
    if (row.kind === "tool_call") {
      const earlier = open.get(callId);
      if (earlier) proposed.add(callId);
      if (earlier && !isProposal(earlier)) spans.push(span(earlier, null));
      open.set(callId, row);
    } else if (row.kind === "tool_result") {
      const call = open.get(callId);
      if (!call) continue;
      open.delete(callId);
      spans.push(span(call, row));
    }
  }
  for (const call of open.values()) if (!isProposal(call)) spans.push(span(call, null));
  return spans.sort((a, b) => a.start - b.start);
}

/** A Worker's call of a gated tool: only proposed, it waits for an approval (docs/models.md). */
const isProposal = (call: ObservationRow) => call.data?.gated === true && !call.data.decisionId;

/** The node's decisions, proposals, waits and failed attempts, as span events. */
function nodeEvents(rows: ObservationRow[], people: Map<string, Person>): TraceSpan["events"] {
  const events: TraceSpan["events"] = [];
  for (const o of rows) {
    const d = o.data ?? {};
    if (o.kind === "decision") {
      const by = str(d.userId);
      const person = by ? people.get(by) : undefined;
      const edited = d.edited && typeof d.edited === "object" ? (d.edited as Record<string, { from: unknown; to: unknown }>) : null;
      events.push({
        name: `steward.decision.${str(d.event) ?? "event"}`,
        at: o.at_ms,
        attributes: attrs({
          "steward.decision.id": str(d.decisionId),
          "steward.decision.event": str(d.event),
          "steward.decision.kind": str(d.kind),
          "steward.decision.approver_role": str(d.approverRole),
          "steward.decision.due_at": str(d.dueAt),
          "steward.decision.approve": typeof d.approve === "boolean" ? d.approve : null,
          "steward.decision.by.id": by,
          "steward.decision.by.name": person?.name,
          "steward.decision.by.roles": person?.roles,
          "steward.decision.edited": edited ? Object.keys(edited) : null,
          "steward.decision.edits": edited ? JSON.stringify(edited) : null,
          "steward.decision.text": o.text,
        }),
      });
    } else if (o.kind === "tool_call" && isProposal(o)) {
      events.push({ name: "steward.tool.proposed", at: o.at_ms, attributes: attrs({ [ATTR_GEN_AI_TOOL_NAME]: str(d.tool), [ATTR_GEN_AI_TOOL_CALL_ID]: str(d.toolCallId) }) });
    } else if (o.kind === "status" && d.status === "waiting") {
      events.push({ name: "steward.node.waiting", at: o.at_ms, attributes: attrs({ "steward.decision.id": str(d.decisionId), "steward.node.until": str(d.until) }) });
    } else if (o.kind === "error") {
      events.push({ name: "exception", at: o.at_ms, attributes: attrs({ "exception.message": o.text, "steward.node.attempt": o.attempt }) });
    }
  }
  return events;
}

interface ModelInfo {
  provider: string;
  /** The provider's own model name (sent on the wire). */
  name: string;
}

/** The registered models the run's `usage` rows name, by Steward model id. */
async function modelsOf(database: Database, rows: ObservationRow[]): Promise<Map<string, ModelInfo>> {
  const ids = [...new Set(rows.filter((o) => o.kind === "usage").map((o) => str(o.data?.modelId)).filter((id): id is string => id !== null))];
  if (!ids.length) return new Map();
  const found = await database.rows<{ id: string; model_name: string; kind: ModelProviderKind }>(
    sql`select m.id, m.model_name, p.kind from model m join model_provider p on p.id = m.provider_id
        where m.id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`,
  );
  return new Map(found.map((m) => [m.id, { provider: PROVIDER_NAMES[m.kind] ?? m.kind, name: m.model_name }]));
}

interface Person {
  name: string;
  roles: string[];
}

/** Who voted on the run's decisions: their names and roles. */
async function peopleOf(database: Database, rows: ObservationRow[]): Promise<Map<string, Person>> {
  const ids = [...new Set(rows.filter((o) => o.kind === "decision").map((o) => str(o.data?.userId)).filter((id): id is string => id !== null))];
  if (!ids.length) return new Map();
  const found = await database.rows<{ id: string; name: string; roles: string[] | null }>(
    sql`select u.id, u.name, array_remove(array_agg(r.role order by r.role), null) as roles
        from "user" u left join user_role r on r.user_id = u.id
        where u.id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) group by u.id, u.name`,
  );
  return new Map(found.map((p) => [p.id, { name: p.name, roles: p.roles ?? [] }]));
}
