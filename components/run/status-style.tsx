import { Ban, CheckCircle2, Circle, CircleDashed, Clock3, Hourglass, Loader2, XCircle } from "lucide-react";
import type { NodeStatus, RunStatus } from "@/server/db/schema";
import { cn } from "@/components/ui/cn";
import { useOutcomeLabel } from "./outcome-labels";

/** How each node and run state looks: one place, so the canvas, header, list and rail agree. */
export interface StatusTone {
  label: string;
  /** Pill: background, text and ring. */
  pill: string;
  /** Node card border and ring. */
  card: string;
  /** Solid dot / bar colour. */
  dot: string;
}

export const STATUS_TONES: Record<NodeStatus | RunStatus, StatusTone> = {
  pending: { label: "Pending", pill: "bg-slate-100 text-slate-600 ring-slate-200", card: "border-slate-200", dot: "bg-slate-300" },
  queued: { label: "Queued", pill: "bg-slate-100 text-slate-700 ring-slate-200", card: "border-slate-200", dot: "bg-slate-400" },
  running: { label: "Running", pill: "bg-sky-50 text-sky-700 ring-sky-200", card: "border-sky-400 ring-2 ring-sky-200", dot: "bg-sky-500" },
  waiting: { label: "Waiting for a decision", pill: "bg-amber-50 text-amber-800 ring-amber-300", card: "border-amber-400 ring-2 ring-amber-200", dot: "bg-amber-500" },
  succeeded: { label: "Succeeded", pill: "bg-emerald-50 text-emerald-700 ring-emerald-200", card: "border-emerald-300", dot: "bg-emerald-500" },
  failed: { label: "Failed", pill: "bg-red-50 text-red-700 ring-red-200", card: "border-red-400 ring-1 ring-red-200", dot: "bg-red-500" },
  skipped: { label: "Skipped", pill: "bg-slate-100 text-slate-500 ring-slate-200", card: "border-dashed border-slate-300", dot: "bg-slate-300" },
  cancelled: { label: "Cancelled", pill: "bg-slate-200 text-slate-700 ring-slate-300", card: "border-slate-300", dot: "bg-slate-500" },
};

export function StatusIcon({ status, className }: { status: NodeStatus | RunStatus; className?: string }) {
  const props = { className: cn("size-3.5 shrink-0", className), "aria-hidden": true };
  switch (status) {
    case "running":
      return <Loader2 {...props} className={cn(props.className, "animate-spin")} />;
    case "waiting":
      return <Hourglass {...props} />;
    case "succeeded":
      return <CheckCircle2 {...props} />;
    case "failed":
      return <XCircle {...props} />;
    case "skipped":
      return <CircleDashed {...props} />;
    case "cancelled":
      return <Ban {...props} />;
    case "queued":
      return <Clock3 {...props} />;
    default:
      return <Circle {...props} />;
  }
}

export function StatusPill({ status, className, label, testId }: { status: NodeStatus | RunStatus; className?: string; label?: string; testId?: string }) {
  const tone = STATUS_TONES[status];
  return (
    <span
      data-testid={testId}
      data-status={status}
      className={cn("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", tone.pill, className)}
    >
      <StatusIcon status={status} />
      {label ?? tone.label}
    </span>
  );
}

const VERDICT_TONES: Record<string, string> = {
  approve: "bg-emerald-600 text-white",
  approved: "bg-emerald-600 text-white",
  done: "bg-emerald-600 text-white",
  partial: "bg-amber-500 text-white",
  deny: "bg-red-600 text-white",
  denied: "bg-red-600 text-white",
  reject: "bg-red-600 text-white",
  rejected: "bg-red-600 text-white",
};

/** A verdict badge: the outcome's label as the builder typed it ("auto-approved"), not its identifier. */
export function VerdictPill({ outcome, label, className }: { outcome: string; label?: string | null; className?: string }) {
  const text = useOutcomeLabel(outcome, label);
  return (
    <span
      data-testid="verdict-outcome"
      data-outcome={outcome}
      title={text === outcome ? undefined : `Outcome ${outcome}`}
      className={cn("inline-flex items-center rounded-md px-2 py-0.5 text-xs font-semibold", VERDICT_TONES[outcome.toLowerCase()] ?? "bg-slate-700 text-white", className)}
    >
      {text}
    </span>
  );
}
