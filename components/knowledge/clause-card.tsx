import Link from "next/link";
import { ChevronRight } from "lucide-react";
import type { KnowledgeClauseView } from "@/server/knowledge/documents";
import { ClauseText } from "./clause-text";

export function clauseHref(id: string): string {
  return `/knowledge/clauses/${encodeURIComponent(id)}`;
}

export function ClauseCard({ clause }: { clause: KnowledgeClauseView }) {
  const parents = clause.headingPath.slice(0, -1);
  return (
    <article className="px-5 py-4" data-testid="knowledge-clause" data-clause-id={clause.id}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <Link href={clauseHref(clause.id)} className="rounded-md bg-brand-50 px-2 py-0.5 font-mono text-xs font-semibold text-brand-700 ring-1 ring-inset ring-brand-100 hover:bg-brand-100">
          {clause.id}
        </Link>
        <h3 className="font-medium text-slate-900">{clause.title}</h3>
        {parents.length ? (
          <span className="flex items-center gap-1 text-xs text-slate-500">
            {parents.map((p, i) => (
              <span key={i} className="flex items-center gap-1">
                {i > 0 ? <ChevronRight className="size-3" aria-hidden /> : null}
                {p}
              </span>
            ))}
          </span>
        ) : null}
      </div>
      <ClauseText text={clause.text} className="mt-2 space-y-2 text-sm leading-relaxed text-slate-700" />
    </article>
  );
}
