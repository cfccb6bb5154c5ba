import "server-only";
import { sql } from "drizzle-orm";
import { ErrorCode, McpError, type ReadResourceResult, type Resource, type ResourceTemplate } from "@modelcontextprotocol/sdk/types.js";
import { runAuditRecord } from "@/server/audit/query";
import type { Database } from "@/server/db/database";
import { runHasEnded } from "@/server/runs/wait";
import type { RunStatus } from "@/server/db/schema";

// Finished runs' audit records as MCP resources (`steward://runs/{runId}/audit`): what
// GET /api/v1/runs/{id}/audit answers, for an assistant to cite what happened and who decided.

const PREFIX = "steward://runs/";
const SUFFIX = "/audit";
/** How many recent finished runs resources/list offers (any other is read by its URI). */
const LISTED = 20;

export const RUN_AUDIT_TEMPLATE: ResourceTemplate = {
  uriTemplate: `${PREFIX}{runId}${SUFFIX}`,
  name: "run-audit",
  title: "A finished run's audit record",
  description: "Every audited act of a finished Steward run, in order (who started it, each decision and vote, each tool call), with its verdict.",
  mimeType: "application/json",
};

const uriOf = (runId: string) => `${PREFIX}${encodeURIComponent(runId)}${SUFFIX}`;

export async function listRunAuditResources(database: Database): Promise<Resource[]> {
  const rows = await database.rows<{ id: string; mission: string; status: RunStatus; ended_at: string }>(
    sql`select r.id, m.name as mission, r.status, r.ended_at::text as ended_at from run r join mission m on m.id = r.mission_id
        where r.status in ('succeeded', 'failed', 'cancelled') order by r.ended_at desc nulls last limit ${LISTED}`,
  );
  return rows.map((r) => ({ uri: uriOf(r.id), name: `run-${r.id.slice(0, 8)}-audit`, title: `${r.mission}: run ${r.id.slice(0, 8)} (${r.status})`, mimeType: "application/json" }));
}

export async function readRunAuditResource(database: Database, uri: string): Promise<ReadResourceResult> {
  if (!uri.startsWith(PREFIX) || !uri.endsWith(SUFFIX)) throw new McpError(ErrorCode.InvalidParams, `uri: must look like ${RUN_AUDIT_TEMPLATE.uriTemplate}`);
  const runId = decodeURIComponent(uri.slice(PREFIX.length, -SUFFIX.length));
  const [row] = await database.rows<{ status: RunStatus }>(sql`select status from run where id = ${runId}`);
  if (!row) throw new McpError(ErrorCode.InvalidParams, `No run ${runId}`);
  if (!runHasEnded(row.status)) throw new McpError(ErrorCode.InvalidParams, `Run ${runId} is ${row.status}: its audit record is offered once it has finished (read it with get_run meanwhile)`);
  return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(await runAuditRecord(database, runId), null, 2) }] };
}
