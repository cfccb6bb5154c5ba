import "server-only";
import { eq } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { mission, user } from "@/server/db/schema";
import { getTemplate } from "@/lib/mission/templates";
import { saveVersion } from "@/server/missions/service";
import { publishAsSystem } from "@/server/missions/publishing";
import { registerDemoConnectors } from "@/server/connectors/demo";
import { seedReplayModels } from "@/server/models/service";
import { seedDemoKnowledge } from "@/server/knowledge/demo";
import { seedDemoOrganisation } from "@/server/portal/demo";

export const DEMO_MISSION_ID = "refund-adjudication";

/** Demo mode: replay models, the demo MCP connectors and the refund mission as version 1, published (idempotent). */
export async function seedDemoContent(database: Database): Promise<void> {
  const db = database.db;
  const [admin] = await db.select({ id: user.id }).from(user).where(eq(user.email, "admin@steward.local"));
  await seedReplayModels(database);
  await seedDemoOrganisation(database);
  await seedDemoKnowledge(database);
  await registerDemoConnectors(database, { userId: admin?.id });
  const existing = await db.select({ id: mission.id }).from(mission).where(eq(mission.id, DEMO_MISSION_ID));
  if (existing.length) return;
  const template = getTemplate("refund");
  if (!template) return;
  const [builder] = await db.select({ id: user.id }).from(user).where(eq(user.email, "builder@steward.local"));
  const graph = template.graph();
  await db.insert(mission).values({ id: DEMO_MISSION_ID, name: graph.name, description: graph.description, draft: graph, createdBy: builder?.id ?? null });
  const v = await saveVersion(database.db, DEMO_MISSION_ID, { message: "Demo: refund adjudication" }, builder?.id ?? null);
  // The demo's mission runs from the start: the system publishes it, as a reviewer would.
  if (v.review.status !== "published") await publishAsSystem(database.db, DEMO_MISSION_ID, v.number, "Demo content, published when the demo was seeded");
}
