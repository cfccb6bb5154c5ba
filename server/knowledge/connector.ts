import "server-only";
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { registerBuiltinServer } from "@/server/connectors/builtin";
import { connectorPool, type ConnectorPool } from "@/server/connectors/pool";
import { approveTools, refreshTools } from "@/server/connectors/service";
import type { Database } from "@/server/db/database";
import { connector, connectorTool } from "@/server/db/schema";
import { createKnowledgeMcpServer } from "./mcp-server";

/** The connector name Workers' tool refs use: `knowledge.search_policies`. */
export const KNOWLEDGE_CONNECTOR = "knowledge";

/**
 * Every mode, at start: serves the knowledge base's MCP server inside this process and makes sure
 * the `knowledge` connector points at it with its tools approved (they are Steward's own code, as
 * the demo connectors' are). The tools are listed at every start (in process, so cheap), so an
 * upgrade that changes a definition is approved here rather than left "changed" and refused. A
 * connector already named `knowledge` (the former demo stdio server) is repointed. An admin may
 * still disable it or tighten a tool's policy; that is kept.
 */
export async function ensureKnowledgeConnector(
  database: Database,
  opts: { userId?: string | null } = {},
  pool: ConnectorPool = connectorPool(),
): Promise<{ connectorId: string; approved: string[] }> {
  const url = registerBuiltinServer(KNOWLEDGE_CONNECTOR, () => createKnowledgeMcpServer(database));
  const db = database.db;
  const [existing] = await db.select().from(connector).where(eq(connector.name, KNOWLEDGE_CONNECTOR));
  const id = existing?.id ?? crypto.randomUUID();
  if (!existing) {
    await db.insert(connector).values({ id, name: KNOWLEDGE_CONNECTOR, transport: "http", config: { url }, timeoutMs: 30_000 });
  } else if (existing.transport !== "http" || existing.config.url !== url || existing.secretEnv || existing.secretHeaders) {
    if (!(existing.transport === "stdio" && existing.config.args?.includes("knowledge"))) {
      console.warn(`[knowledge] the connector named ${KNOWLEDGE_CONNECTOR} is reserved for the built-in knowledge base: it now points there`);
    }
    await pool.close(id);
    await db
      .update(connector)
      .set({ transport: "http", config: { url }, secretEnv: null, secretHeaders: null, updatedAt: new Date() })
      .where(eq(connector.id, id));
  }
  await refreshTools(db, id, pool);
  const tools = await db.select().from(connectorTool).where(eq(connectorTool.connectorId, id));
  const pending = tools.filter((t) => t.status === "new" || t.status === "changed").map((t) => t.name);
  if (pending.length) await approveTools(db, id, opts.userId ?? null, pending);
  return { connectorId: id, approved: pending.sort() };
}
