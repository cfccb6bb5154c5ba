import type { Metadata } from "next";
import { SuiteRunResult } from "@/components/missions/suite-runs";
import { requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Suite run" };

export default async function SuiteRunPage({ params }: { params: Promise<{ id: string; suiteRunId: string }> }) {
  const { id, suiteRunId } = await params;
  await requirePageUser(`/missions/${id}/tests/suite/${suiteRunId}`);
  return <SuiteRunResult missionId={id} suiteRunId={suiteRunId} />;
}
