import "server-only";
import type { GovernedRules } from "@/lib/governance/policy";
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import type { DecisionField, DecisionKind, DecisionStatus } from "@/server/db/schema";
import { DECISION_ID_IN_EXPRESSION, decisionIdFromExpression, DECISION_MADE, type DecisionMadeData, type SendEvents } from "@/server/contracts/events";
import { executorMode } from "@/server/env";
import { deliver } from "./decide";
import { DecisionError } from "./errors";

export interface DecisionVoteView {
  userId: string;
  approve: boolean;
  values: Record<string, unknown> | null;
  reason: string | null;
  at: string;
}

export interface DecisionView {
  id: string;
  runId: string;
  missionId: string;
  missionName: string;
  nodeId: string;
  kind: DecisionKind;
  status: DecisionStatus;
  title: string;
  proposed: Record<string, unknown>;
  fields: DecisionField[];
  editable: string[];
  context: Record<string, unknown> | null;
  finalValues: Record<string, unknown> | null;
  approverRole: string;
  requiredApprovals: number;
  approvals: number;
  separationOfDuties: boolean;
  reasonRequired: boolean;
  /** The rules in force and the admin policies they came from; null on decisions opened before policies. */
  governance: GovernedRules | null;
  requestedBy: string | null;
  versionAuthor: string | null;
  reason: string | null;
  decidedBy: string | null;
  dueAt: string | null;
  createdAt: string;
  decidedAt: string | null;
  /**
   * The engine is waiting for this decision, so deciding resumes the run at once. With the
   * embedded executor this is read from its waits; with an Inngest server it cannot be seen and
   * is true for every pending decision. Votes cast before are kept and delivered when the wait appears.
   */
  waiting: boolean;
  votes: DecisionVoteView[];
}

interface Row {
  id: string;
  run_id: string;
  mission_id: string;
  mission_name: string;
  node_id: string;
  kind: DecisionKind;
  status: DecisionStatus;
  title: string;
  proposed: Record<string, unknown>;
  fields: DecisionField[];
  editable: string[];
  context: Record<string, unknown> | null;
  final_values: Record<string, unknown> | null;
  approver_role: string;
  required_approvals: number;
  separation_of_duties: boolean;
  reason_required: boolean;
  governance: GovernedRules | null;
  requested_by: string | null;
  version_author: string | null;
  reason: string | null;
  decided_by: string | null;
  due_at: string | null;
  created_at: string;
  decided_at: string | null;
  has_wait: boolean;
  approvals: number;
}

// What every list of decisions reads from (`d`, its run `r` and mission `m`) and how it counts
// approvals: the run page's listDecisions and the inbox (inbox.ts) share them.
export const DECISION_ROWS = sql`from decision d join run r on r.id = d.run_id join mission m on m.id = r.mission_id`;
export const APPROVALS = sql`(select count(*)::int from decision_vote v where v.decision_id = d.id and v.approve)`;

// A wait for decision `d`: its expression (decisionWaitExpression()) names d's id.
const DECISION_WAIT = sql`w.kind = 'event' and w.event_name = ${DECISION_MADE}`;
const WAITED_DECISION_ID = sql`substring(w.expr from ${DECISION_ID_IN_EXPRESSION})`;
const SELECT = sql`
  select d.id, d.run_id, r.mission_id, m.name as mission_name, d.node_id, d.kind, d.status, d.title, d.proposed, d.fields,
         d.editable, d.context, d.final_values, d.approver_role, d.required_approvals, d.separation_of_duties,
         d.reason_required, d.governance, d.requested_by, d.version_author, d.reason, d.decided_by,
         d.due_at::text as due_at, d.created_at::text as created_at, d.decided_at::text as decided_at,
         exists (select 1 from engine_wait w where ${DECISION_WAIT} and ${WAITED_DECISION_ID} = d.id) as has_wait,
         ${APPROVALS} as approvals
  ${DECISION_ROWS}`;

function iso(v: string | null): string | null {
  return v === null ? null : new Date(v).toISOString();
}

function toView(row: Row, votes: DecisionVoteView[], embedded: boolean): DecisionView {
  return {
    id: row.id,
    runId: row.run_id,
    missionId: row.mission_id,
    missionName: row.mission_name,
    nodeId: row.node_id,
    kind: row.kind,
    status: row.status,
    title: row.title,
    proposed: row.proposed,
    fields: row.fields,
    editable: row.editable,
    context: row.context,
    finalValues: row.final_values,
    approverRole: row.approver_role,
    requiredApprovals: row.required_approvals,
    approvals: Number(row.approvals),
    separationOfDuties: row.separation_of_duties,
    reasonRequired: row.reason_required,
    governance: row.governance,
    requestedBy: row.requested_by,
    versionAuthor: row.version_author,
    reason: row.reason,
    decidedBy: row.decided_by,
    dueAt: iso(row.due_at),
    createdAt: iso(row.created_at) ?? "",
    decidedAt: iso(row.decided_at),
    waiting: row.status === "pending" && (embedded ? row.has_wait : true),
    votes,
  };
}

function embeddedEngine(opts?: { engine?: "embedded" | "inngest" }): boolean {
  return (opts?.engine ?? (executorMode() === "inngest" ? "inngest" : "embedded")) === "embedded";
}

export async function getDecision(database: Database, id: string, opts?: { engine?: "embedded" | "inngest" }): Promise<DecisionView> {
  const [row] = await database.rows<Row>(sql`${SELECT} where d.id = ${id}`);
  if (!row) throw new DecisionError("not_found", `No decision ${id}`);
  const votes = await database.rows<{ user_id: string; approve: boolean; values: Record<string, unknown> | null; reason: string | null; at: string }>(
    sql`select user_id, approve, values, reason, at::text as at from decision_vote where decision_id = ${id} order by at, user_id`,
  );
  return toView(
    row,
    votes.map((v) => ({ userId: v.user_id, approve: v.approve, values: v.values, reason: v.reason, at: iso(v.at) ?? "" })),
    embeddedEngine(opts),
  );
}

export interface ListDecisionsInput {
  status?: DecisionStatus;
  runId?: string;
  /** Only decisions these roles may decide (admin sees all). */
  roles?: string[];
  limit?: number;
  engine?: "embedded" | "inngest";
}

/** Decisions these roles may decide (over `decision d`); admins may decide any. The inbox scopes by it too. */
export function decisionRoleScope(roles: readonly string[]): SQL {
  if (roles.includes("admin")) return sql`true`;
  if (!roles.length) return sql`false`;
  return sql`d.approver_role in (${sql.join(roles.map((r) => sql`${r}`), sql`, `)})`;
}

/** Newest first; votes are not included (getDecision has them). */
export async function listDecisions(database: Database, input: ListDecisionsInput = {}): Promise<DecisionView[]> {
  const where: SQL[] = [];
  if (input.status) where.push(sql`d.status = ${input.status}`);
  if (input.runId) where.push(sql`d.run_id = ${input.runId}`);
  if (input.roles) {
    if (!input.roles.length) return [];
    where.push(decisionRoleScope(input.roles));
  }
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 500);
  const rows = await database.rows<Row>(
    sql`${SELECT} ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``} order by d.created_at desc, d.id limit ${limit}`,
  );
  const embedded = embeddedEngine(input);
  return rows.map((r) => toView(r, [], embedded));
}

/**
 * Called when the executor stores a wait for `decision/made`: if that decision was already
 * resolved (a vote landed before the wait existed), send the event again so the wait sees it.
 */
export async function redeliverDecision(database: Database, waitExpr: string | null, send: SendEvents): Promise<boolean> {
  const id = decisionIdFromExpression(waitExpr);
  if (!id) return false;
  const [d] = await database.rows<{ id: string; run_id: string; status: DecisionStatus; proposed: Record<string, unknown>; final_values: Record<string, unknown> | null; reason: string | null; decided_by: string | null }>(
    sql`select id, run_id, status, proposed, final_values, reason, decided_by from decision where id = ${id}`,
  );
  if (!d || (d.status !== "approved" && d.status !== "rejected")) return false;
  await deliver(database, toEvent(d), send);
  return true;
}

/**
 * Resolved decisions the engine has not heard of, decided more than `olderThanMs` ago:
 * - their event never went out (the process died between the decision's commit and the send);
 * - or a run still waits for one: its event went out before the run's wait existed (a quick
 *   approver), and the redelivery that follows a new wait (redeliverDecision, run after the
 *   wait's commit by the process that stored it) was lost with that process. The run would
 *   otherwise wait until the wait's timeout.
 * A repeated event is harmless: a wait takes one, and no other wait is for that decision.
 */
export async function resendUnsentDecisions(database: Database, send: SendEvents, olderThanMs = 5_000): Promise<number> {
  const grace = sql`now() - ${olderThanMs} * interval '1 millisecond'`;
  const rows = await database.rows<{ id: string; run_id: string; status: DecisionStatus; proposed: Record<string, unknown>; final_values: Record<string, unknown> | null; reason: string | null; decided_by: string | null }>(
    // From the live waits (few) to their decisions by key, not from every decision ever made.
    sql`select d.id, d.run_id, d.status, d.proposed, d.final_values, d.reason, d.decided_by, d.decided_at from decision d
        where d.status in ('approved', 'rejected') and not d.event_sent and d.decided_at < ${grace}
        union
        select d.id, d.run_id, d.status, d.proposed, d.final_values, d.reason, d.decided_by, d.decided_at
        from engine_wait w join decision d on d.id = ${WAITED_DECISION_ID}
        where ${DECISION_WAIT} and w.created_at < ${grace}
          and d.status in ('approved', 'rejected') and d.decided_at < ${grace}
        order by decided_at limit 100`,
  );
  // Each on its own: one the engine keeps refusing must not hold back the others.
  let sent = 0;
  for (const d of rows) {
    try {
      await deliver(database, toEvent(d), send);
      sent++;
    } catch (e) {
      console.error(`[decisions] re-sending ${d.id} failed; the next sweep tries again:`, e instanceof Error ? e.message : e);
    }
  }
  return sent;
}

function toEvent(d: { id: string; run_id: string; status: DecisionStatus; proposed: Record<string, unknown>; final_values: Record<string, unknown> | null; reason: string | null; decided_by: string | null }): DecisionMadeData {
  return {
    decisionId: d.id,
    runId: d.run_id,
    approved: d.status === "approved",
    values: d.final_values ?? d.proposed,
    reason: d.reason,
    decidedBy: d.decided_by,
  };
}
