import "server-only";
import { eq } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { mission, user } from "@/server/db/schema";
import { getTemplate } from "@/lib/mission/templates";
import { saveVersion } from "@/server/missions/service";

/** Demo mode: the refund adjudication mission, saved as version 1 (idempotent). */
export async function seedDemoContent(database: Database): Promise<void> {
  const db = database.db;
  const existing = await db.select({ id: mission.id }).from(mission).limit(1);
  if (existing.length) return;
  const template = getTemplate("refund");
  if (!template) return;
  const [builder] = await db.select({ id: user.id }).from(user).where(eq(user.email, "builder@steward.local"));
  const graph = template.graph();
  const id = "refund-adjudication";
  await db.insert(mission).values({ id, name: graph.name, description: graph.description, draft: graph, createdBy: builder?.id ?? null });
  await saveVersion(database.db, id, { message: "Demo: refund adjudication" }, builder?.id ?? null);
}
