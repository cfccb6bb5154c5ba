import Link from "next/link";
import { AlertTriangle, BookOpen, ExternalLink } from "lucide-react";
import { citationHref, type CitedChunk, type Retrieval } from "@/lib/knowledge/citations";
import { cn } from "@/components/ui/cn";
import { ClauseText } from "./clause-text";

/** "Not retrieved": the claim cites a chunk no knowledge search of this run returned. */
export function NotRetrievedBadge({ className }: { className?: string }) {
  return (
    <span
      className={cn("inline-flex shrink-0 items-center gap-1 rounded bg-amber-100 px-1.5 py-0.5 text-[10px] font-semibold text-amber-800 ring-1 ring-inset ring-amber-200", className)}
      data-testid="citation-not-retrieved"
      title="No knowledge search of this run returned this clause: the claim cites text the Worker never read."
    >
      <AlertTriangle className="size-3" aria-hidden /> Not retrieved
    </span>
  );
}

/**
 * One citation as the approver checks it: the exact text cited, its heading path, the document and
 * version, and a link to it in context; flagged when no search of the run returned it.
 */
export function CitationView({
  chunk,
  retrieval,
  retrievedBy,
  compact = false,
  testId = "citation",
}: {
  chunk: CitedChunk;
  retrieval: Retrieval;
  /** The label of the Worker whose search returned it, when not the citing one. */
  retrievedBy?: string;
  compact?: boolean;
  /** The decision views name theirs apart from the rail's (both can be on a run's page). */
  testId?: string;
}) {
  const never = retrieval.kind === "never";
  return (
    <div
      className={cn("rounded-md border px-3 py-2", never ? "border-amber-300 bg-amber-50" : "border-sky-200 bg-sky-50")}
      data-testid={testId}
      data-clause-id={chunk.clauseId}
      data-retrieval={retrieval.kind}
    >
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <BookOpen className={cn("size-3.5 shrink-0", never ? "text-amber-700" : "text-sky-700")} aria-hidden />
        <code className="rounded bg-white px-1.5 py-0.5 font-mono text-xs font-semibold text-sky-900 ring-1 ring-sky-200">{chunk.clauseId}</code>
        {chunk.title ? <span className="text-sm font-medium text-slate-900">{chunk.title}</span> : null}
        {never ? <NotRetrievedBadge /> : null}
      </div>
      {chunk.headingPath.length ? (
        <div className="mt-1 flex flex-wrap items-center gap-1 text-xs text-slate-500" data-testid="citation-path" aria-label="Heading path">
          {[...(chunk.document ? [chunk.document] : []), ...chunk.headingPath].map((h, i) => (
            <span key={i} className="flex items-center gap-1">
              {i > 0 ? <span aria-hidden>›</span> : null}
              {h}
            </span>
          ))}
        </div>
      ) : null}
      {chunk.text !== null ? (
        <blockquote className="mt-2 border-l-2 border-sky-300 bg-white/70 px-3 py-1.5" data-testid="citation-text">
          <ClauseText text={chunk.text} className={cn("space-y-1.5 leading-relaxed text-slate-800", compact ? "text-xs" : "text-sm")} />
        </blockquote>
      ) : never ? (
        <p className="mt-1.5 text-xs text-amber-900">No knowledge search of this run returned {chunk.clauseId}: the Worker cites text it never read. Check the clause before relying on it.</p>
      ) : null}
      <div className="mt-1.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600">
        {chunk.document ? (
          <span data-testid="citation-document">
            {chunk.document}
            {chunk.version !== null ? `, version ${chunk.version}` : ""}
          </span>
        ) : null}
        {retrieval.kind === "upstream" && retrievedBy ? <span className="text-slate-500">· found by {retrievedBy}</span> : null}
        <Link href={citationHref(chunk)} className="ml-auto inline-flex items-center gap-1 font-medium text-brand-700 hover:underline" data-testid="citation-link">
          Open in context <ExternalLink className="size-3" aria-hidden />
        </Link>
      </div>
    </div>
  );
}
