import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { formatBytes, jsonBytes } from "@/lib/bounded";
import { zodProblems } from "@/lib/errors";
import type { Database } from "@/server/db/database";
import type { DecisionField, DecisionStatus } from "@/server/db/schema";
import { getEngineDeps } from "@/server/engine/deps";
import { DECISION_MADE, type DecisionMadeData, type SendEvents } from "@/server/engine/events";
import { recordObservation } from "@/server/observations/record";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { DecisionConflictError, DecisionError } from "./errors";
import { checkEdits } from "./values";

/** The largest edited value a vote may carry (its JSON), so a vote and the event it sends stay small. */
export const MAX_DECISION_VALUE_BYTES = 16_000;
/** The largest `decision/made` event values sent in full; the engine reads the values from the decision row anyway. */
const MAX_EVENT_VALUES_BYTES = 64_000;

/** Edited values: at most 100, each at most MAX_DECISION_VALUE_BYTES, the field named in the problem. */
const editedValues = z
  .record(z.string().max(200), z.unknown())
  .refine((v) => Object.keys(v).length <= 100, "must have at most 100 values")
  .superRefine((values, ctx) => {
    for (const [name, value] of Object.entries(values)) {
      const bytes = jsonBytes(value);
      if (bytes > MAX_DECISION_VALUE_BYTES) {
        ctx.addIssue({ code: "custom", path: [name], message: `is ${formatBytes(bytes)}; a decision value may be at most ${formatBytes(MAX_DECISION_VALUE_BYTES)}` });
      }
    }
  });

export const decideInputSchema = z.object({
  decisionId: z.string().min(1, "must not be empty").max(100),
  userId: z.string().min(1, "must not be empty").max(200),
  userRoles: z.array(z.string()).max(20),
  approve: z.boolean(),
  values: editedValues.optional(),
  reason: z.string().max(2_000, "must be at most 2000 characters").optional(),
});
export type DecideInput = z.input<typeof decideInputSchema>;

export interface DecideResult {
  decisionId: string;
  status: DecisionStatus;
  /** True when this vote resolved the decision (and the engine was told). */
  resolved: boolean;
  approvals: number;
  requiredApprovals: number;
}

interface LockedDecision {
  id: string;
  run_id: string;
  node_id: string;
  status: DecisionStatus;
  title: string;
  proposed: Record<string, unknown>;
  fields: DecisionField[];
  editable: string[];
  approver_role: string;
  required_approvals: number;
  separation_of_duties: boolean;
  reason_required: boolean;
  requested_by: string | null;
  version_author: string | null;
}

/**
 * One approver's vote. Rules, in order: the decision exists and is pending; the user holds the
 * approver role (or admin); separation of duties keeps the run's starter and the version's author
 * out; one vote per user; edits only to editable fields, of the right type; a reason when
 * rejecting if the node requires one. One rejection resolves it rejected; approvals resolve it
 * approved once `required_approvals` distinct users approved (four-eyes), with their edits merged
 * in vote order.
 *
 * The row is locked for the whole (short) transaction and the final UPDATE is conditional on
 * `status = 'pending'`, so concurrent votes serialize and exactly one resolves it; a vote that
 * arrives after resolution gets DecisionConflictError. The `decision/made` event is sent after
 * commit. If the engine's wait does not exist yet, the event matches nothing; the embedded
 * executor then re-sends it when the wait appears (see redeliverDecision), so early votes are safe.
 */
export async function decide(
  database: Database,
  raw: DecideInput,
  /** `actor`: who voted, for the audit log (e.g. `api key stw_… of …`); the voter's user id otherwise. */
  opts: { send?: SendEvents; actor?: AuditActor } = {},
): Promise<DecideResult> {
  const parsed = decideInputSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error.issues);
    throw new DecisionError("invalid_values", `Invalid decision: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
  }
  const input = parsed.data;
  const reason = input.reason?.trim() || null;

  const outcome = await database.db.transaction(async (tx) => {
    const [d] = await database.rows<LockedDecision>(sql`select * from decision where id = ${input.decisionId} for update`, tx);
    if (!d) throw new DecisionError("not_found", `No decision ${input.decisionId}`);
    if (d.status !== "pending") throw new DecisionConflictError(d.id, d.status);
    if (!input.userRoles.includes(d.approver_role) && !input.userRoles.includes("admin")) {
      throw new DecisionError("forbidden", `Deciding this needs the ${d.approver_role} role`);
    }
    if (d.separation_of_duties && (input.userId === d.requested_by || input.userId === d.version_author)) {
      const who = input.userId === d.requested_by ? "started this run" : "saved the mission version this run uses";
      throw new DecisionError("separation_of_duties", `Separation of duties: you ${who}, so someone else must decide`);
    }
    const [voted] = await database.rows(
      sql`select 1 from decision_vote where decision_id = ${d.id} and user_id = ${input.userId}`,
      tx,
    );
    if (voted) throw new DecisionError("already_voted", "You already voted on this decision; another approver must add theirs");
    const edits = input.approve ? (input.values ?? {}) : {};
    const problems = checkEdits(edits, d.fields, d.editable);
    if (problems.length) {
      throw new DecisionError("invalid_values", `Invalid values: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
    }
    if (!input.approve && d.reason_required && !reason) {
      throw new DecisionError("reason_required", "Give a reason for rejecting", [{ path: "reason", message: "is required when rejecting" }]);
    }

    await tx.execute(
      sql`insert into decision_vote (decision_id, user_id, approve, values, reason)
          values (${d.id}, ${input.userId}, ${input.approve}, ${Object.keys(edits).length ? JSON.stringify(edits) : null}::jsonb, ${reason})`,
    );
    const votes = await database.rows<{ approve: boolean; values: Record<string, unknown> | null }>(
      sql`select approve, values from decision_vote where decision_id = ${d.id} order by at, user_id`,
      tx,
    );
    const approvals = votes.filter((v) => v.approve).length;

    let status: DecisionStatus = "pending";
    let finalValues: Record<string, unknown> | null = null;
    if (!input.approve) status = "rejected";
    else if (approvals >= d.required_approvals) {
      status = "approved";
      finalValues = { ...d.proposed };
      for (const v of votes) if (v.approve && v.values) Object.assign(finalValues, v.values);
    }

    if (status !== "pending") {
      const won = await database.rows(
        sql`update decision set status = ${status}, final_values = ${finalValues ? JSON.stringify(finalValues) : null}::jsonb,
              reason = ${reason}, decided_by = ${input.userId}, decided_at = now()
            where id = ${d.id} and status = 'pending' returning 1`,
        tx,
      );
      if (!won.length) throw new DecisionConflictError(d.id, "decided");
    }
    const edited = Object.keys(edits);
    await recordObservation(
      database,
      {
        runId: d.run_id,
        nodeId: d.node_id,
        kind: "decision",
        text:
          status === "pending"
            ? `Approval ${approvals} of ${d.required_approvals} for "${d.title}"`
            : `${status === "approved" ? "Approved" : "Rejected"} "${d.title}"${reason ? `: ${reason}` : ""}`,
        data: {
          decisionId: d.id,
          event: status === "pending" ? "vote" : status,
          userId: input.userId,
          approve: input.approve,
          ...(edited.length ? { edited: Object.fromEntries(edited.map((k) => [k, { from: d.proposed[k] ?? null, to: edits[k] }])) } : {}),
        },
      },
      tx,
    );
    // Last in the transaction: the audit lock is held until commit.
    await recordAudit(tx, {
      action: status === "pending" ? "decision.voted" : "decision.decided",
      actor: opts.actor?.id === input.userId ? opts.actor : { id: input.userId },
      targetType: "decision",
      targetId: d.id,
      runId: d.run_id,
      data: {
        title: d.title,
        status,
        approve: input.approve,
        reason,
        approvals,
        requiredApprovals: d.required_approvals,
        before: d.proposed,
        after: status === "pending" ? { ...d.proposed, ...edits } : finalValues,
        ...(edited.length ? { edited: Object.fromEntries(edited.map((k) => [k, { from: d.proposed[k] ?? null, to: edits[k] }])) } : {}),
      },
    });
    const event: DecisionMadeData | null =
      status === "pending"
        ? null
        : { decisionId: d.id, runId: d.run_id, approved: status === "approved", values: finalValues ?? d.proposed, reason, decidedBy: input.userId };
    return { status, approvals, required: d.required_approvals, event };
  });

  if (outcome.event) {
    // The vote is committed: answer it as such. An event that does not reach the engine now stays
    // unsent (decision.event_sent false) and the sweeper sends it again until it does.
    await deliver(database, outcome.event, opts.send).catch((e: unknown) => {
      console.error(`[decisions] ${input.decisionId} is ${outcome.status}; telling the engine failed, the sweeper retries:`, e instanceof Error ? e.message : e);
    });
  }
  return {
    decisionId: input.decisionId,
    status: outcome.status,
    resolved: outcome.event !== null,
    approvals: outcome.approvals,
    requiredApprovals: outcome.required,
  };
}

/**
 * Sends `decision/made` and remembers that it went out (the sweeper re-sends unsent ones). The
 * event only wakes the run, which reads the outcome from the decision row; values too large for an
 * event (proposed by a run, or stored before votes were bounded) are left out (`valuesOmitted`).
 */
export async function deliver(database: Database, event: DecisionMadeData, send?: SendEvents): Promise<void> {
  const data = jsonBytes(event.values) > MAX_EVENT_VALUES_BYTES ? { ...event, values: {}, valuesOmitted: true } : { ...event };
  await (send ?? getEngineDeps().send)({ name: DECISION_MADE, data });
  await database.db.execute(sql`update decision set event_sent = true where id = ${event.decisionId}`);
}
