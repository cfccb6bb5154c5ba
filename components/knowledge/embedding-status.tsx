import Link from "next/link";
import { Sparkles } from "lucide-react";
import { Badge, Card } from "@/components/ui/card";
import type { EmbeddingProgress } from "@/server/knowledge/embeddings/embedder";
import { RefreshWhile } from "./refresh-while";

/** Settings → Knowledge: whether search is hybrid, and how far re-embedding has got. */
export function EmbeddingStatus({ progress }: { progress: EmbeddingProgress }) {
  const { vector, modelId, total, embedded, running, lastError } = progress;
  const hybrid = vector.available && modelId !== null;
  const pending = hybrid && embedded < total;
  const percent = total ? Math.floor((embedded / total) * 100) : 100;
  return (
    <Card className="p-5" data-testid="knowledge-embeddings">
      <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
        <Sparkles className="size-4 text-slate-400" aria-hidden /> Search mode
        <Badge tone={hybrid ? "green" : "amber"} data-testid="knowledge-search-mode">
          {hybrid ? "hybrid" : "keyword only"}
        </Badge>
      </h2>
      {!vector.available ? (
        <p className="mt-2 text-sm text-amber-800">{vector.notice}</p>
      ) : modelId === null ? (
        <p className="mt-2 text-sm text-amber-800">
          No embedding model is registered: search is keyword (full-text) only. Add one in{" "}
          <Link href="/settings/models" className="font-medium underline">
            Settings → Models
          </Link>{" "}
          (“Used for: Knowledge embeddings”) for hybrid search.
        </p>
      ) : (
        <>
          <p className="mt-2 text-sm text-slate-600">
            Full text and meaning, by <code className="font-mono text-xs">{modelId}</code>, fused by reciprocal rank. Clauses not yet embedded are found by keyword.
          </p>
          <div className="mt-3" data-testid="knowledge-embedding-progress">
            <div className="flex justify-between text-xs text-slate-500">
              <span>
                {embedded} of {total} clauses embedded{running ? " · embedding…" : pending && !lastError ? " · waiting" : ""}
              </span>
              <span className="tabular-nums">{percent}%</span>
            </div>
            <div className="mt-1 h-2 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={embedded} aria-label="Clauses embedded">
              <div className="h-full rounded-full bg-brand-600 transition-all" style={{ width: `${percent}%` }} />
            </div>
          </div>
        </>
      )}
      {lastError ? (
        <p className="mt-2 text-sm text-red-700" data-testid="knowledge-embedding-error">
          Embedding stopped: {lastError}. It tries again every 30 seconds; search answers by keyword meanwhile.
        </p>
      ) : null}
      <RefreshWhile active={pending || running} />
    </Card>
  );
}
