import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { ArrowLeft, FileText } from "lucide-react";
import { ClauseCard } from "@/components/knowledge/clause-card";
import { DeleteDocument } from "@/components/knowledge/delete-document";
import { ResultBanner } from "@/components/knowledge/result-banner";
import { FORMAT_LABELS } from "@/components/knowledge/format-label";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { getDatabase } from "@/server/db/client";
import { getDocument, KnowledgeError, type KnowledgeDocumentView } from "@/server/knowledge";
import { deleteKnowledge } from "../actions";

export const metadata: Metadata = { title: "Knowledge document" };

export default async function KnowledgeDocumentPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ result?: string }> }) {
  await connection();
  const [{ id }, { result }] = await Promise.all([params, searchParams]);
  let doc: KnowledgeDocumentView;
  try {
    doc = await getDocument(await getDatabase(), id);
  } catch (e) {
    if (e instanceof KnowledgeError && e.code === "not_found") {
      return (
        <EmptyState icon={<FileText />} title="No such document" action={<Link href="/settings/knowledge" className="text-sm font-medium text-brand-700 hover:underline">Back to Knowledge</Link>}>
          It may have been deleted.
        </EmptyState>
      );
    }
    throw e;
  }

  return (
    <>
      <ResultBanner result={result} />
      <Link href="/settings/knowledge" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-900">
        <ArrowLeft className="size-4" aria-hidden /> Knowledge
      </Link>
      <div className="mb-5 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h2 className="text-xl font-semibold tracking-tight text-slate-900" data-testid="knowledge-document-title">
            {doc.title}
          </h2>
          <div className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-500">
            <Badge>{FORMAT_LABELS[doc.format]}</Badge>
            <Badge data-testid="knowledge-document-version">version {doc.version}</Badge>
            <span>{doc.slug}</span>·<span data-testid="knowledge-clause-count">{doc.clauseCount} clauses</span>·
            <span>
              updated {new Date(doc.updatedAt).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}
              {doc.updatedBy ? ` by ${doc.updatedBy}` : ""}
            </span>
          </div>
        </div>
        <DeleteDocument title={doc.title} clauseCount={doc.clauseCount} action={deleteKnowledge.bind(null, doc.id)} />
      </div>
      <Card className="divide-y divide-slate-100">
        {doc.clauses.map((c) => (
          <ClauseCard key={c.id} clause={c} />
        ))}
      </Card>
      <details className="mt-6 rounded-lg border border-slate-200 bg-white">
        <summary className="cursor-pointer px-5 py-3 text-sm font-medium text-slate-700">Source as uploaded</summary>
        <pre className="max-h-[480px] overflow-auto border-t border-slate-100 px-5 py-4 font-mono text-xs leading-relaxed whitespace-pre-wrap text-slate-700">{doc.source}</pre>
      </details>
    </>
  );
}
