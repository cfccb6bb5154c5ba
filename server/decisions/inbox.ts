import "server-only";
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { capValue } from "@/lib/bounded";
import { describeProposal } from "@/lib/decisions/describe";
import { afterRejection, atExpiry, whenRejected, type TimeoutOutcome } from "@/lib/decisions/rules";
import type { AppliedPolicy } from "@/lib/governance/policy";
import { checkValueRules, describeCheck, type ValueRuleCheck } from "@/lib/governance/value-rules";
import { rulesFromSchema, type ValueRule } from "@/lib/decisions/value-rules";
import { describeProblems, zodProblems } from "@/lib/errors";
import { missionGraphSchema, type MissionGraph, type Role } from "@/lib/mission/schema";
import { upstreamOf } from "@/lib/mission/graph";
import type { SessionUser } from "@/server/auth/users";
import type { Database } from "@/server/db/database";
import { DECISION_KINDS, observation, type DecisionKind, type DecisionStatus, type RunStatus } from "@/server/db/schema";
import { DecisionError } from "./errors";
import { APPROVALS, DECISION_ROWS, decisionRoleScope, getDecision, type DecisionView } from "./queries";
import { toView, type ObservationView } from "@/server/observations/query";
import { RUN_VALUE_MAX_BYTES } from "@/server/observations/bounds";
import { runValueLink } from "@/server/observations/run-values";
import { decisionFinding, decisionRequest, type DecisionFinding, type DecisionRequest } from "./context";

// The Decision Queue as people and integrations see it (its read model): the inbox, the badge's
// count, one decision with everything needed to decide it. The tRPC router
// (server/api/routers/decisions.ts) and the REST routes under app/api/v1/decisions are thin over it;
// the vote is decide-as.ts. Moved here from the router file.

const DECIDED: DecisionStatus[] = ["approved", "rejected", "expired", "cancelled"];

export interface DecisionPerson {
  id: string;
  name: string;
  email: string | null;
}

/** Who or what asked for the decision. */
export interface DecisionAsker {
  kind: "approval" | "worker" | "action";
  nodeId: string;
  nodeLabel: string;
  /** The tool ref for a gated tool call. */
  tool: string | null;
  text: string;
}

/** Why this user cannot decide it now; null when they can. */
export interface DecisionBlock {
  code: "not_pending" | "role" | "separation_of_duties" | "already_voted";
  message: string;
}

export interface DecisionListItem {
  id: string;
  runId: string;
  runStatus: RunStatus;
  missionId: string;
  missionName: string;
  nodeId: string;
  kind: DecisionKind;
  status: DecisionStatus;
  title: string;
  summary: string;
  asker: DecisionAsker;
  approverRole: string;
  approvals: number;
  requiredApprovals: number;
  separationOfDuties: boolean;
  dueAt: string | null;
  createdAt: string;
  decidedAt: string | null;
  decidedBy: DecisionPerson | null;
  reason: string | null;
  canDecide: boolean;
  blocked: DecisionBlock | null;
}

export const listDecisionsInput = z.object({
  status: z.enum(["pending", "decided", "all", ...DECIDED]).default("pending"),
  missionId: z.string().min(1).max(100).optional(),
  kind: z.enum(DECISION_KINDS).optional(),
  /** `mine`: decisions the user's roles may decide (admins: all). `all`: every decision, read-only for others. */
  scope: z.enum(["mine", "all"]).default("mine"),
  limit: z.number().int().min(1).max(200).default(100),
});
export type ListDecisionsQuery = z.input<typeof listDecisionsInput>;

export interface DecisionListResult {
  items: DecisionListItem[];
  /** Missions that have decisions in this scope, for the filter. */
  missions: { id: string; name: string }[];
  /** Pending decisions this user can act on now (the badge's number). */
  pendingForMe: number;
}

interface ListRow {
  id: string;
  run_id: string;
  run_status: RunStatus;
  mission_id: string;
  mission_name: string;
  version_id: string;
  input: Record<string, unknown>;
  node_id: string;
  kind: DecisionKind;
  status: DecisionStatus;
  title: string;
  proposed: Record<string, unknown>;
  final_values: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  approver_role: string;
  required_approvals: number;
  separation_of_duties: boolean;
  requested_by: string | null;
  version_author: string | null;
  decided_by: string | null;
  reason: string | null;
  due_at: string | null;
  created_at: string;
  decided_at: string | null;
  approvals: number;
  voted: boolean;
}

const iso = (v: string | null) => (v === null ? null : new Date(v).toISOString());

/** An approved decision is described by what was approved (an approver may have lowered the amount). */
function decidedValues(status: DecisionStatus, proposed: Record<string, unknown>, final: Record<string, unknown> | null): Record<string, unknown> {
  return status === "approved" && final ? final : proposed;
}

function deciderRoles(user: SessionUser): boolean {
  return user.roles.includes("approver") || user.roles.includes("admin");
}

/** The same rules decide() enforces, answered ahead so the page can say why instead of offering a button that fails. */
export function whyCannotDecide(
  user: SessionUser,
  d: { status: DecisionStatus; approverRole: string; separationOfDuties: boolean; requestedBy: string | null; versionAuthor: string | null; voted: boolean; decidedBy?: string | null },
  names: (id: string | null) => string = (id) => id ?? "someone",
): DecisionBlock | null {
  if (d.status !== "pending") {
    const by = d.decidedBy && d.status !== "cancelled" ? ` by ${names(d.decidedBy)}` : "";
    return { code: "not_pending", message: `This decision is already ${d.status}${by}: there is nothing left to decide.` };
  }
  if (!user.roles.includes(d.approverRole as Role) && !user.roles.includes("admin")) {
    const yours = user.roles.length ? `you are ${user.roles.join(", ")}` : "you have no role";
    return { code: "role", message: `Deciding this needs the ${d.approverRole} role; ${yours}.` };
  }
  if (d.separationOfDuties && (user.id === d.requestedBy || user.id === d.versionAuthor)) {
    const what = user.id === d.requestedBy ? "started this run" : "saved the mission version this run uses";
    return { code: "separation_of_duties", message: `Separation of duties: you ${what}, so another approver must decide.` };
  }
  if (d.voted) return { code: "already_voted", message: "You approved this already. It needs another approver to approve it too." };
  return null;
}

interface GraphNodeInfo {
  kind: string;
  label: string;
}

function nodeInfo(graph: unknown, nodeId: string): GraphNodeInfo {
  const nodes = (graph as { nodes?: { id: string; kind: string; data?: { label?: string } }[] } | null)?.nodes ?? [];
  const n = nodes.find((x) => x.id === nodeId);
  return { kind: n?.kind ?? "unknown", label: n?.data?.label || nodeId };
}

function askerOf(kind: DecisionKind, title: string, context: Record<string, unknown> | null, nodeId: string, node: GraphNodeInfo): DecisionAsker {
  if (kind === "approval") return { kind: "approval", nodeId, nodeLabel: node.label, tool: null, text: `Approval step “${node.label}”` };
  const tool = typeof context?.tool === "string" ? context.tool : title;
  if (node.kind === "worker") return { kind: "worker", nodeId, nodeLabel: node.label, tool, text: `Worker “${node.label}” wants to call ${tool}` };
  return { kind: "action", nodeId, nodeLabel: node.label, tool, text: `Action step “${node.label}” calls ${tool}` };
}

export async function peopleById(database: Database, ids: (string | null | undefined)[]): Promise<Map<string, DecisionPerson>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x && !x.startsWith("system:")))];
  const out = new Map<string, DecisionPerson>();
  if (wanted.length) {
    const rows = await database.rows<{ id: string; name: string; email: string }>(
      sql`select id, name, email from "user" where id in (${sql.join(wanted.map((w) => sql`${w}`), sql`, `)})`,
    );
    for (const r of rows) out.set(r.id, { id: r.id, name: r.name || r.email, email: r.email });
  }
  for (const id of ids) {
    if (!id || out.has(id)) continue;
    out.set(id, id.startsWith("system:") ? { id, name: id === "system:timeout" ? "the timeout rule" : "Steward", email: null } : { id, name: id, email: null });
  }
  return out;
}

async function graphsFor(database: Database, versionIds: string[]): Promise<Map<string, unknown>> {
  const ids = [...new Set(versionIds)];
  if (!ids.length) return new Map();
  const rows = await database.rows<{ id: string; graph: unknown }>(
    sql`select id, graph from mission_version where id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`,
  );
  return new Map(rows.map((r) => [r.id, r.graph]));
}

const LIST_SELECT = (userId: string) => sql`
  select d.id, d.run_id, r.status as run_status, r.mission_id, m.name as mission_name, r.version_id, r.input, d.node_id, d.kind, d.status,
         d.title, d.proposed, d.final_values, d.context, d.approver_role, d.required_approvals, d.separation_of_duties, d.requested_by,
         d.version_author, d.decided_by, d.reason, d.due_at::text as due_at, d.created_at::text as created_at, d.decided_at::text as decided_at,
         ${APPROVALS} as approvals,
         exists (select 1 from decision_vote v where v.decision_id = d.id and v.user_id = ${userId}) as voted
  ${DECISION_ROWS}`;

/** The inbox: pending ones soonest-due first, decided ones newest first. */
export async function listDecisionInbox(database: Database, user: SessionUser, raw: ListDecisionsQuery = {}): Promise<DecisionListResult> {
  const parsed = listDecisionsInput.safeParse(raw);
  if (!parsed.success) throw new DecisionError("invalid_values", `Invalid filter: ${describeProblems(zodProblems(parsed.error.issues))}`, zodProblems(parsed.error.issues));
  const q = parsed.data;
  const scope = q.scope === "mine" ? decisionRoleScope(user.roles) : sql`true`;
  const where: SQL[] = [scope];
  if (q.status === "decided") where.push(sql`d.status in ('approved', 'rejected', 'expired', 'cancelled')`);
  else if (q.status !== "all") where.push(sql`d.status = ${q.status}`);
  if (q.missionId) where.push(sql`r.mission_id = ${q.missionId}`);
  if (q.kind) where.push(sql`d.kind = ${q.kind}`);
  const order =
    q.status === "pending"
      ? sql`order by d.due_at asc nulls last, d.created_at asc, d.id`
      : sql`order by (d.status = 'pending') desc, coalesce(d.decided_at, d.created_at) desc, d.id`;
  const rows = await database.rows<ListRow>(sql`${LIST_SELECT(user.id)} where ${sql.join(where, sql` and `)} ${order} limit ${q.limit}`);
  const graphs = await graphsFor(database, rows.map((r) => r.version_id));
  const people = await peopleById(database, rows.map((r) => r.decided_by));
  const missions = await database.rows<{ id: string; name: string }>(
    sql`select distinct m.id, m.name ${DECISION_ROWS} where ${scope} order by m.name, m.id`,
  );
  const items = rows.map((r): DecisionListItem => {
    const node = nodeInfo(graphs.get(r.version_id), r.node_id);
    const blocked = whyCannotDecide(
      user,
      { status: r.status, approverRole: r.approver_role, separationOfDuties: r.separation_of_duties, requestedBy: r.requested_by, versionAuthor: r.version_author, voted: r.voted, decidedBy: r.decided_by },
      (id) => (id ? (people.get(id)?.name ?? id) : "someone"),
    );
    return {
      id: r.id,
      runId: r.run_id,
      runStatus: r.run_status,
      missionId: r.mission_id,
      missionName: r.mission_name,
      nodeId: r.node_id,
      kind: r.kind,
      status: r.status,
      title: r.title,
      summary: describeProposal({ kind: r.kind, title: r.title, proposed: decidedValues(r.status, r.proposed, r.final_values), runInput: r.input }),
      asker: askerOf(r.kind, r.title, r.context, r.node_id, node),
      approverRole: r.approver_role,
      approvals: Number(r.approvals),
      requiredApprovals: Number(r.required_approvals),
      separationOfDuties: r.separation_of_duties,
      dueAt: iso(r.due_at),
      createdAt: iso(r.created_at) ?? "",
      decidedAt: iso(r.decided_at),
      decidedBy: r.decided_by ? (people.get(r.decided_by) ?? null) : null,
      reason: r.reason,
      canDecide: blocked === null,
      blocked,
    };
  });
  return { items, missions, pendingForMe: await countPendingFor(database, user) };
}

/** Pending decisions this user can act on now: their role, not voted yet, not kept out by separation of duties. */
export async function countPendingFor(database: Database, user: SessionUser): Promise<number> {
  if (!deciderRoles(user) && !user.roles.length) return 0;
  const [row] = await database.rows<{ n: number }>(sql`
    select count(*)::int as n from decision d
    where d.status = 'pending' and ${decisionRoleScope(user.roles)}
      and not exists (select 1 from decision_vote v where v.decision_id = d.id and v.user_id = ${user.id})
      and not (d.separation_of_duties and (d.requested_by is not distinct from ${user.id} or d.version_author is not distinct from ${user.id}))`);
  return Number(row?.n ?? 0);
}

export interface DecisionRules {
  approverRole: string;
  requiredApprovals: number;
  approvals: number;
  separationOfDuties: boolean;
  reasonRequired: boolean;
  /** The node's timeout (`24h`); tool calls wait 24h. */
  timeout: string | null;
  onTimeout: TimeoutOutcome;
  escalateTo: string | null;
  escalated: boolean;
  /** Completes "If nobody decides by <due>, …". */
  atExpiry: string;
  /** What a rejection does to the run, as its graph is drawn: "the run takes its rejected path", "… the run fails …". */
  whenRejected: string;
  dueAt: string | null;
  /** The admin policies that apply, and why. */
  policies: AppliedPolicy[];
  /** What the policies changed of the mission's own settings, in words. */
  tightened: string[];
  /** The policies' bounds on the values as they stand (proposed, with approvers' edits so far). */
  valueChecks: { text: string; state: ValueRuleCheck["state"]; action: "refuse" | "require"; fields: string[] }[];
}

export interface DecisionDetail {
  decision: DecisionView;
  summary: string;
  asker: DecisionAsker;
  /** The run's input, at most RUN_VALUE_MAX_BYTES (larger: a stand-in linking to the whole). */
  run: { id: string; status: RunStatus; input: Record<string, unknown>; versionNumber: number };
  /** What was asked: the run's input by the trigger's field labels, each value bounded for display. */
  request: DecisionRequest;
  /** Everyone the page names, by id: requester, version author, decider, voters. */
  people: Record<string, DecisionPerson>;
  rules: DecisionRules;
  /** Per proposed value: bounds, enums and descriptions from the tool's input schema. */
  valueRules: Record<string, ValueRule>;
  toolDescription: string | null;
  /** The Observations that led here: this node's and its upstream Workers', in order. */
  reasoning: ObservationView[];
  /** What the upstream Workers concluded: their typed outputs, bounded for display, with their fields' labels. */
  findings: DecisionFinding[];
  viewer: { canDecide: boolean; blocked: DecisionBlock | null; voted: boolean };
}

const REASONING_KINDS = ["reasoning", "text", "citation", "tool_call", "tool_result", "decision", "error"] as const;

async function toolSchema(database: Database, ref: string): Promise<{ schema: unknown; description: string } | null> {
  const dot = ref.indexOf(".");
  if (dot <= 0) return null;
  const [row] = await database.rows<{ input_schema: unknown; description: string }>(
    sql`select t.input_schema, t.description from connector_tool t join connector c on c.id = t.connector_id
        where c.name = ${ref.slice(0, dot)} and t.name = ${ref.slice(dot + 1)}`,
  );
  return row ? { schema: row.input_schema, description: row.description } : null;
}

export async function valueRulesFor(database: Database, kind: DecisionKind, context: Record<string, unknown> | null, title: string): Promise<{ rules: Record<string, ValueRule>; description: string | null }> {
  if (kind !== "tool") return { rules: {}, description: null };
  const ref = typeof context?.tool === "string" ? context.tool : title;
  const t = await toolSchema(database, ref);
  const described = typeof context?.description === "string" && context.description ? context.description : null;
  return { rules: t ? rulesFromSchema(t.schema) : {}, description: described ?? t?.description ?? null };
}

export async function getDecisionDetail(database: Database, id: string, user: SessionUser): Promise<DecisionDetail> {
  const d = await getDecision(database, id);
  const [run] = await database.rows<{ status: RunStatus; input: Record<string, unknown>; version_id: string; number: number; graph: unknown }>(
    sql`select r.status, r.input, r.version_id, v.number, v.graph from run r join mission_version v on v.id = r.version_id where r.id = ${d.runId}`,
  );
  const parsedGraph = missionGraphSchema.safeParse(run?.graph);
  const graph: MissionGraph | null = parsedGraph.success ? parsedGraph.data : null;
  const node = nodeInfo(run?.graph, d.nodeId);
  const graphNode = graph?.nodes.find((n) => n.id === d.nodeId);

  const [esc] = await database.rows<{ n: number }>(
    sql`select count(*)::int as n from observation where run_id = ${d.runId} and kind = 'decision'
        and data->>'decisionId' = ${d.id} and data->>'event' = 'timeout:escalate'`,
  );
  const escalated = Number(esc?.n ?? 0) > 0;
  const approval = graphNode?.kind === "approval" ? graphNode.data : null;
  const g = d.governance;
  const onTimeout: TimeoutOutcome = g?.onTimeout ?? approval?.onTimeout ?? "reject";
  const timeout = g?.timeout ?? approval?.timeout ?? (d.kind === "tool" ? "24h" : null);
  const escalateTo = g ? g.escalateTo : (approval?.escalateTo ?? null);
  const current = { ...d.proposed };
  for (const v of d.votes) if (v.approve && v.values) Object.assign(current, v.values);
  const rules: DecisionRules = {
    approverRole: d.approverRole,
    requiredApprovals: d.requiredApprovals,
    approvals: d.approvals,
    separationOfDuties: d.separationOfDuties,
    reasonRequired: d.reasonRequired,
    timeout,
    onTimeout,
    escalateTo,
    escalated,
    atExpiry: atExpiry({ onTimeout, escalateTo, timeout: timeout ?? "24h", escalated, rejected: afterRejection(graph, d.nodeId) }),
    whenRejected: whenRejected(afterRejection(graph, d.nodeId)),
    dueAt: d.dueAt,
    policies: g?.applied ?? [],
    tightened: g?.tightened ?? [],
    valueChecks: checkValueRules(g?.valueRules ?? [], d.finalValues ?? current)
      .filter((c) => c.state !== "n/a")
      .map((c) => ({ text: describeCheck(c), state: c.state, action: c.rule.otherwise.action, fields: c.fields })),
  };

  // The reasoning: this node's Observations and those of the Workers upstream of it.
  const upstream = graph ? upstreamOf(graph, d.nodeId) : [];
  // In run order: the farthest upstream first (upstreamOf is nearest first).
  const workers = graph ? graph.nodes.filter((n) => n.kind === "worker" && upstream.includes(n.id)).sort((a, b) => upstream.indexOf(b.id) - upstream.indexOf(a.id)) : [];
  const nodeIds = [d.nodeId, ...workers.map((w) => w.id)];
  const obsRows = await database.db
    .select()
    .from(observation)
    .where(and(eq(observation.runId, d.runId), inArray(observation.nodeId, nodeIds), inArray(observation.kind, [...REASONING_KINDS])))
    .orderBy(asc(observation.id))
    .limit(400);
  const outputs = workers.length
    ? await database.rows<{ node_id: string; output: unknown }>(
        sql`select node_id, output from run_node where run_id = ${d.runId} and status = 'succeeded'
            and node_id in (${sql.join(workers.map((w) => sql`${w.id}`), sql`, `)})`,
      )
    : [];
  const findings = workers
    .map((w) => ({ id: w.id, output: outputs.find((o) => o.node_id === w.id)?.output }))
    .flatMap((f) => (graph && f.output !== undefined && f.output !== null ? [decisionFinding(graph, f.id, f.output, d.runId)] : []));

  const people = await peopleById(database, [d.requestedBy, d.versionAuthor, d.decidedBy, ...d.votes.map((v) => v.userId)]);
  const name = (pid: string | null) => (pid ? (people.get(pid)?.name ?? pid) : "someone");
  const voted = d.votes.some((v) => v.userId === user.id);
  const blocked = whyCannotDecide(user, { ...d, voted }, name);
  const { rules: valueRules, description } = await valueRulesFor(database, d.kind, d.context, d.title);

  return {
    decision: d,
    summary: describeProposal({ kind: d.kind, title: d.title, proposed: decidedValues(d.status, d.proposed, d.finalValues), runInput: run?.input ?? {} }),
    asker: askerOf(d.kind, d.title, d.context, d.nodeId, node),
    run: {
      id: d.runId,
      status: run?.status ?? "queued",
      input: capValue(run?.input ?? {}, RUN_VALUE_MAX_BYTES, runValueLink(d.runId, "input")) as Record<string, unknown>,
      versionNumber: Number(run?.number ?? 0),
    },
    request: decisionRequest(graph, run?.input ?? {}, d.runId),
    people: Object.fromEntries(people),
    rules,
    valueRules,
    toolDescription: description,
    reasoning: obsRows.map(toView),
    findings,
    viewer: { canDecide: blocked === null, blocked, voted },
  };
}

