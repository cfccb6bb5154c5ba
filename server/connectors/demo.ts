import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { decryptJson } from "@/server/crypto/secrets";
import type { Database } from "@/server/db/database";
import { connector, connectorTool } from "@/server/db/schema";
import { dataDir } from "@/server/env";
import { connectorPool, type ConnectorPool } from "./pool";
import { approveTools, createConnector, refreshTools, updateConnector, type CreateConnectorInput } from "./service";

// The knowledge base is not among them: it is built in, in every mode (server/knowledge/connector.ts).
export const DEMO_CONNECTOR_NAMES = ["commerce", "crm"] as const;
export type DemoConnectorName = (typeof DEMO_CONNECTOR_NAMES)[number];

export interface DemoOptions {
  /** Where the demo servers keep their PGlite data (default `<STEWARD_DATA_DIR>/demo`). */
  dataDir?: string;
}

function demoDir(): string {
  return path.join(process.cwd(), "demo", "mcp");
}

/**
 * A digest of the demo servers' source. It is part of their configuration, so a Steward upgrade
 * that changes a demo tool re-registers and re-approves it instead of leaving it "changed".
 */
function demoRevision(name: DemoConnectorName): string {
  const dir = demoDir();
  const files = [path.join(dir, `${name}.ts`), ...fs.readdirSync(path.join(dir, "lib")).sort().map((f) => path.join(dir, "lib", f))];
  const h = crypto.createHash("sha256");
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest("hex").slice(0, 16);
}

/** stdio configurations of the demo MCP servers, with absolute paths from process.cwd(). */
export function demoConnectorConfigs(opts: DemoOptions = {}): (CreateConnectorInput & { name: DemoConnectorName })[] {
  const base = path.resolve(opts.dataDir ?? path.join(dataDir(), "demo"));
  const launcher = path.join(demoDir(), "run.mjs");
  return DEMO_CONNECTOR_NAMES.map((name) => ({
    name,
    transport: "stdio" as const,
    stdio: {
      command: process.execPath,
      args: [launcher, name],
      env: { DEMO_DATA_DIR: path.join(base, name), DEMO_REVISION: demoRevision(name) },
    },
    timeoutMs: 60_000,
  }));
}

/**
 * Registers the demo connectors, then lists and approves their tools. Idempotent and cheap when
 * nothing changed: servers are only started for a new or changed configuration or unpinned tools,
 * because each one opens its own PGlite (seconds on first start).
 */
export async function registerDemoConnectors(
  database: Database,
  opts: DemoOptions & { userId?: string | null } = {},
  pool: ConnectorPool = connectorPool(),
): Promise<{ registered: DemoConnectorName[]; refreshed: DemoConnectorName[] }> {
  const db = database.db;
  const registered: DemoConnectorName[] = [];
  const refreshed: DemoConnectorName[] = [];
  for (const cfg of demoConnectorConfigs(opts)) {
    const [existing] = await db.select().from(connector).where(eq(connector.name, cfg.name));
    let id: string;
    let stale = false;
    if (!existing) {
      id = (await createConnector(db, cfg)).id;
      registered.push(cfg.name);
      stale = true;
    } else {
      id = existing.id;
      const wanted = cfg.stdio;
      let storedEnv: Record<string, string> = {};
      try {
        storedEnv = existing.secretEnv ? decryptJson<Record<string, string>>(existing.secretEnv) : {};
      } catch {
        // unreadable under the current key: rewritten below
      }
      const same =
        existing.transport === "stdio" &&
        existing.config.command === wanted?.command &&
        JSON.stringify(existing.config.args ?? []) === JSON.stringify(wanted?.args ?? []) &&
        Object.entries(wanted?.env ?? {}).every(([k, v]) => storedEnv[k] === v);
      if (!same) {
        await updateConnector(db, id, { transport: "stdio", stdio: { command: wanted?.command, args: wanted?.args, env: wanted?.env } }, pool);
        stale = true;
      } else {
        const tools = await db.select().from(connectorTool).where(eq(connectorTool.connectorId, id));
        stale = !tools.length || tools.some((t) => t.status !== "approved" && t.status !== "removed");
      }
    }
    if (!stale) continue;
    await refreshTools(db, id, pool);
    await approveTools(db, id, opts.userId ?? null);
    refreshed.push(cfg.name);
  }
  return { registered, refreshed };
}
