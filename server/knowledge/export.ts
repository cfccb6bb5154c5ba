import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { demoConnectorConfigs } from "@/server/connectors/demo";
import { notify, type Database } from "@/server/db/database";
import { dataDir } from "@/server/env";

// The built-in `knowledge` MCP server is its own process with its own index. It learns the app's
// clauses from one JSON file that the app rewrites after every change; the server re-indexes
// when the file's modification time changes.

export const KNOWLEDGE_EXPORT_FORMAT = "steward.knowledge/v1";
export const KNOWLEDGE_CHANNEL = "steward_knowledge";

export interface ExportedClause {
  id: string;
  title: string;
  text: string;
  document: string;
}

export interface KnowledgeExport {
  format: typeof KNOWLEDGE_EXPORT_FORMAT;
  exportedAt: string;
  clauses: ExportedClause[];
}

/**
 * Where the knowledge connector reads clauses: its `KNOWLEDGE_CLAUSES_FILE`, else `clauses.json`
 * in its data dir — taken from the demo connector configuration so the two never disagree.
 */
export function knowledgeExportFile(): string {
  try {
    const cfg = demoConnectorConfigs().find((c) => c.name === "knowledge");
    const env = cfg?.stdio?.env ?? {};
    if (env.KNOWLEDGE_CLAUSES_FILE) return env.KNOWLEDGE_CLAUSES_FILE;
    if (env.DEMO_DATA_DIR) return path.join(env.DEMO_DATA_DIR, "clauses.json");
  } catch {
    // the demo servers' sources are not shipped: use their default layout
  }
  return path.join(dataDir(), "demo", "knowledge", "clauses.json");
}

declare global {
  var __stewardKnowledgeExport: Promise<unknown> | undefined;
}

/**
 * Writes every clause to `file` (write to a side file, then rename: the server never reads half a
 * file). Exports run one after another and each reads the database afresh, so the last file
 * written always holds the latest state.
 */
export function exportClauses(database: Database, file: string = knowledgeExportFile()): Promise<{ file: string; clauses: number }> {
  const job = (globalThis.__stewardKnowledgeExport ?? Promise.resolve())
    .catch(() => undefined)
    .then(async () => {
      const rows = await database.rows<{ id: string; title: string; text: string; document: string }>(
        sql`select c.id, c.title, c.text, d.title as document from knowledge_clause c join knowledge_document d on d.id = c.document_id
            order by d.created_at, d.id, c.position`,
      );
      const body: KnowledgeExport = { format: KNOWLEDGE_EXPORT_FORMAT, exportedAt: new Date().toISOString(), clauses: rows };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(body, null, 1));
      fs.renameSync(tmp, file);
      return { file, clauses: rows.length };
    });
  globalThis.__stewardKnowledgeExport = job;
  return job;
}

const replica = crypto.randomUUID();

/**
 * After a change: re-export here and tell other app replicas (same PostgreSQL) to do the same. A
 * failed export is logged, not thrown: the change is committed, and the next export catches up.
 */
export async function knowledgeChanged(database: Database, file?: string | null): Promise<void> {
  if (file === null) return;
  try {
    await exportClauses(database, file);
  } catch (e) {
    console.warn("[knowledge] could not export clauses for the knowledge connector:", e instanceof Error ? e.message : e);
  }
  await notify(database, KNOWLEDGE_CHANNEL, replica).catch(() => undefined);
}

/** At start: export the current clauses, then re-export whenever another replica changes them. */
export async function startKnowledgeSync(database: Database, file: string = knowledgeExportFile()): Promise<() => Promise<void>> {
  await exportClauses(database, file);
  return database.listen(KNOWLEDGE_CHANNEL, (payload) => {
    if (payload === replica) return;
    exportClauses(database, file).catch((e: unknown) => console.warn("[knowledge] re-export failed:", e instanceof Error ? e.message : e));
  });
}
