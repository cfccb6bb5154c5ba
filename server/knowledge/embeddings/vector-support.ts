import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";

export interface VectorSupport {
  available: boolean;
  /** Why search is full-text only, when it is. */
  notice?: string;
}

export const NO_PGVECTOR_NOTICE =
  "pgvector is not installed on this database: knowledge search is keyword (full-text) only. Install the PostgreSQL pgvector package (Debian: postgresql-15-pgvector) and restart Steward for hybrid search.";

const known = new WeakMap<Database, Promise<VectorSupport>>();

/**
 * Whether this database has pgvector. Migration 0019 creates the extension where it can; this tries
 * once more (it may have been installed since), then remembers the answer for the process.
 */
export function vectorSupport(database: Database): Promise<VectorSupport> {
  let found = known.get(database);
  if (!found) {
    found = detect(database);
    known.set(database, found);
    // A failure (the database briefly unreachable) is not remembered: the next call asks again.
    found.catch(() => known.delete(database));
  }
  return found;
}

async function detect(database: Database): Promise<VectorSupport> {
  const has = async () => (await database.rows<{ n: number }>(sql`select 1 as n from pg_extension where extname = 'vector'`)).length > 0;
  if (await has()) {
    await addVectorColumn(database);
    return { available: true };
  }
  try {
    await database.rows(sql`create extension if not exists vector`);
  } catch {
    // Not installed on the server, or no right to create it: the notice says what to do.
  }
  if (!(await has())) return { available: false, notice: NO_PGVECTOR_NOTICE };
  await addVectorColumn(database);
  return { available: true };
}

/**
 * knowledge_embedding.vec: the embedding as pgvector's own type, which search reads (casting the
 * real[] of 10,000 rows at every query took five times as long). Not in the Drizzle schema: it
 * exists only where pgvector does, so it is added here (idempotent) and filled for rows stored
 * before pgvector was there.
 */
async function addVectorColumn(database: Database): Promise<void> {
  await database.rows(sql`alter table knowledge_embedding add column if not exists vec vector`);
  await database.rows(sql`update knowledge_embedding set vec = embedding::vector where vec is null`);
}
