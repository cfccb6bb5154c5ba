import type { Metadata } from "next";
import { MissionList } from "@/components/missions/mission-list";
import { requirePageUser, can } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Missions" };

export default async function MissionsPage() {
  const user = await requirePageUser("/missions");
  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <MissionList canBuild={can(user, "builder")} />
    </div>
  );
}
