import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { BookOpen, ChevronRight } from "lucide-react";
import { ClauseText } from "@/components/knowledge/clause-text";
import { Card, EmptyState } from "@/components/ui/card";
import { can, requirePageUser } from "@/server/auth/page-user";
import { getDatabase } from "@/server/db/client";
import { getClause } from "@/server/knowledge";

type Params = { params: Promise<{ id: string }>; searchParams?: Promise<{ v?: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { id } = await params;
  return { title: decodeURIComponent(id).toUpperCase() };
}

/** A policy clause, where citations in runs link to. Anyone signed in may read it. */
export default async function ClausePage({ params, searchParams }: Params) {
  await connection();
  const { id: raw } = await params;
  const id = decodeURIComponent(raw);
  // ?v=N: the text version N had, the one a citation made then quoted.
  const v = Number((await searchParams)?.v);
  const version = Number.isInteger(v) && v > 0 ? v : undefined;
  const [user, clause] = await Promise.all([requirePageUser(`/knowledge/clauses/${raw}`), getDatabase().then((d) => getClause(d, id, version))]);
  if (!clause) {
    return (
      <div className="mx-auto max-w-3xl px-4 py-10 sm:px-6">
        <EmptyState icon={<BookOpen />} title={`No clause ${id}`}>
          The knowledge base has no clause with this id. The document that held it may have been updated or deleted since it was cited.
        </EmptyState>
      </div>
    );
  }
  const admin = can(user, "admin");
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
      <Card className="p-6 sm:p-8" data-testid="clause-view">
        <span className="rounded-md bg-brand-50 px-2 py-1 font-mono text-sm font-semibold text-brand-700 ring-1 ring-inset ring-brand-100" data-testid="clause-id">
          {clause.id}
        </span>
        <h1 className="mt-4 text-2xl font-semibold tracking-tight text-slate-900" data-testid="clause-title">
          {clause.title}
        </h1>
        {!clause.current ? (
          <p className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800" data-testid="clause-earlier-version">
            The text of version {clause.version}, as cited. The document has changed since.
          </p>
        ) : null}
        <ClauseText text={clause.text} className="mt-4 space-y-3 text-[15px] leading-relaxed text-slate-700" />
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
      </Card>
    </div>
  );
}
