import type { Metadata } from "next";
import { ComparisonView } from "@/components/model-comparison/comparison-view";
import { requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Model comparison" };

export default async function ModelComparisonPage({ params }: { params: Promise<{ id: string; comparisonId: string }> }) {
  const { id, comparisonId } = await params;
  await requirePageUser(`/missions/${id}/compare/${comparisonId}`);
  return <ComparisonView comparisonId={comparisonId} />;
}
