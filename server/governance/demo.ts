import "server-only";
import { sql } from "drizzle-orm";
import type { PolicyRules } from "@/lib/governance/policy";
import type { Database } from "@/server/db/database";

/** Demo mode: refunds are bounded and large ones need a second approver (idempotent). */
export async function seedDemoPolicies(database: Database, adminId: string | null): Promise<void> {
  const rules: PolicyRules = {
    approverRole: "approver",
    requiredApprovals: 1,
    separationOfDuties: true,
    reasonOnReject: true,
    maxTimeout: null,
    allowAutoApprove: false,
    valueRules: [
      { expression: "amount > 0 && amount <= 5000", otherwise: { action: "refuse" }, message: "A refund is more than 0 and at most 5,000 EUR" },
      { expression: "amount <= 500", otherwise: { action: "require", requiredApprovals: 2 }, message: "Refunds over 500 EUR need a second approver" },
    ],
  };
  await database.db.execute(
    sql`insert into approval_policy (id, name, description, scope, target, rules, created_by, updated_by)
        values ('pol_demo_refund_limits', 'Refund limits', 'How much a refund may be, and when a second approver must agree.', 'tool', 'commerce.issue_refund',
                ${JSON.stringify(rules)}::jsonb, ${adminId}, ${adminId})
        on conflict (id) do nothing`,
  );
}
