import "server-only";
import crypto from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { AppError, zodProblems, type FieldProblem } from "@/lib/errors";
import {
  governRules,
  policyApplies,
  policyInputSchema,
  type ApprovalPolicy,
  type GovernedRules,
  type PolicyInput,
  type PolicySubject,
  type RequestedRules,
} from "@/lib/governance/policy";
import { valueRuleProblem } from "@/lib/governance/value-rules";
import type { Db, DbOrTx } from "@/server/db/database";
import { approvalPolicy } from "@/server/db/schema";
import { recordAudit, type AuditActor } from "@/server/audit/record";

/** A stored policy with who changed it last, for the settings page and the API. */
export interface PolicyView extends ApprovalPolicy {
  createdAt: string;
  updatedAt: string;
}

type Row = typeof approvalPolicy.$inferSelect;

function toView(r: Row): PolicyView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    scope: r.scope,
    target: r.target,
    rules: r.rules,
    enabled: r.enabled,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function listPolicies(db: Db): Promise<PolicyView[]> {
  const rows = await db.select().from(approvalPolicy).orderBy(asc(approvalPolicy.createdAt), asc(approvalPolicy.name));
  return rows.map(toView);
}

export async function getPolicy(db: Db, id: string): Promise<PolicyView> {
  const [row] = await db.select().from(approvalPolicy).where(eq(approvalPolicy.id, id));
  if (!row) throw new AppError("not_found", `No policy ${id}`);
  return toView(row);
}

function parsePolicy(raw: unknown) {
  const parsed = policyInputSchema.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "The policy is not valid", zodProblems(parsed.error.issues));
  const problems: FieldProblem[] = [];
  parsed.data.rules.valueRules.forEach((v, i) => {
    const problem = valueRuleProblem(v.expression);
    if (problem) problems.push({ path: `rules.valueRules[${i}].expression`, message: problem });
  });
  if (problems.length) throw new AppError("bad_request", "The policy is not valid", problems);
  return parsed.data;
}

export async function createPolicy(db: Db, raw: PolicyInput | unknown, actor: AuditActor): Promise<PolicyView> {
  const p = parsePolicy(raw);
  const id = `pol_${crypto.randomUUID()}`;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(approvalPolicy)
      .values({ id, name: p.name, description: p.description, scope: p.scope, target: p.target, rules: p.rules, enabled: p.enabled, createdBy: actor.id, updatedBy: actor.id })
      .returning();
    if (!row) throw new Error("policy insert returned nothing");
    const view = toView(row);
    await recordAudit(tx, { action: "policy.created", actor, targetType: "policy", targetId: id, data: { after: auditable(view) } });
    return view;
  });
}

export async function updatePolicy(db: Db, id: string, raw: PolicyInput | unknown, actor: AuditActor): Promise<PolicyView> {
  const p = parsePolicy(raw);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(approvalPolicy).where(eq(approvalPolicy.id, id)).for("update");
    if (!before) throw new AppError("not_found", `No policy ${id}`);
    const [row] = await tx
      .update(approvalPolicy)
      .set({ name: p.name, description: p.description, scope: p.scope, target: p.target, rules: p.rules, enabled: p.enabled, updatedBy: actor.id, updatedAt: new Date() })
      .where(eq(approvalPolicy.id, id))
      .returning();
    if (!row) throw new AppError("not_found", `No policy ${id}`);
    const view = toView(row);
    await recordAudit(tx, { action: "policy.updated", actor, targetType: "policy", targetId: id, data: { before: auditable(toView(before)), after: auditable(view) } });
    return view;
  });
}

export async function deletePolicy(db: Db, id: string, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const [before] = await tx.delete(approvalPolicy).where(eq(approvalPolicy.id, id)).returning();
    if (!before) throw new AppError("not_found", `No policy ${id}`);
    await recordAudit(tx, { action: "policy.deleted", actor, targetType: "policy", targetId: id, data: { before: auditable(toView(before)) } });
  });
}

function auditable(v: PolicyView) {
  return { name: v.name, scope: v.scope, target: v.target, rules: v.rules, enabled: v.enabled };
}

/**
 * The rules in force on one decision: the mission's request tightened by every enabled policy that
 * applies to any of its subjects (an Approval step also answers for the gated tools it leads to).
 */
export async function governDecision(on: DbOrTx, subjects: PolicySubject[], requested: RequestedRules): Promise<GovernedRules> {
  const rows = await on.select().from(approvalPolicy).where(eq(approvalPolicy.enabled, true)).orderBy(asc(approvalPolicy.createdAt), asc(approvalPolicy.id));
  const applying: { policy: ApprovalPolicy; because: string }[] = [];
  for (const row of rows) {
    const policy = toView(row);
    const reasons = [...new Set(subjects.map((s) => policyApplies(policy, s)).filter((r): r is string => r !== null))];
    if (reasons.length) applying.push({ policy, because: reasons.join("; ") });
  }
  return governRules(requested, applying);
}
