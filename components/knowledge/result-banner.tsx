import { CheckCircle2 } from "lucide-react";

const TEXT: Record<string, string> = {
  created: "Document added. Its clauses are searchable by Workers now.",
  replaced: "Document updated. Clauses with unchanged headings kept their ids.",
  unchanged: "This document was already up to date: nothing changed.",
  deleted: "Document deleted.",
};

/** The outcome of the last upload or delete, carried in the URL after the redirect. */
export function ResultBanner({ result }: { result: string | undefined }) {
  const text = result ? TEXT[result] : undefined;
  if (!text) return null;
  return (
    <div role="status" className="mb-4 flex items-center gap-2 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-2.5 text-sm text-emerald-800" data-testid="knowledge-result">
      <CheckCircle2 className="size-4" aria-hidden />
      {text}
    </div>
  );
}
