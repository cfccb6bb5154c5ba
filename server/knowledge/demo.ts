import "server-only";
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { ALL_MISSIONS, DEFAULT_COLLECTION_ID } from "./collections";
import { uploadDocument } from "./documents";

/** The demo's policy documents, uploaded as an admin would. */
export const DEMO_KNOWLEDGE_FILES = ["refund-policy.md"] as const;

/**
 * Demo mode: uploads the refund policy (REF-1.1 …) into the "policies" collection unless a
 * document with its slug exists (an admin's edits are kept), and, when it does upload, grants that
 * collection to every mission so the demo's Workers can cite it (an admin's later revoke is kept).
 */
export async function seedDemoKnowledge(database: Database): Promise<{ uploaded: string[] }> {
  const uploaded: string[] = [];
  for (const name of DEMO_KNOWLEDGE_FILES) {
    const slug = name.replace(/\.md$/, "");
    const [exists] = await database.rows<{ id: string }>(sql`select id from knowledge_document where slug = ${slug}`);
    if (exists) continue;
    const content = fs.readFileSync(path.join(process.cwd(), "demo", "knowledge", name), "utf8");
    await uploadDocument(database, { content, filename: name });
    uploaded.push(slug);
  }
  if (uploaded.length) {
    await database.db.execute(
      sql`insert into knowledge_collection_grant (collection_id, mission_id) values (${DEFAULT_COLLECTION_ID}, ${ALL_MISSIONS}) on conflict do nothing`,
    );
  }
  return { uploaded };
}
