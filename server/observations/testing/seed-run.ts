import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { getTemplate } from "@/lib/mission/templates";
import type { Database } from "@/server/db/database";
import { seedMission } from "@/server/engine/testing/harness";

/** A mission version (the "Simple approval" template) and one running run of it, written directly. */
export async function seedRun(database: Database, status: "running" | "succeeded" = "running"): Promise<{ runId: string; missionId: string; versionId: string }> {
  const template = getTemplate("approval");
  if (!template) throw new Error("the approval template is missing");
  const seeded = await seedMission(database, template.graph());
  const runId = crypto.randomUUID();
  await database.db.execute(
    sql`insert into run (id, mission_id, version_id, status, input, started_by, started_at)
        values (${runId}, ${seeded.missionId}, ${seeded.versionId}, ${status}, ${JSON.stringify({ title: "seeded" })}::jsonb, ${seeded.starter}, now())`,
  );
  return { runId, missionId: seeded.missionId, versionId: seeded.versionId };
}
