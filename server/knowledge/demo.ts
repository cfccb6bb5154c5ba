import "server-only";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { uploadDocument, type KnowledgeWriteOptions } from "./documents";
import { exportClauses } from "./export";

/** The demo's policy documents, uploaded as an admin would. */
export const DEMO_KNOWLEDGE_FILES = ["refund-policy.md"] as const;

/**
 * Demo mode: uploads the refund policy (REF-1.1 …) unless a document with its slug exists (an
 * admin's edits are kept), then exports the clauses so the knowledge connector serves them.
 */
export async function seedDemoKnowledge(database: Database, opts: KnowledgeWriteOptions = {}): Promise<{ uploaded: string[] }> {
  const uploaded: string[] = [];
  for (const name of DEMO_KNOWLEDGE_FILES) {
    const slug = name.replace(/\.md$/, "");
    const [exists] = await database.rows<{ id: string }>(sql`select id from knowledge_document where slug = ${slug}`);
    if (exists) continue;
    const content = fs.readFileSync(path.join(process.cwd(), "demo", "knowledge", name), "utf8");
    await uploadDocument(database, { content, filename: name }, null, { exportFile: null });
    uploaded.push(slug);
  }
  if (opts.exportFile !== null) await exportClauses(database, opts.exportFile ?? undefined);
  return { uploaded };
}
