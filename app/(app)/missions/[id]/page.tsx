import type { Metadata } from "next";
import { MissionEditor } from "@/components/editor/mission-editor";
import { can, requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Mission" };

export default async function MissionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/missions/${id}`);
  return <MissionEditor missionId={id} canEdit={can(user, "builder")} />;
}
