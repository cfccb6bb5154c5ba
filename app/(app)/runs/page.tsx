import type { Metadata } from "next";
import { RunsList } from "@/components/run/runs-list";
import { can, requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Runs" };

export default async function RunsPage() {
  const user = await requirePageUser("/runs");
  return (
    <div className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
      <RunsList canBuild={can(user, "builder")} />
    </div>
  );
}
