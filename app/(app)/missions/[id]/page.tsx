import type { Metadata } from "next";
import { MissionEditor } from "@/components/editor/mission-editor";
import { isAppError } from "@/lib/errors";
import { can, requirePageUser } from "@/server/auth/page-user";
import { getDatabase } from "@/server/db/client";
import { getMission } from "@/server/missions/service";

export const metadata: Metadata = { title: "Mission" };

export default async function MissionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/missions/${id}`);
  // Loaded here so the editor draws on its first render instead of after a second request.
  const database = await getDatabase();
  const mission = await getMission(database.db, id).catch((e: unknown) => {
    if (isAppError(e) && e.code === "not_found") return null;
    throw e;
  });
  return <MissionEditor missionId={id} canEdit={can(user, "builder")} initial={mission} />;
}
