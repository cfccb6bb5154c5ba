import { Ban, CheckCircle2, Hourglass, TimerOff, XCircle } from "lucide-react";
import type { DecisionStatus } from "@/server/db/schema";
import { cn } from "@/components/ui/cn";

export const DECISION_TONES: Record<DecisionStatus, { label: string; pill: string; tile: string }> = {
  pending: { label: "Waiting", pill: "bg-amber-50 text-amber-800 ring-amber-300", tile: "bg-amber-100 text-amber-700" },
  approved: { label: "Approved", pill: "bg-emerald-50 text-emerald-700 ring-emerald-200", tile: "bg-emerald-100 text-emerald-700" },
  rejected: { label: "Rejected", pill: "bg-red-50 text-red-700 ring-red-200", tile: "bg-red-100 text-red-700" },
  expired: { label: "Expired", pill: "bg-slate-100 text-slate-700 ring-slate-300", tile: "bg-slate-200 text-slate-600" },
  cancelled: { label: "Cancelled", pill: "bg-slate-100 text-slate-600 ring-slate-200", tile: "bg-slate-100 text-slate-500" },
};

export function DecisionStatusIcon({ status, className }: { status: DecisionStatus; className?: string }) {
  const props = { className: cn("size-4 shrink-0", className), "aria-hidden": true };
  switch (status) {
    case "approved":
      return <CheckCircle2 {...props} />;
    case "rejected":
      return <XCircle {...props} />;
    case "expired":
      return <TimerOff {...props} />;
    case "cancelled":
      return <Ban {...props} />;
    default:
      return <Hourglass {...props} />;
  }
}

export function DecisionStatusPill({ status, className }: { status: DecisionStatus; className?: string }) {
  const tone = DECISION_TONES[status];
  return (
    <span className={cn("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", tone.pill, className)} data-testid="decision-status" data-status={status}>
      <DecisionStatusIcon status={status} className="size-3.5" />
      {tone.label}
    </span>
  );
}
