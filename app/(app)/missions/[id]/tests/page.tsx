import type { Metadata } from "next";
import { TestCaseList } from "@/components/missions/test-cases";
import { CompareModels } from "@/components/model-comparison/compare-models";
import { can, requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Test cases" };

export default async function TestCasesPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/missions/${id}/tests`);
  return (
    <>
      <TestCaseList missionId={id} canBuild={can(user, "builder")} canLoosen={can(user, "approver") || can(user, "admin")} />
      <CompareModels missionId={id} canBuild={can(user, "builder")} />
    </>
  );
}
