import "server-only";
import { sql } from "drizzle-orm";
import { lockAuditWriters, recordAudit, SYSTEM_ACTOR } from "@/server/audit/record";
import type { ToolCallResult } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";

/** Longest tool result text kept in the audit log; the whole result is in the run's Observations. */
const RESULT_TEXT_MAX = 2_000;

/**
 * Records a call the engine made to a system of record (`tool.called`), once per idempotency key:
 * a step retried after the call but before its result was saved calls again with the same key
 * (the receiving side dedups it) and must not add a second entry.
 */
export async function auditToolCall(
  database: Database,
  call: { runId: string; nodeId: string; tool: string; idempotencyKey: string; args: Record<string, unknown>; result: ToolCallResult; approvedBy?: string | null },
): Promise<void> {
  await database.db.transaction(async (tx) => {
    // The audit writers' lock, taken first, makes the check and the append one step.
    await lockAuditWriters(tx);
    const seen = await database.rows(
      sql`select 1 from audit_log where run_id = ${call.runId} and action = 'tool.called' and target_id = ${call.idempotencyKey} limit 1`,
      tx,
    );
    if (seen.length) return;
    const text = call.result.text.length > RESULT_TEXT_MAX ? `${call.result.text.slice(0, RESULT_TEXT_MAX)}…` : call.result.text;
    await recordAudit(
      tx,
      {
        action: "tool.called",
        actor: SYSTEM_ACTOR,
        targetType: "tool_call",
        targetId: call.idempotencyKey,
        runId: call.runId,
        data: { node: call.nodeId, tool: call.tool, args: call.args, isError: call.result.isError, result: text, ...(call.approvedBy ? { approvedBy: call.approvedBy } : {}) },
      },
      tx,
    );
  });
}
