import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { BookOpen, ChevronRight } from "lucide-react";
import { ClauseText } from "@/components/knowledge/clause-text";
import { Card, EmptyState } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { can, requirePageUser } from "@/server/auth/page-user";
import { getDatabase } from "@/server/db/client";
import { citationInContext } from "@/server/knowledge";

type Params = { params: Promise<{ id: string }>; searchParams?: Promise<{ v?: string; doc?: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { id } = await params;
  return { title: decodeURIComponent(id).toUpperCase() };
}

/**
 * A policy clause, where citations in runs link to. Anyone signed in may read the clause; admins
 * and approvers (who check what a Worker cited before they decide) see it in context: the whole
 * document at the cited version, the clause highlighted.
 */
export default async function ClausePage({ params, searchParams }: Params) {
  await connection();
  const { id: raw } = await params;
  const id = decodeURIComponent(raw);
  const query = (await searchParams) ?? {};
  // ?v=N: the text version N had, the one a citation made then quoted; ?doc=: the document cited.
  const v = Number(query.v);
  const version = Number.isInteger(v) && v > 0 ? v : undefined;
  const documentId = typeof query.doc === "string" && query.doc ? query.doc : undefined;
  const [user, found] = await Promise.all([
    requirePageUser(`/knowledge/clauses/${raw}`),
    getDatabase().then((d) => citationInContext(d, { clauseId: id, version, documentId })),
  ]);
  if (!found) {
    return (
      <div className="mx-auto max-w-3xl px-4 py-10 sm:px-6">
        <EmptyState icon={<BookOpen />} title={`No clause ${id}${version ? ` in version ${version}` : ""}`}>
          The knowledge base has no clause with this id. The document that held it may have been updated or deleted since it was cited.
        </EmptyState>
      </div>
    );
  }
  const { clause } = found;
  const admin = can(user, "admin");
  const inContext = admin || can(user, "approver");
  const document = inContext ? found.document : [clause];
  return (
    <div className="mx-auto max-w-3xl px-4 py-8 sm:px-6">
      <nav className="mb-4 flex flex-wrap items-center gap-1 text-sm text-slate-500" aria-label="Where this clause is">
        <BookOpen className="mr-1 size-4" aria-hidden />
        {admin ? (
          <Link href={`/settings/knowledge/${clause.documentId}`} className="hover:text-slate-900">
            {clause.documentTitle}
          </Link>
        ) : (
          <span>{clause.documentTitle}</span>
        )}
        {clause.headingPath.slice(0, -1).map((h, i) => (
          <span key={i} className="flex items-center gap-1">
            <ChevronRight className="size-3.5" aria-hidden />
            {h}
          </span>
        ))}
      </nav>
      {inContext ? (
        <div className="mb-4">
          <h1 className="text-xl font-semibold tracking-tight text-slate-900" data-testid="clause-document">
            {clause.documentTitle}, version {clause.version}
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            {document.length} clause{document.length === 1 ? "" : "s"}; {version ? "the one cited" : "this one"}, {clause.id}, is highlighted.
          </p>
        </div>
      ) : null}
      {!clause.current ? (
        <p className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800" data-testid="clause-earlier-version">
          The text of version {clause.version}, as cited. The document has changed since.
        </p>
      ) : null}
      <ol className="space-y-3" data-testid="clause-context">
        {document.map((c) => {
          const cited = c.id === clause.id;
          return (
            <li key={c.id} id={`clause-${c.id}`} className="scroll-mt-20">
              <Card
                className={cn("p-6 sm:p-8", cited ? "ring-2 ring-amber-400" : "opacity-80")}
                data-testid={cited ? "clause-view" : "clause-context-item"}
                data-clause-id={c.id}
                aria-current={cited || undefined}
              >
                <span className="rounded-md bg-brand-50 px-2 py-1 font-mono text-sm font-semibold text-brand-700 ring-1 ring-inset ring-brand-100" data-testid={cited ? "clause-id" : undefined}>
                  {c.id}
                </span>
                {cited && inContext && version ? <span className="ml-2 rounded bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">Cited</span> : null}
                <h2 className={cn("mt-4 font-semibold tracking-tight text-slate-900", cited ? "text-2xl" : "text-lg")} data-testid={cited ? "clause-title" : undefined}>
                  {c.title}
                </h2>
                {c.headingPath.length > 1 ? <p className="mt-1 text-xs text-slate-500">{c.headingPath.join(" › ")}</p> : null}
                {cited ? (
                  <mark className="mt-4 block rounded bg-amber-50 p-2 text-inherit" data-testid="clause-text">
                    <ClauseText text={c.text} className="space-y-3 text-[15px] leading-relaxed text-slate-800" />
                  </mark>
                ) : (
                  <ClauseText text={c.text} className="mt-3 space-y-2 text-sm leading-relaxed text-slate-600" />
                )}
                {cited ? (
                  <div className="mt-6 flex flex-wrap items-center justify-between gap-2 border-t border-slate-100 pt-4 text-sm text-slate-500">
                    <span>
                      Clause {clause.position + 1} of “{clause.documentTitle}”, version {clause.version}
                    </span>
                    {admin ? (
                      <Link href={`/settings/knowledge/${clause.documentId}`} className="font-medium text-brand-700 hover:underline">
                        Open the document
                      </Link>
                    ) : null}
                  </div>
                ) : null}
              </Card>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
