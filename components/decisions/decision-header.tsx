"use client";

import Link from "next/link";
import { ArrowRight } from "lucide-react";
import { approvalProgress } from "@/lib/decisions/rules";
import { CitationView } from "@/components/knowledge/citation-view";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { AskerBadge } from "./decision-inbox";
import { DecisionStatusPill } from "./decision-status";
import { ago, shortId } from "./format";
import { citationsOf } from "./reasoning";
import type { DecisionDetailData as DecisionDetail } from "./trpc";

/** What is proposed and who asked: status, kind, approval progress, the run it belongs to, when. */
export function DecisionHeader({ detail, compact, now }: { detail: DecisionDetail; compact: boolean; now: number }) {
  const d = detail.decision;
  return (
    <Card className={compact ? "p-4" : "p-5"}>
      <div className="flex items-start gap-4">
        <AskerBadge kind={detail.asker.kind} className="size-11 rounded-xl" />
        <div className="min-w-0 flex-1">
          <div className="mb-1 flex flex-wrap items-center gap-2 text-xs">
            <DecisionStatusPill status={d.status} />
            <span className="font-medium uppercase tracking-wide text-slate-500">{d.kind === "approval" ? "Approval step" : "Tool call"}</span>
            {d.requiredApprovals > 1 ? (
              <span className="rounded-full bg-slate-100 px-2 py-0.5 font-medium text-slate-700 ring-1 ring-inset ring-slate-200" data-testid="decision-progress-chip">
                {approvalProgress(d.approvals, d.requiredApprovals)}
              </span>
            ) : null}
          </div>
          <h1 className={cn("font-semibold tracking-tight text-slate-900", compact ? "text-lg" : "text-2xl")} data-testid="decision-title">
            {detail.summary}
          </h1>
          <p className="mt-1 flex flex-wrap items-center gap-x-1.5 text-sm text-slate-600">
            <span>{detail.asker.text}</span>
            {/* Compact, it sits beside its own run: no need to name or link it. */}
            {compact ? null : (
              <>
                <span aria-hidden>·</span>
                <span className="font-medium text-slate-800">{d.missionName}</span>
                <span aria-hidden>·</span>
                <Link href={`/runs/${d.runId}`} className="inline-flex items-center gap-1 font-medium text-brand-700 hover:underline" data-testid="decision-run-link">
                  run {shortId(d.runId)} <ArrowRight className="size-3.5" />
                </Link>
              </>
            )}
            <span aria-hidden>·</span>
            <span>asked {ago(d.createdAt, now)}</span>
          </p>
          {detail.toolDescription ? <p className="mt-2 text-sm text-slate-600">{detail.toolDescription}</p> : null}
          {compact ? <CitedClauses detail={detail} /> : null}
        </div>
      </div>
    </Card>
  );
}

/** The policy clauses the Workers cited, next to what they propose (the narrow panel beside a run). */
function CitedClauses({ detail }: { detail: DecisionDetail }) {
  const citations = citationsOf(detail.reasoning);
  if (!citations.length) return null;
  return (
    <ul className="mt-3 space-y-1.5" aria-label="Cited policy">
      {citations.map((c) => (
        <li key={c.clauseId} data-testid="decision-citation">
          <CitationView testId="decision-citation-card" chunk={c.chunk} retrieval={c.retrieval} compact />
        </li>
      ))}
    </ul>
  );
}
