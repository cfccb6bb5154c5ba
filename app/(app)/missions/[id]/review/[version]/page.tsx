import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { VersionReview } from "@/components/missions/version-review";
import { requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Review a version" };

/**
 * A mission version's review: its governance changes and full diff against the published version,
 * with Publish / Reject. Every signed-in user may read it (approvers need not hold the builder
 * role); who may publish or reject is decided by the service and shown on the page.
 */
export default async function VersionReviewPage({ params }: { params: Promise<{ id: string; version: string }> }) {
  const { id, version } = await params;
  await requirePageUser(`/missions/${id}/review/${version}`);
  const number = /^\d{1,9}$/.test(version) ? Number(version) : 0;
  if (number < 1) notFound();
  return (
    <div className="mx-auto max-w-5xl px-4 py-8 sm:px-6">
      <VersionReview missionId={id} number={number} />
    </div>
  );
}
