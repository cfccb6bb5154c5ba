import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";

/** Missions an admin can grant collections to: the ones not archived, by name. */
export async function listMissionNames(database: Database): Promise<{ id: string; name: string }[]> {
  return database.rows<{ id: string; name: string }>(sql`select id, name from mission where archived_at is null order by name, id`);
}
