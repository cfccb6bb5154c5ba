import "server-only";
import { sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { BUILT_IN_MCP_TOOLS } from "@/lib/mission/mcp-tool";
import type { InputField, MissionGraph, TriggerData } from "@/lib/mission/schema";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { versionGraph } from "@/server/engine/plan";

// The missions builders exposed as MCP tools: what the MCP server offers (exposed.ts is its read
// model) and what admins see and revoke in settings. Exposure lives in the published version, so it
// went through reviewed publishing; a revocation is an admin's switch beside it.

export interface ExposedTool {
  missionId: string;
  missionName: string;
  /** The tool's name as assistants call it. */
  name: string;
  description: string;
  versionId: string;
  versionNumber: number;
  fields: InputField[];
  graph: MissionGraph;
  revoked: { by: string | null; at: string } | null;
  /** Why it is not offered though exposed and not revoked (another mission has the name), or null. */
  shadowedBy: { missionId: string; missionName: string } | null;
}

/** Whether assistants are offered the tool. */
export const isOffered = (t: ExposedTool): boolean => !t.revoked && !t.shadowedBy;

interface Row {
  mission_id: string;
  mission_name: string;
  version_id: string;
  version_number: number;
  revoked_at: string | null;
  revoked_by: string | null;
}

function exposure(graph: MissionGraph): { trigger: TriggerData; tool: NonNullable<TriggerData["tool"]> } | null {
  const t = graph.nodes.find((n) => n.kind === "trigger");
  return t?.kind === "trigger" && t.data.tool ? { trigger: t.data, tool: t.data.tool } : null;
}

/**
 * Every tool the published versions of live missions expose, oldest mission first: an archived
 * mission's tool is gone, a revoked one is listed as revoked, and of two missions with one name the
 * older keeps it (the newer is listed as shadowed).
 */
export async function listExposedTools(database: Database): Promise<ExposedTool[]> {
  const rows = await database.rows<Row>(
    sql`select m.id as mission_id, m.name as mission_name, v.id as version_id, v.number as version_number,
               r.revoked_at::text as revoked_at, u.email as revoked_by
        from mission m join mission_version v on v.mission_id = m.id and v.number = m.published_version
        left join mcp_tool_revocation r on r.mission_id = m.id left join "user" u on u.id = r.revoked_by
        where m.archived_at is null and v.graph @> ${JSON.stringify({ nodes: [{ kind: "trigger", data: { tool: {} } }] })}::jsonb
        order by m.created_at, m.id`,
  );
  const out: ExposedTool[] = [];
  const holder = new Map<string, ExposedTool>();
  for (const r of rows) {
    const graph = await versionGraph(database, r.version_id).catch(() => null);
    const exposed = graph && exposure(graph);
    if (!graph || !exposed || (BUILT_IN_MCP_TOOLS as readonly string[]).includes(exposed.tool.name)) continue;
    const first = holder.get(exposed.tool.name);
    const tool: ExposedTool = {
      missionId: r.mission_id,
      missionName: r.mission_name,
      name: exposed.tool.name,
      description: exposed.tool.description,
      versionId: r.version_id,
      versionNumber: Number(r.version_number),
      fields: exposed.trigger.fields,
      graph,
      revoked: r.revoked_at ? { by: r.revoked_by, at: new Date(r.revoked_at).toISOString() } : null,
      shadowedBy: first ? { missionId: first.missionId, missionName: first.missionName } : null,
    };
    if (!first) holder.set(tool.name, tool);
    out.push(tool);
  }
  return out;
}

/** The tool assistants are offered under `name`, or null. */
export async function offeredTool(database: Database, name: string): Promise<ExposedTool | null> {
  return (await listExposedTools(database)).find((t) => t.name === name && isOffered(t)) ?? null;
}

/** An admin stops offering a mission's tool (until restored); audited. */
export async function revokeExposedTool(database: Database, missionId: string, actor: AuditActor): Promise<void> {
  const tool = (await listExposedTools(database)).find((t) => t.missionId === missionId);
  if (!tool) throw new AppError("not_found", `Mission ${missionId} exposes no MCP tool`, [{ path: "missionId", message: "must be a mission whose published version is exposed as a tool" }]);
  if (tool.revoked) return;
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`insert into mcp_tool_revocation (mission_id, revoked_by) values (${missionId}, ${actor.id}) on conflict do nothing`);
    await recordAudit(database, { action: "mcp_tool.revoked", actor, targetType: "mission", targetId: missionId, data: { tool: tool.name, version: tool.versionNumber } }, tx);
  });
}

/** An admin offers a revoked tool again; audited. */
export async function restoreExposedTool(database: Database, missionId: string, actor: AuditActor): Promise<void> {
  await database.db.transaction(async (tx) => {
    const gone = await tx.execute(sql`delete from mcp_tool_revocation where mission_id = ${missionId} returning mission_id`);
    const rows = Array.isArray(gone) ? gone : (gone as { rows: unknown[] }).rows;
    if (!rows.length) throw new AppError("not_found", `Mission ${missionId} has no revoked MCP tool`, [{ path: "missionId", message: "must be a mission whose tool was revoked" }]);
    await recordAudit(database, { action: "mcp_tool.restored", actor, targetType: "mission", targetId: missionId }, tx);
  });
}
