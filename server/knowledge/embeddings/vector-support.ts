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
  }
  return found;
}

async function detect(database: Database): Promise<VectorSupport> {
  const has = async () => (await database.rows<{ n: number }>(sql`select 1 as n from pg_extension where extname = 'vector'`)).length > 0;
  if (await has()) return { available: true };
  try {
    await database.rows(sql`create extension if not exists vector`);
  } catch {
    // Not installed on the server, or no right to create it: the notice says what to do.
  }
  return (await has()) ? { available: true } : { available: false, notice: NO_PGVECTOR_NOTICE };
}
