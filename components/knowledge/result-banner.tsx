import { CheckCircle2 } from "lucide-react";

const TEXT: Record<string, string> = {
  created: "Document added. Its clauses are searchable by Workers now.",
  replaced: "Document updated. Clauses with unchanged headings kept their ids.",
  unchanged: "This document was already up to date: nothing changed.",
  deleted: "Document deleted.",
  collection_created: "Collection created. Grant it to the missions whose Workers may search it.",
  granted: "Granted: the mission's Workers can search this collection from their next call.",
  revoked: "Revoked: the mission's Workers can no longer search this collection.",
};

/** The outcome of the last upload or delete, carried in the URL after the redirect; or why a change was refused. */
export function ResultBanner({ result, problem }: { result: string | undefined; problem?: string }) {
  if (problem) {
    return (
      <p role="alert" className="mb-4 rounded-lg border border-red-200 bg-red-50 px-4 py-2.5 text-sm text-red-700" data-testid="knowledge-problem">
        Not changed: {problem.slice(0, 300)}
      </p>
    );
  }
  const text = result ? TEXT[result] : undefined;
  if (!text) return null;
  return (
    <div role="status" className="mb-4 flex items-center gap-2 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-2.5 text-sm text-emerald-800" data-testid="knowledge-result">
      <CheckCircle2 className="size-4" aria-hidden />
      {text}
    </div>
  );
}
