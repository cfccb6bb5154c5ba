import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { formatBytes, jsonBytes } from "@/lib/bounded";
import { zodProblems, type FieldProblem } from "@/lib/errors";
import type { GovernedRules } from "@/lib/governance/policy";
import { valueRuleEffect, type ValueRuleCheck } from "@/lib/governance/value-rules";
import type { Database } from "@/server/db/database";
import type { DecisionField, DecisionStatus } from "@/server/db/schema";
import { DECISION_MADE, type DecisionMadeData, type SendEvents } from "@/server/contracts/events";
import { recordObservation } from "@/server/observations/record";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import { DecisionConflictError, DecisionError } from "./errors";
import { pgTextArray } from "./lifecycle";
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
  governance: GovernedRules | null;
}

/**
 * One approver's vote. Rules, in order: the decision exists and is pending; the user holds the
 * role in force (or admin); separation of duties keeps the run's starter and the version's author
 * out; one vote per user; edits only to editable fields, of the right type and within the tool's
 * bounds; a reason when rejecting if required. One rejection resolves it rejected; approvals
 * resolve it approved once enough distinct users who hold the role approved (four-eyes), with their
 * edits merged in vote order. The admin policies recorded on the decision (its `governance`) are
 * applied to the values as they would be approved: a broken bound refuses the approval, a broken
 * "else" rule asks for more approvers or a stronger role, and the decision row says so.
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
  /**
   * `send`: where `decision/made` goes (the engine's, injected by the caller so the decisions
   * core does not reach into the engine). `actor`: who voted, for the audit log (e.g. `api key
   * stw_… of …`); the voter's user id otherwise.
   */
  opts: { send: SendEvents; actor?: AuditActor },
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
    const priorVotes = await database.rows<{ user_id: string; approve: boolean; values: Record<string, unknown> | null; roles: string[] | null }>(
      sql`select v.user_id, v.approve, v.values, coalesce(v.roles, (select array_agg(ur.role) from user_role ur where ur.user_id = v.user_id)) as roles
          from decision_vote v where v.decision_id = ${d.id} order by v.at, v.user_id`,
      tx,
    );
    const edits = input.approve ? (input.values ?? {}) : {};
    const merged = { ...d.proposed };
    for (const v of priorVotes) if (v.approve && v.values) Object.assign(merged, v.values);
    Object.assign(merged, edits);
    const effect = d.governance ? valueRuleEffect(d.governance, merged) : null;
    const role = effect?.approverRole ?? d.approver_role;
    if (!input.userRoles.includes(role) && !input.userRoles.includes("admin")) {
      const why = effect?.required.length ? ` (${effect.required.map((c) => c.rule.message || c.rule.expression).join("; ")})` : "";
      throw new DecisionError("forbidden", `Deciding this needs the ${role} role${why}`);
    }
    if (d.separation_of_duties && (input.userId === d.requested_by || input.userId === d.version_author)) {
      const who = input.userId === d.requested_by ? "started this run" : "saved the mission version this run uses";
      throw new DecisionError("separation_of_duties", `Separation of duties: you ${who}, so someone else must decide`);
    }
    if (priorVotes.some((v) => v.user_id === input.userId)) {
      throw new DecisionError("already_voted", "You already voted on this decision; another approver must add theirs");
    }
    const problems = checkEdits(edits, d.fields, d.editable);
    if (!problems.length && input.approve && effect?.refused.length) problems.push(...refusedProblems(effect.refused));
    if (problems.length) {
      throw new DecisionError("invalid_values", `Invalid values: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, problems);
    }
    if (!input.approve && d.reason_required && !reason) {
      throw new DecisionError("reason_required", "Give a reason for rejecting", [{ path: "reason", message: "is required when rejecting" }]);
    }

    await tx.execute(
      sql`insert into decision_vote (decision_id, user_id, approve, values, reason, roles)
          values (${d.id}, ${input.userId}, ${input.approve}, ${Object.keys(edits).length ? JSON.stringify(edits) : null}::jsonb, ${reason}, ${pgTextArray(input.userRoles)}::text[])`,
    );
    // Approvals count from those who hold the role in force now: an edit that raised the bar
    // (say, to an admin) does not let earlier approvers' votes meet it.
    const holds = (roles: readonly string[]) => roles.includes(role) || roles.includes("admin");
    const approvals =
      priorVotes.filter((v) => v.approve && holds(v.roles ?? [])).length + (input.approve && holds(input.userRoles) ? 1 : 0);
    const required = effect?.requiredApprovals ?? d.required_approvals;

    let status: DecisionStatus = "pending";
    let finalValues: Record<string, unknown> | null = null;
    if (!input.approve) status = "rejected";
    else if (approvals >= required) {
      status = "approved";
      finalValues = merged;
    }
    if (status === "pending" && (required !== d.required_approvals || role !== d.approver_role)) {
      await tx.execute(sql`update decision set required_approvals = ${required}, approver_role = ${role} where id = ${d.id}`);
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
            ? `Approval ${approvals} of ${required} for "${d.title}"`
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
        requiredApprovals: required,
        ...(effect?.required.length ? { raisedBy: effect.required.map((c) => ({ policy: c.rule.policyName, rule: c.rule.expression })) } : {}),
        before: d.proposed,
        after: status === "pending" ? { ...d.proposed, ...edits } : finalValues,
        ...(edited.length ? { edited: Object.fromEntries(edited.map((k) => [k, { from: d.proposed[k] ?? null, to: edits[k] }])) } : {}),
      },
    });
    const event: DecisionMadeData | null =
      status === "pending"
        ? null
        : { decisionId: d.id, runId: d.run_id, approved: status === "approved", values: finalValues ?? d.proposed, reason, decidedBy: input.userId };
    return { status, approvals, required, event };
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
export async function deliver(database: Database, event: DecisionMadeData, send: SendEvents): Promise<void> {
  const data = jsonBytes(event.values) > MAX_EVENT_VALUES_BYTES ? { ...event, values: {}, valuesOmitted: true } : { ...event };
  await send({ name: DECISION_MADE, data });
  await database.db.execute(sql`update decision set event_sent = true where id = ${event.decisionId}`);
}

/** Problems for bounds the values break, on each value the bound names. */
function refusedProblems(refused: ValueRuleCheck[]): FieldProblem[] {
  return refused.flatMap((c) => {
    const message = `must satisfy ${c.rule.expression}${c.rule.message ? ` (${c.rule.message})` : ""}, policy "${c.rule.policyName}"`;
    return (c.fields.length ? c.fields : ["values"]).map((path) => ({ path, message }));
  });
}
