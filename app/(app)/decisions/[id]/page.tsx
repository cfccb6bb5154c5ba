import type { Metadata } from "next";
import Link from "next/link";
import { ChevronLeft } from "lucide-react";
import { DecisionPanel } from "@/components/decisions/decision-panel";
import { requirePageUser } from "@/server/auth/page-user";

export const metadata: Metadata = { title: "Decision" };

export default async function DecisionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requirePageUser(`/decisions/${id}`);
  return (
    <div className="mx-auto max-w-6xl px-4 py-6 sm:px-6">
      <Link href="/decisions" className="mb-4 inline-flex items-center gap-1 text-sm font-medium text-slate-600 hover:text-slate-900">
        <ChevronLeft className="size-4" /> Decisions
      </Link>
      <DecisionPanel decisionId={id} />
    </div>
  );
}
