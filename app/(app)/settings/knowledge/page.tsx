import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { BookOpen, FileText, Search } from "lucide-react";
import { clauseHref } from "@/components/knowledge/clause-card";
import { CollectionsCard } from "@/components/knowledge/collections-card";
import { EmbeddingStatus } from "@/components/knowledge/embedding-status";
import { FORMAT_LABELS } from "@/components/knowledge/format-label";
import { ResultBanner } from "@/components/knowledge/result-banner";
import { UploadForm } from "@/components/knowledge/upload-form";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Button } from "@/components/ui/button";
import { getDatabase } from "@/server/db/client";
import { embeddingProgress, embedSoon, listCollections, listDocuments, searchKnowledgeHybrid } from "@/server/knowledge";
import { listMissionNames } from "@/server/knowledge/missions";
import { createKnowledgeCollection, grantKnowledge, revokeKnowledge, uploadKnowledge } from "./actions";

export const metadata: Metadata = { title: "Knowledge" };

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

export default async function KnowledgeSettingsPage({ searchParams }: { searchParams: Promise<{ q?: string; result?: string; problem?: string }> }) {
  await connection();
  const { q, result, problem } = await searchParams;
  const database = await getDatabase();
  const query = (q ?? "").trim().slice(0, 500);
  const [docs, found, collections, missions, progress] = await Promise.all([
    listDocuments(database),
    query ? searchKnowledgeHybrid(database, query, 8) : Promise.resolve(null),
    listCollections(database),
    listMissionNames(database),
    embeddingProgress(database),
  ]);
  const hits = found?.hits ?? null;
  // A model registered a moment ago need not wait for the embedder's next poll.
  if (progress.modelId && progress.vector.available && progress.embedded < progress.total && !progress.running) embedSoon(database);

  return (
    <>
      <ResultBanner result={result} problem={problem} />
      <p className="mb-5 max-w-3xl text-sm text-slate-600">
        Policies Workers search with <code className="font-mono text-xs">knowledge.search_policies</code>, in the collections granted to their mission. Each heading becomes a clause with a stable id (a heading like{" "}
        <code className="font-mono text-xs">REF-1.2 Partial refund</code> keeps its own), and Workers cite clauses by id.
      </p>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_340px]">
        <div className="space-y-6">
          {docs.length === 0 ? (
            <EmptyState icon={<BookOpen />} title="No documents yet">
              Add a Markdown or text policy: its headings become clauses that Workers can search and cite.
            </EmptyState>
          ) : (
            <Card className="overflow-hidden">
              <table className="w-full text-sm" data-testid="knowledge-documents">
                <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="px-5 py-2.5">Document</th>
                    <th className="px-3 py-2.5 text-right">Clauses</th>
                    <th className="hidden px-3 py-2.5 sm:table-cell">Format</th>
                    <th className="hidden px-5 py-2.5 md:table-cell">Updated</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {docs.map((d) => (
                    <tr key={d.id} className="hover:bg-slate-50" data-testid="knowledge-document-row">
                      <td className="px-5 py-3">
                        <Link href={`/settings/knowledge/${d.id}`} className="flex items-center gap-2.5 font-medium text-slate-900 hover:text-brand-700">
                          <FileText className="size-4 shrink-0 text-slate-400" aria-hidden />
                          <span>
                            {d.title}
                            <span className="block text-xs font-normal text-slate-500">
                              {d.slug} · {d.collection} · {size(d.sizeBytes)}
                            </span>
                          </span>
                        </Link>
                      </td>
                      <td className="px-3 py-3 text-right tabular-nums text-slate-700">{d.clauseCount}</td>
                      <td className="hidden px-3 py-3 sm:table-cell">
                        <Badge>{FORMAT_LABELS[d.format]}</Badge>
                      </td>
                      <td className="hidden px-5 py-3 text-slate-500 md:table-cell">
                        {new Date(d.updatedAt).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" })}
                        {d.updatedBy ? <span className="block text-xs">{d.updatedBy}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )}

          <EmbeddingStatus progress={progress} />

          <CollectionsCard collections={collections} missions={missions} grant={grantKnowledge} revoke={revokeKnowledge} create={createKnowledgeCollection} />

          <Card className="p-5">
            <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
              <Search className="size-4 text-slate-400" aria-hidden /> Try a search
            </h2>
            <p className="mt-1 text-sm text-slate-600">The same ranking Workers get: best match first.</p>
            <form className="mt-3 flex gap-2" action="/settings/knowledge">
              <Input name="q" defaultValue={query} placeholder="e.g. refund for an opened item after 20 days" aria-label="Search clauses" data-testid="knowledge-search" />
              <Button type="submit" variant="secondary">
                Search
              </Button>
            </form>
            {found?.notice ? (
              <p className="mt-3 text-sm text-amber-800" data-testid="knowledge-search-notice">
                {found.notice}
              </p>
            ) : null}
            {hits ? (
              hits.length === 0 ? (
                <p className="mt-4 text-sm text-slate-500">No clause matches “{query}”.</p>
              ) : (
                <ol className="mt-4 divide-y divide-slate-100 rounded-md border border-slate-200" data-testid="knowledge-hits">
                  {hits.map((h) => (
                    <li key={h.id} className="flex gap-3 px-4 py-3">
                      <Link href={clauseHref(h.id)} className="h-fit rounded-md bg-brand-50 px-2 py-0.5 font-mono text-xs font-semibold text-brand-700 ring-1 ring-inset ring-brand-100">
                        {h.id}
                      </Link>
                      <div className="min-w-0 flex-1">
                        <div className="text-sm font-medium text-slate-900">{h.title}</div>
                        <div className="line-clamp-2 text-sm text-slate-600">{h.text}</div>
                        <div className="mt-0.5 text-xs text-slate-400">
                          {h.documentTitle} · {found?.mode === "hybrid" ? "fused" : "keyword"} score {h.score.toFixed(4)}
                          {h.keywordRank ? ` · keyword #${h.keywordRank}` : ""}
                          {h.vectorRank ? ` · meaning #${h.vectorRank}` : ""}
                        </div>
                      </div>
                    </li>
                  ))}
                </ol>
              )
            ) : null}
          </Card>
        </div>

        <Card className="h-fit p-5">
          <h2 className="text-sm font-semibold text-slate-900">Add a document</h2>
          <p className="mb-4 mt-1 text-sm text-slate-600">Uploading a document with the same name again updates it and keeps its clause ids.</p>
          <UploadForm action={uploadKnowledge} collections={collections} />
        </Card>
      </div>
    </>
  );
}
