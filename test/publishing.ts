import { and, desc, eq } from "drizzle-orm";
import type { Db } from "@/server/db/database";
import { missionVersion, versionReview } from "@/server/db/schema";
import { publishVersion } from "@/server/missions/publishing";

/**
 * Test set-up: has `reviewerId` (an approver who did not write it) publish a mission's version,
 * the newest when no number is given, unless it is published already (a version that governs
 * nothing, or does not change governance, publishes itself on save). Returns the version number.
 */
export async function publishForTest(db: Db, missionId: string, reviewerId: string, number?: number): Promise<number> {
  const [v] = await db
    .select({ number: missionVersion.number, status: versionReview.status })
    .from(missionVersion)
    .leftJoin(versionReview, eq(versionReview.versionId, missionVersion.id))
    .where(number === undefined ? eq(missionVersion.missionId, missionId) : and(eq(missionVersion.missionId, missionId), eq(missionVersion.number, number)))
    .orderBy(desc(missionVersion.number))
    .limit(1);
  if (!v) throw new Error(`publishForTest: mission ${missionId} has no version${number === undefined ? "" : ` ${number}`}`);
  if (v.status !== "published") await publishVersion(db, { missionId, number: v.number, actor: { id: reviewerId, roles: ["approver"] }, note: "Published by a test set-up" });
  return v.number;
}
