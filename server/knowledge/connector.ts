import "server-only";
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { builtinUrl, registerBuiltinServer } from "@/server/connectors/builtin";
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
 * the demo connectors' are). A connector already named `knowledge` (the former demo stdio server)
 * is repointed. An admin may still disable it or tighten a tool's policy; that is kept.
 */
export async function ensureKnowledgeConnector(
  database: Database,
  opts: { userId?: string | null } = {},
  pool: ConnectorPool = connectorPool(),
): Promise<{ connectorId: string; refreshed: boolean }> {
  const url = registerBuiltinServer(KNOWLEDGE_CONNECTOR, () => createKnowledgeMcpServer(database));
  const db = database.db;
  const [existing] = await db.select().from(connector).where(eq(connector.name, KNOWLEDGE_CONNECTOR));
  let id = existing?.id;
  let stale = false;
  if (!existing) {
    id = crypto.randomUUID();
    await db.insert(connector).values({ id, name: KNOWLEDGE_CONNECTOR, transport: "http", config: { url }, timeoutMs: 30_000 });
    stale = true;
  } else if (existing.transport !== "http" || existing.config.url !== builtinUrl(KNOWLEDGE_CONNECTOR) || existing.secretEnv || existing.secretHeaders) {
    if (!(existing.transport === "stdio" && existing.config.args?.some((a) => a === "knowledge"))) {
      console.warn(`[knowledge] the connector named ${KNOWLEDGE_CONNECTOR} is reserved for the built-in knowledge base: it now points there`);
    }
    await pool.close(existing.id);
    await db
      .update(connector)
      .set({ transport: "http", config: { url }, secretEnv: null, secretHeaders: null, updatedAt: new Date() })
      .where(eq(connector.id, existing.id));
    stale = true;
  } else {
    const tools = await db.select().from(connectorTool).where(eq(connectorTool.connectorId, existing.id));
    stale = !tools.length || tools.some((t) => t.status !== "approved" && t.status !== "removed");
  }
  if (!id) throw new Error("unreachable: the knowledge connector has no id");
  if (stale) {
    await refreshTools(db, id, pool);
    await approveTools(db, id, opts.userId ?? null);
  }
  return { connectorId: id, refreshed: stale };
}
