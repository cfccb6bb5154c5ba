import "server-only";
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { GovernedRules } from "@/lib/governance/policy";
import type { Role } from "@/lib/mission/schema";
import type { Database, DbOrTx } from "@/server/db/database";
import type { DecisionField, DecisionKind, DecisionStatus } from "@/server/db/schema";
import { recordObservation } from "@/server/observations/record";
import { PROGRESS_WINDOW_MS } from "@/server/contracts/run-window";
import { recordAudit } from "@/server/audit/record";

// The engine's side of decisions: open one (idempotently, inside a step), settle it when its wait
// times out, read how it was resolved.

export interface OpenDecisionInput {
  runId: string;
  nodeId: string;
  /** Unique within the run: the node id, or `<nodeId>:tool:<i>` for a worker's i-th proposal. */
  key: string;
  kind: DecisionKind;
  title: string;
  proposed: Record<string, unknown>;
  fields: DecisionField[];
  editable: string[];
  context?: Record<string, unknown>;
  approverRole: Role;
  requiredApprovals: number;
  separationOfDuties: boolean;
  reasonRequired: boolean;
  dueAt: Date;
  /** The rules in force and the policies they came from; the fields above are its effective values. */
  governance?: GovernedRules;
}

export interface DecisionResolution {
  decisionId: string;
  status: DecisionStatus;
  approved: boolean;
  values: Record<string, unknown>;
  reason: string | null;
  decidedBy: string | null;
}

interface DecisionRow {
  id: string;
  run_id: string;
  status: DecisionStatus;
  proposed: Record<string, unknown>;
  final_values: Record<string, unknown> | null;
  reason: string | null;
  decided_by: string | null;
}

/** Same run + key → same id, so a step that runs twice opens one decision. */
export function decisionIdFor(runId: string, key: string): string {
  return `dec_${crypto.createHash("sha256").update(`${runId}\n${key}`).digest("hex").slice(0, 32)}`;
}

/** Opens (or finds) the decision. requested_by and version_author come from the run. */
export async function openDecision(database: Database, input: OpenDecisionInput, on?: DbOrTx): Promise<DecisionResolution> {
  const id = decisionIdFor(input.runId, input.key);
  const body = async (tx: DbOrTx) => {
    const inserted = await database.rows(
      sql`insert into decision (id, run_id, node_id, kind, title, proposed, fields, editable, context, approver_role,
                                required_approvals, separation_of_duties, reason_required, governance, requested_by, version_author, due_at)
          select ${id}, r.id, ${input.nodeId}, ${input.kind}, ${input.title}, ${JSON.stringify(input.proposed)}::jsonb,
                 ${JSON.stringify(input.fields)}::jsonb, ${pgTextArray(input.editable)}::text[], ${JSON.stringify(input.context ?? null)}::jsonb,
                 ${input.approverRole}, ${input.requiredApprovals}, ${input.separationOfDuties}, ${input.reasonRequired},
                 ${input.governance ? JSON.stringify(input.governance) : null}::jsonb, r.started_by, v.author_id, ${input.dueAt.toISOString()}::timestamptz
          from run r join mission_version v on v.id = r.version_id where r.id = ${input.runId}
          on conflict (id) do nothing returning 1`,
      tx,
    );
    if (inserted.length) {
      await recordObservation(
        database,
        {
          runId: input.runId,
          nodeId: input.nodeId,
          kind: "decision",
          text: `Decision requested: ${input.title}`,
          data: { decisionId: id, event: "requested", kind: input.kind, approverRole: input.approverRole, dueAt: input.dueAt.toISOString() },
        },
        tx,
      );
      await recordAudit(tx, {
        action: "decision.opened",
        targetType: "decision",
        targetId: id,
        runId: input.runId,
        data: {
          nodeId: input.nodeId,
          kind: input.kind,
          title: input.title,
          proposed: input.proposed,
          editable: input.editable,
          approverRole: input.approverRole,
          requiredApprovals: input.requiredApprovals,
          separationOfDuties: input.separationOfDuties,
          dueAt: input.dueAt.toISOString(),
          ...(input.governance ? { policies: input.governance.applied, tightened: input.governance.tightened } : {}),
        },
      });
    }
    const row = await loadRow(database, tx, id);
    if (!row) throw new Error(`Run ${input.runId} does not exist: cannot open a decision for node ${input.nodeId}`);
    return toResolution(row);
  };
  return on ? body(on) : database.db.transaction(body);
}

/** How a decision stands now (the interpreter reads it after its wait ends). */
export async function decisionResolution(database: Database, decisionId: string, on?: DbOrTx): Promise<DecisionResolution> {
  const row = await loadRow(database, on ?? database.db, decisionId);
  if (!row) throw new Error(`Decision ${decisionId} does not exist`);
  return toResolution(row);
}

export type TimeoutAction = { action: "reject"; after: string } | { action: "approve"; after: string } | { action: "escalate"; to: Role; dueAt: Date; after: string };

/**
 * The wait for a decision timed out. If someone decided meanwhile (their event raced the
 * timeout), that decision stands; otherwise the node's onTimeout applies. Serialized with
 * decide() by the row lock, so exactly one of them resolves it.
 */
export async function settleTimedOut(database: Database, decisionId: string, t: TimeoutAction): Promise<DecisionResolution> {
  return database.db.transaction(async (tx) => {
    const [row] = await database.rows<DecisionRow & { node_id: string; approver_role: string }>(
      sql`select * from decision where id = ${decisionId} for update`,
      tx,
    );
    if (!row) throw new Error(`Decision ${decisionId} does not exist`);
    if (row.status !== "pending") return toResolution(row);
    let text: string;
    if (t.action === "escalate") {
      await tx.execute(
        // The governed role moves with it, so votes are checked against the escalation role.
        sql`update decision set approver_role = ${t.to}, due_at = ${t.dueAt.toISOString()}::timestamptz,
              governance = case when governance is null then null else jsonb_set(governance, '{approverRole}', to_jsonb(${t.to}::text)) end
            where id = ${decisionId}`,
      );
      // The run waits again: its no-progress deadline must outlast the new due time.
      await tx.execute(
        sql`update run set deadline_at = greatest(deadline_at, ${t.dueAt.toISOString()}::timestamptz + ${PROGRESS_WINDOW_MS} * interval '1 millisecond')
            where id = ${row.run_id} and status in ('queued', 'running', 'waiting')`,
      );
      text = `No decision within ${t.after}: escalated from ${row.approver_role} to ${t.to}`;
    } else if (t.action === "approve") {
      await tx.execute(
        sql`update decision set status = 'approved', final_values = proposed, decided_by = 'system:timeout',
              reason = ${`Approved automatically: no decision within ${t.after}`}, decided_at = now(), event_sent = true
            where id = ${decisionId}`,
      );
      text = `No decision within ${t.after}: approved automatically`;
    } else {
      await tx.execute(
        sql`update decision set status = 'expired', decided_by = 'system:timeout',
              reason = ${`Rejected automatically: no decision within ${t.after}`}, decided_at = now(), event_sent = true
            where id = ${decisionId}`,
      );
      text = `No decision within ${t.after}: rejected`;
    }
    await recordObservation(
      database,
      { runId: row.run_id, nodeId: row.node_id, kind: "decision", text, data: { decisionId, event: `timeout:${t.action}` } },
      tx,
    );
    await recordAudit(tx, {
      action: t.action === "escalate" ? "decision.escalated" : "decision.decided",
      targetType: "decision",
      targetId: decisionId,
      runId: row.run_id,
      data:
        t.action === "escalate"
          ? { from: row.approver_role, to: t.to, dueAt: t.dueAt.toISOString(), reason: text }
          : { status: t.action === "approve" ? "approved" : "expired", reason: text, before: row.proposed, after: t.action === "approve" ? row.proposed : null },
    });
    const updated = await loadRow(database, tx, decisionId);
    if (!updated) throw new Error(`Decision ${decisionId} vanished`);
    return toResolution(updated);
  });
}

async function loadRow(database: Database, on: DbOrTx, id: string): Promise<DecisionRow | undefined> {
  const [row] = await database.rows<DecisionRow>(
    sql`select id, run_id, status, proposed, final_values, reason, decided_by from decision where id = ${id}`,
    on,
  );
  return row;
}

function toResolution(row: DecisionRow): DecisionResolution {
  return {
    decisionId: row.id,
    status: row.status,
    approved: row.status === "approved",
    values: row.final_values ?? row.proposed,
    reason: row.reason,
    decidedBy: row.decided_by,
  };
}

/** A text[] literal; elements quoted so commas and quotes in names cannot break it. */
export function pgTextArray(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}
