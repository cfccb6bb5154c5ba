"use client";

import Link from "next/link";
import { ArrowRight, CheckCircle2, CircleAlert, Info, Lock, ShieldAlert, Users, XCircle } from "lucide-react";
import { cn } from "@/components/ui/cn";
import { ago } from "./format";
import type { DecideOutcomeData as DecideOutcome, DecisionDetailData as DecisionDetail } from "./trpc";
import type { DecideFailure } from "./use-decide";

/**
 * Where the decision stands for this viewer, under its header: the vote just cast, why it was not
 * recorded, who decided it before, or why this viewer may read but not decide it.
 */
export function DecisionBanners({ detail, result, failure, now }: { detail: DecisionDetail; result: DecideOutcome | null; failure: DecideFailure | null; now: number }) {
  const d = detail.decision;
  const pending = d.status === "pending";
  const decidedByName = d.decidedBy ? (detail.people[d.decidedBy]?.name ?? d.decidedBy) : null;
  return (
    <>
      {result ? <ResultBanner outcome={result} /> : null}
      {failure ? <FailureBanner failure={failure} /> : null}
      {!pending && !result ? <DecidedBanner status={d.status} by={decidedByName} at={d.decidedAt} reason={d.reason} runId={d.runId} now={now} /> : null}
      {pending && !detail.viewer.canDecide && detail.viewer.blocked ? <ReadOnlyNotice blocked={detail.viewer.blocked} /> : null}
    </>
  );
}

function ResultBanner({ outcome }: { outcome: DecideOutcome }) {
  const tone = !outcome.resolved ? "border-sky-200 bg-sky-50 text-sky-950" : outcome.status === "approved" ? "border-emerald-200 bg-emerald-50 text-emerald-950" : "border-red-200 bg-red-50 text-red-950";
  const Icon = !outcome.resolved ? Info : outcome.status === "approved" ? CheckCircle2 : XCircle;
  return (
    <div className={cn("flex items-center gap-3 rounded-lg border px-4 py-3", tone)} role="status" data-testid="decision-result" data-status={outcome.status}>
      <Icon className="size-5 shrink-0" />
      <p className="flex-1 text-sm font-medium">{outcome.message}</p>
      <Link href={`/runs/${outcome.runId}`} className="inline-flex shrink-0 items-center gap-1 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-800 shadow-sm ring-1 ring-slate-200 hover:bg-slate-50" data-testid="result-run-link">
        {outcome.resolved ? "Watch the run continue" : "Open the run"} <ArrowRight className="size-4" />
      </Link>
    </div>
  );
}

function FailureBanner({ failure }: { failure: DecideFailure }) {
  return (
    <div
      className={cn("flex items-start gap-3 rounded-lg border px-4 py-3 text-sm", failure.conflict ? "border-amber-300 bg-amber-50 text-amber-950" : "border-red-200 bg-red-50 text-red-900")}
      role="alert"
      data-testid="decision-error"
    >
      <CircleAlert className="mt-0.5 size-4 shrink-0" />
      <div>
        <p className="font-medium">{failure.conflict ? "Someone else got there first" : "The decision was not recorded"}</p>
        <p>{failure.message}</p>
      </div>
    </div>
  );
}

function DecidedBanner({ status, by, at, reason, runId, now }: { status: string; by: string | null; at: string | null; reason: string | null; runId: string; now: number }) {
  const approved = status === "approved";
  return (
    <div
      className={cn("flex items-start gap-3 rounded-lg border px-4 py-3 text-sm", approved ? "border-emerald-200 bg-emerald-50 text-emerald-950" : "border-slate-200 bg-slate-50 text-slate-800")}
      data-testid="decision-decided"
    >
      {approved ? <CheckCircle2 className="mt-0.5 size-4 shrink-0" /> : <XCircle className="mt-0.5 size-4 shrink-0" />}
      <div className="flex-1">
        <p className="font-medium">
          {status === "cancelled" ? "Cancelled: the run ended before anyone decided." : `${status[0]?.toUpperCase()}${status.slice(1)}${by ? ` by ${by}` : ""}${at ? `, ${ago(at, now)}` : ""}.`}
        </p>
        {reason ? <p className="mt-0.5">“{reason}”</p> : null}
      </div>
      <Link href={`/runs/${runId}`} className="inline-flex shrink-0 items-center gap-1 font-medium text-brand-700 hover:underline">
        Open the run <ArrowRight className="size-4" />
      </Link>
    </div>
  );
}

function ReadOnlyNotice({ blocked }: { blocked: NonNullable<DecisionDetail["viewer"]["blocked"]> }) {
  return (
    <div className="flex items-start gap-3 rounded-lg border border-slate-300 bg-slate-50 px-4 py-3 text-sm text-slate-800" data-testid="decision-readonly" data-reason={blocked.code}>
      {blocked.code === "separation_of_duties" ? (
        <ShieldAlert className="mt-0.5 size-4 shrink-0 text-slate-600" />
      ) : blocked.code === "already_voted" ? (
        <Users className="mt-0.5 size-4 shrink-0 text-slate-600" />
      ) : (
        <Lock className="mt-0.5 size-4 shrink-0 text-slate-600" />
      )}
      <div>
        <p className="font-medium">{blocked.code === "already_voted" ? "Your approval is in" : "You can read this decision, but not decide it"}</p>
        <p className="text-slate-700">{blocked.message}</p>
      </div>
    </div>
  );
}
