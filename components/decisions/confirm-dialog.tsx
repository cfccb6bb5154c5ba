"use client";

import { ArrowRight, Loader2 } from "lucide-react";
import { showValue, type ValueChange } from "@/lib/decisions/value-rules";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

/** The last step before a vote: what is decided, every edited value as proposed → yours, and the reason. */
export function ConfirmDecision({
  open,
  approve,
  summary,
  changes,
  reason,
  progress,
  whenRejected,
  pending,
  onCancel,
  onConfirm,
}: {
  open: boolean;
  approve: boolean;
  summary: string;
  changes: ValueChange[];
  reason: string;
  /** "This is approval 1 of 2" when more approvals are needed, else null. */
  progress: string | null;
  /** What a rejection does to the run, as drawn: "the run takes its rejected path", "… the run fails …". */
  whenRejected: string;
  pending: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => (!o ? onCancel() : undefined)}
      title={approve ? "Approve this decision?" : "Reject this decision?"}
      description={summary}
      className="w-[min(92vw,620px)]"
      footer={
        <>
          <Button variant="secondary" onClick={onCancel} disabled={pending}>
            Back
          </Button>
          <Button variant={approve ? "success" : "danger"} onClick={onConfirm} disabled={pending} data-testid="confirm-decision">
            {pending ? <Loader2 className="animate-spin" /> : null}
            {approve ? (changes.length ? "Approve with my changes" : "Approve") : "Reject"}
          </Button>
        </>
      }
    >
      <div className="space-y-4" data-testid="confirm-dialog">
        {approve ? (
          changes.length ? (
            <div>
              <h3 className="mb-2 text-sm font-semibold text-slate-900">
                You changed {changes.length === 1 ? "one value" : `${changes.length} values`}
              </h3>
              <table className="w-full overflow-hidden rounded-lg text-sm ring-1 ring-slate-200" data-testid="decision-diff">
                <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="px-3 py-2 font-semibold">Value</th>
                    <th className="px-3 py-2 font-semibold">Proposed</th>
                    <th className="w-6" />
                    <th className="px-3 py-2 font-semibold">Yours</th>
                  </tr>
                </thead>
                <tbody>
                  {changes.map((c) => (
                    <tr key={c.name} className="border-t border-slate-100 align-top" data-testid="diff-row" data-field={c.name}>
                      <td className="px-3 py-2 font-medium text-slate-800">{c.label}</td>
                      <td className="px-3 py-2">
                        <span className="break-words rounded bg-red-50 px-1.5 py-0.5 text-red-800 line-through decoration-red-400" data-testid="diff-from">
                          {showValue(c.from)}
                        </span>
                      </td>
                      <td className="py-2 text-slate-400">
                        <ArrowRight className="size-4" />
                      </td>
                      <td className="px-3 py-2">
                        <span className="break-words rounded bg-emerald-50 px-1.5 py-0.5 font-medium text-emerald-800" data-testid="diff-to">
                          {showValue(c.to)}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="mt-2 text-xs text-slate-500">The change is recorded with your name in the run and the audit log.</p>
            </div>
          ) : (
            <p className="text-sm text-slate-700">You approve the values exactly as proposed.</p>
          )
        ) : (
          <p className="text-sm text-slate-700" data-testid="confirm-when-rejected">
            Nothing proposed will happen: {whenRejected}.
          </p>
        )}
        {reason.trim() ? (
          <blockquote className="rounded-md border-l-4 border-slate-300 bg-slate-50 px-3 py-2 text-sm text-slate-700">“{reason.trim()}”</blockquote>
        ) : null}
        <p className="rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900">
          {progress ?? (approve ? "The run continues right after you confirm." : "This takes effect right after you confirm.")}
        </p>
      </div>
    </Dialog>
  );
}
