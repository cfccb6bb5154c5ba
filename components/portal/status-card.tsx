import { Check, CircleAlert, CircleCheck, CircleMinus, Clock, Inbox, Search } from "lucide-react";
import type { PortalStatusView } from "@/server/portal/status";
import { cn } from "@/components/ui/cn";
import { CopyLink } from "./copy-link";
import { LocalTime } from "./local-time";

const STEP_ICONS = { received: Inbox, under_review: Search, decided: CircleCheck } as const;

function Steps({ steps }: { steps: PortalStatusView["steps"] }) {
  return (
    <ol className="grid grid-cols-3" aria-label="Progress" data-testid="portal-steps">
      {steps.map((s, i) => {
        const Icon = STEP_ICONS[s.key];
        return (
          <li key={s.key} className="relative flex flex-col items-center text-center" data-state={s.state} data-testid={`portal-step-${s.key}`} aria-current={s.state === "current" ? "step" : undefined}>
            {i > 0 ? (
              <span
                aria-hidden
                className={cn("absolute left-[calc(-50%+1.75rem)] right-[calc(50%+1.75rem)] top-5 h-0.5 -translate-y-1/2 rounded-full", s.state === "upcoming" ? "bg-slate-200" : "bg-[var(--accent)]")}
              />
            ) : null}
            <span
              className={cn(
                "relative z-10 grid size-10 place-items-center rounded-full transition-colors",
                s.state === "done" && "bg-[var(--accent)] text-[var(--accent-fg)]",
                s.state === "current" && "bg-white text-[var(--accent-ink)] ring-2 ring-[var(--accent)]",
                s.state === "upcoming" && "bg-slate-100 text-slate-400",
              )}
            >
              {s.state === "done" ? <Check className="size-5" aria-hidden /> : <Icon className="size-5" aria-hidden />}
              {s.state === "current" ? <span className="absolute inset-0 animate-ping rounded-full ring-2 ring-[var(--accent)] opacity-30" aria-hidden /> : null}
            </span>
            <span className={cn("mt-2 text-sm font-medium", s.state === "upcoming" ? "text-slate-400" : "text-slate-800")}>{s.label}</span>
            <span className="sr-only">{s.state === "done" ? "(done)" : s.state === "current" ? "(in progress)" : "(not yet)"}</span>
          </li>
        );
      })}
    </ol>
  );
}

function Decision({ decision }: { decision: NonNullable<PortalStatusView["decision"]> }) {
  const tone = {
    approved: { box: "border-emerald-200 bg-emerald-50", text: "text-emerald-800", Icon: CircleCheck },
    partial: { box: "border-amber-200 bg-amber-50", text: "text-amber-900", Icon: CircleMinus },
    declined: { box: "border-slate-200 bg-slate-50", text: "text-slate-800", Icon: CircleAlert },
    resolved: { box: "border-slate-200 bg-slate-50", text: "text-slate-800", Icon: CircleCheck },
  }[decision.outcome];
  return (
    <div className={cn("mt-6 flex items-center gap-4 rounded-xl border px-5 py-4", tone.box)} data-testid="portal-decision" data-outcome={decision.outcome}>
      <tone.Icon className={cn("size-8 shrink-0", tone.text)} aria-hidden />
      <div className="min-w-0 flex-1">
        <div className={cn("text-base font-semibold", tone.text)}>{decision.label}</div>
        {decision.decidedAt ? (
          <div className="text-sm text-slate-600">
            Decided <LocalTime iso={decision.decidedAt} />
          </div>
        ) : null}
      </div>
      {decision.amount ? (
        <div className="text-right">
          <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Amount</div>
          <div className={cn("text-2xl font-semibold tabular-nums", tone.text)} data-testid="portal-amount">
            {decision.amount.formatted}
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** A customer's view of their request: progress in plain words and, at the end, the decision. */
export function StatusCard({ view }: { view: PortalStatusView }) {
  return (
    <div data-testid="portal-status" data-stage={view.stage}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="text-sm font-medium text-[var(--accent-ink)]">{view.title}</span>
        <span className="rounded-full bg-slate-100 px-2.5 py-1 font-mono text-xs text-slate-600" data-testid="portal-reference">
          Reference {view.reference}
        </span>
      </div>
      <h1 className="mt-3 text-2xl font-semibold tracking-tight text-slate-900 sm:text-[28px]" data-testid="portal-headline">
        {view.headline}
      </h1>
      <p className="mt-2 text-[15px] leading-relaxed text-slate-600">{view.message}</p>
      {view.decision ? <Decision decision={view.decision} /> : null}
      <div className="mt-8 border-t border-slate-100 pt-7">
        <Steps steps={view.steps} />
      </div>
      <div className="mt-8 flex flex-wrap items-center justify-between gap-3 rounded-lg bg-slate-50 px-4 py-3 text-sm text-slate-600">
        <span className="inline-flex items-center gap-2">
          <Clock className="size-4 text-slate-400" aria-hidden />
          <span>
            Sent <LocalTime iso={view.submittedAt} />
          </span>
        </span>
        <CopyLink />
      </div>
      <p className="mt-3 text-xs text-slate-500">
        {view.live ? "This page updates by itself. " : ""}Keep this link: it is the only way to see this request, so don&apos;t share it.
      </p>
    </div>
  );
}
