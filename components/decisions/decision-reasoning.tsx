"use client";

import { useState, type ReactNode } from "react";
import { ChevronDown } from "lucide-react";
import { retrievalOf } from "@/lib/knowledge/citations";
import { CitationView, NotRetrievedBadge } from "@/components/knowledge/citation-view";
import { KIND_META, ObservationKindIcon } from "@/components/run/observation-kinds";
import { CallApproval } from "@/components/run/tool-call-view";
import { cn } from "@/components/ui/cn";
import { citationsOf, clip, joinChunks, record } from "./reasoning";
import type { ReasoningObservation as ObservationView } from "./trpc";

/**
 * The Observations that led here, grouped by step (what the Workers concluded is shown above it,
 * with the request: decision-context.tsx).
 */
export function DecisionReasoning({
  observations,
  findings,
  labels,
  citations: showCitations = true,
}: {
  observations: readonly ObservationView[];
  /** The Workers whose conclusions the page shows: their final text is not repeated here. */
  findings: readonly { nodeId: string }[];
  labels: Record<string, string>;
  /** List the cited clauses here (off when the caller shows them already). */
  citations?: boolean;
}) {
  const [showAll, setShowAll] = useState(false);
  const citations = showCitations ? citationsOf(observations) : [];
  // A Worker's final text is its typed output, shown above under "What the Workers concluded".
  const concluded = new Set(findings.map((f) => f.nodeId));
  const relevant = joinChunks(observations).filter((o) => (showAll || o.kind !== "tool_result") && !(o.kind === "text" && o.nodeId && concluded.has(o.nodeId)));
  const groups: { nodeId: string; items: ObservationView[] }[] = [];
  for (const o of relevant) {
    const key = o.nodeId ?? "";
    const last = groups.at(-1);
    if (last && last.nodeId === key) last.items.push(o);
    else groups.push({ nodeId: key, items: [o] });
  }

  return (
    <div className="space-y-5" data-testid="decision-reasoning">
      {citations.length ? (
        <div>
          <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Cited policy</h3>
          <ul className="space-y-2">
            {citations.map((c) => (
              <li key={c.clauseId} data-testid="decision-citation">
                <CitationView testId="decision-citation-card" chunk={c.chunk} retrieval={c.retrieval} retrievedBy={c.retrieval.kind === "upstream" && c.retrieval.nodeId ? (labels[c.retrieval.nodeId] ?? c.retrieval.nodeId) : undefined} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <div>
        <div className="mb-2 flex items-center justify-between">
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">How it got here</h3>
          {observations.some((o) => o.kind === "tool_result") ? (
            <button type="button" onClick={() => setShowAll((s) => !s)} className="text-xs font-medium text-brand-700 hover:underline">
              {showAll ? "Hide tool results" : "Show tool results"}
            </button>
          ) : null}
        </div>
        {groups.length === 0 ? (
          <p className="text-sm text-slate-500">No reasoning was recorded for this step.</p>
        ) : (
          <ol className="space-y-4">
            {groups.map((g, gi) => (
              <li key={`${g.nodeId}-${gi}`}>
                <div className="mb-1.5 text-xs font-semibold text-slate-700">{labels[g.nodeId] ?? (g.nodeId || "Run")}</div>
                <ol className="relative space-y-2 border-l border-slate-200 pl-4">
                  {g.items.map((o) => (
                    <ReasoningItem key={o.id} o={o} notRetrieved={o.kind === "citation" && retrievalOf(o, observations).kind === "never"} />
                  ))}
                </ol>
              </li>
            ))}
          </ol>
        )}
      </div>
    </div>
  );
}

function ReasoningItem({ o, notRetrieved }: { o: ObservationView; notRetrieved: boolean }) {
  const [open, setOpen] = useState(false);
  const d = record(o.data);
  const meta = KIND_META[o.kind];
  let body: ReactNode;
  switch (o.kind) {
    case "tool_call":
      body = (
        <span>
          Called <code className="font-mono text-xs font-semibold">{String(d.tool ?? o.text)}</code>
          {d.args !== undefined ? <code className="ml-1.5 break-all font-mono text-xs text-slate-500">{clip(JSON.stringify(d.args), 160)}</code> : null}
          <span className="ml-2 align-middle">
            <CallApproval data={d} />
          </span>
        </span>
      );
      break;
    case "tool_result": {
      const value = d.value !== undefined && d.value !== null ? d.value : o.text;
      body = (
        <span>
          <code className="font-mono text-xs font-semibold">{String(d.tool ?? "tool")}</code> answered{" "}
          <code className="break-all font-mono text-xs text-slate-500">{clip(typeof value === "string" ? value : JSON.stringify(value), 220)}</code>
        </span>
      );
      break;
    }
    case "citation":
      body = (
        <span className="inline-flex items-center gap-2">
          <code className="rounded bg-sky-50 px-1.5 py-0.5 font-mono text-xs font-semibold text-sky-900 ring-1 ring-sky-200">{String(d.clauseId ?? o.text)}</code>
          {typeof d.title === "string" ? <span>{d.title}</span> : null}
          {notRetrieved ? <NotRetrievedBadge /> : null}
        </span>
      );
      break;
    default: {
      const long = o.text.length > 420;
      body = (
        <span className="whitespace-pre-wrap break-words">
          {long && !open ? clip(o.text, 420) : o.text}
          {long ? (
            <button type="button" onClick={() => setOpen((x) => !x)} className="ml-1 inline-flex items-center text-xs font-medium text-brand-700 hover:underline">
              {open ? "less" : "more"} <ChevronDown className={cn("size-3", open && "rotate-180")} />
            </button>
          ) : null}
        </span>
      );
    }
  }
  return (
    <li className="relative" data-kind={o.kind}>
      <span className={cn("absolute -left-[27px] top-0.5 flex size-5 items-center justify-center rounded-full ring-2 ring-white", meta.tile)} title={meta.label}>
        <ObservationKindIcon kind={o.kind} className="size-3" />
      </span>
      <div className={cn("text-sm leading-relaxed", o.kind === "error" ? "text-red-800" : o.kind === "reasoning" ? "text-slate-800" : "text-slate-700")}>{body}</div>
    </li>
  );
}
