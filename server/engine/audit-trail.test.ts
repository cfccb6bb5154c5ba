import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { verifyAuditChain } from "@/server/audit/verify";
import { auditToolCall } from "./audit-trail";

describe.each(testDatabases())("tool call audit on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("records a call once per idempotency key, however often a retried step reports it", async () => {
    const runId = crypto.randomUUID();
    const call = {
      runId,
      nodeId: "refund",
      tool: "commerce.issue_refund",
      idempotencyKey: `${runId}:refund`,
      args: { orderId: "1042", amount: 35 },
      result: { isError: false, text: "x".repeat(5_000), value: { refundId: "r1" }, raw: {} },
      approvedBy: "user-1",
    };
    await Promise.all([auditToolCall(database, call), auditToolCall(database, call), auditToolCall(database, call)]);
    await auditToolCall(database, { ...call, idempotencyKey: `${runId}:crm_note`, nodeId: "crm_note", tool: "crm.add_note", approvedBy: null });
    const rows = await database.rows<{ target_id: string; actor_label: string; data: { result: string; approvedBy?: string; args: unknown } }>(
      sql`select target_id, actor_label, data from audit_log where run_id = ${runId} and action = 'tool.called' order by id`,
    );
    expect(rows.map((r) => r.target_id)).toEqual([`${runId}:refund`, `${runId}:crm_note`]);
    expect(rows[0]).toMatchObject({ actor_label: "system", data: { approvedBy: "user-1", args: { orderId: "1042", amount: 35 } } });
    expect(rows[0]?.data.result).toHaveLength(2_001);
    expect(rows[1]?.data.approvedBy).toBeUndefined();
    expect((await verifyAuditChain(database)).ok).toBe(true);
  });
});
