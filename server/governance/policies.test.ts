import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import * as list from "@/app/api/v1/policies/route";
import * as one from "@/app/api/v1/policies/[id]/route";
import { governDecision, listPolicies } from "./policies";

interface ErrorBody {
  error: { code: string; message: string; problems: { path: string; message: string }[] };
}

describe.each(testDatabases())("approval policies on $name", (tdb) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(tdb);
  });
  afterAll(() => h.close());

  const post = (body: unknown, who: "admin" | "builder" = "admin") =>
    list.POST(new Request("http://localhost/api/v1/policies", { method: "POST", headers: h.headers(who), body: JSON.stringify(body) }));
  const put = (id: string, body: unknown) =>
    one.PUT(new Request(`http://localhost/api/v1/policies/${id}`, { method: "PUT", headers: h.headers("admin"), body: JSON.stringify(body) }), { params: Promise.resolve({ id }) });
  const del = (id: string) => one.DELETE(new Request(`http://localhost/api/v1/policies/${id}`, { method: "DELETE", headers: h.headers("admin") }), { params: Promise.resolve({ id }) });

  it("starts with the baseline: Approval steps and state-changing tools, separation of duties on, no auto-approval", async () => {
    const policies = await listPolicies(h.database.db);
    expect(policies.map((p) => [p.name, p.scope, p.target])).toEqual([
      ["Approval steps", "approval_steps", ""],
      ["State-changing tools", "tool_class", "state_changing"],
    ]);
    for (const p of policies) expect(p.rules).toMatchObject({ approverRole: "approver", separationOfDuties: true, reasonOnReject: true, allowAutoApprove: false });
  });

  it("answers bad policies with 400 naming the field, and nothing is saved", async () => {
    const before = (await listPolicies(h.database.db)).length;
    const cases: [unknown, string][] = [
      [{ name: "", scope: "approval_steps", rules: {} }, "name"],
      [{ name: "x", scope: "tool", target: "not a tool", rules: {} }, "target"],
      [{ name: "x", scope: "tool_class", target: "scary", rules: {} }, "target"],
      [{ name: "x", scope: "approval_steps", rules: { requiredApprovals: 0 } }, "rules.requiredApprovals"],
      [{ name: "x", scope: "approval_steps", rules: { maxTimeout: "forever" } }, "rules.maxTimeout"],
      [{ name: "x", scope: "approval_steps", rules: { valueRules: [{ expression: "amount <=", otherwise: { action: "refuse" } }] } }, "rules.valueRules[0].expression"],
      [{ name: "x", scope: "approval_steps", rules: { valueRules: [{ expression: "1 < 2", otherwise: { action: "refuse" } }] } }, "rules.valueRules[0].expression"],
      [{ name: "x", scope: "approval_steps", rules: { valueRules: [{ expression: "amount < 2", otherwise: { action: "maybe" } }] } }, "rules.valueRules[0].otherwise.action"],
    ];
    for (const [body, path] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as ErrorBody).error.problems.map((p) => p.path), JSON.stringify(body)).toContain(path);
    }
    expect((await post({ name: "x", scope: "approval_steps", rules: {} }, "builder")).status).toBe(403);
    expect((await listPolicies(h.database.db)).length).toBe(before);
  });

  it("creates, changes and deletes a policy, each recorded in the audit log with before and after", async () => {
    const created = await post({ name: "Refunds by admins", scope: "tool", target: "shop.issue_refund", rules: { approverRole: "admin", requiredApprovals: 2 } });
    expect(created.status).toBe(201);
    const policy = (await created.json()) as { id: string; rules: { requiredApprovals: number; separationOfDuties: boolean } };
    expect(policy.rules).toMatchObject({ requiredApprovals: 2, separationOfDuties: true });
    const changed = await put(policy.id, { name: "Refunds by admins", scope: "tool", target: "shop.issue_refund", rules: { approverRole: "admin", requiredApprovals: 3 }, enabled: false });
    expect(changed.status).toBe(200);
    expect((await del(policy.id)).status).toBe(204);
    expect((await del(policy.id)).status).toBe(404);
    const audit = await h.database.rows<{ action: string; actor_id: string; data: { before?: { rules: { requiredApprovals: number } }; after?: { rules: { requiredApprovals: number }; enabled: boolean } } }>(
      sql`select action, actor_id, data from audit_log where target_type = 'policy' and target_id = ${policy.id} order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(["policy.created", "policy.updated", "policy.deleted"]);
    expect(audit.every((a) => a.actor_id === h.userId("admin"))).toBe(true);
    expect(audit[1]?.data.before?.rules.requiredApprovals).toBe(2);
    expect(audit[1]?.data.after).toMatchObject({ rules: { requiredApprovals: 3 }, enabled: false });
  });

  it("governs a decision by the stricter of the mission and every policy that applies to it", async () => {
    const created = (await (await post({ name: "Destructive tools", scope: "tool_class", target: "destructive", rules: { approverRole: "admin", requiredApprovals: 2, maxTimeout: "1h" } })).json()) as { id: string };
    try {
      const request = { approverRole: "builder", requiredApprovals: 1, separationOfDuties: false, reasonRequired: false, timeout: "24h", onTimeout: "approve" as const };
      const readOnly = await governDecision(h.database.db, [{ kind: "tool", ref: "fs.read", traits: { readOnlyHint: true } }], request);
      expect(readOnly.applied).toEqual([]);
      expect(readOnly).toMatchObject({ approverRole: "builder", onTimeout: "approve" });
      const destructive = await governDecision(h.database.db, [{ kind: "tool", ref: "fs.delete", traits: { destructiveHint: true } }], request);
      expect(destructive.applied.map((p) => p.name)).toEqual(["State-changing tools", "Destructive tools"]);
      expect(destructive).toMatchObject({ approverRole: "admin", requiredApprovals: 2, separationOfDuties: true, reasonRequired: true, timeout: "1h", onTimeout: "reject" });
      // A mission that asks for more than the policies keeps what it asked for.
      const stricter = await governDecision(h.database.db, [{ kind: "approval_step" }], { ...request, approverRole: "admin", requiredApprovals: 4, timeout: "5m", onTimeout: "reject" });
      expect(stricter).toMatchObject({ approverRole: "admin", requiredApprovals: 4, timeout: "5m" });
    } finally {
      await del(created.id);
    }
  });
});
