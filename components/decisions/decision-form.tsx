"use client";

import { CheckCircle2, XCircle } from "lucide-react";
import { diffValues } from "@/lib/decisions/value-rules";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FieldError, Textarea } from "@/components/ui/input";
import { FinalValues } from "./final-values";
import { ProposedValues } from "./proposed-values";
import type { DecisionDetailData as DecisionDetail } from "./trpc";
import type { Decide } from "./use-decide";
import type { ValueEdits } from "./use-value-edits";

/**
 * The values and the vote: while pending, the proposal as a form (read-only for a viewer who may not
 * decide) with a reason and approve/reject; once decided, the values as they went through.
 */
export function DecisionForm({ detail, edits, vote }: { detail: DecisionDetail; edits: ValueEdits; vote: Decide }) {
  const d = detail.decision;
  const pending = d.status === "pending";
  const canDecide = detail.viewer.canDecide;
  return (
    <Card className="p-5">
      <div className="mb-1 flex flex-col gap-x-2 gap-y-0.5 @md:flex-row @md:flex-wrap @md:items-center @md:justify-between">
        <h2 className="text-base font-semibold text-slate-900">{pending ? (canDecide ? "Proposed values" : "Proposed") : d.status === "approved" ? "Approved values" : "Proposed values"}</h2>
        {pending && canDecide && d.editable.length ? <span className="text-xs text-slate-500">You may change the values marked with a pencil.</span> : null}
      </div>
      {pending ? (
        <ProposedValues
          fields={d.fields}
          proposed={d.proposed}
          editable={d.editable}
          rules={detail.valueRules}
          texts={edits.texts}
          errors={edits.shownErrors}
          readOnly={!canDecide}
          changed={edits.changed}
          onChange={edits.edit}
          onReset={edits.reset}
        />
      ) : (
        <FinalValues fields={d.fields} values={d.finalValues ?? d.proposed} changes={d.finalValues ? diffValues(d.fields, d.proposed, d.finalValues) : []} approved={d.status === "approved"} />
      )}
      {pending && canDecide ? <VoteControls reasonRequired={detail.rules.reasonRequired} edits={edits} vote={vote} /> : null}
    </Card>
  );
}

function VoteControls({ reasonRequired, edits, vote }: { reasonRequired: boolean; edits: ValueEdits; vote: Decide }) {
  const changes = edits.changes;
  return (
    <div className="mt-4 border-t border-slate-100 pt-4">
      <label htmlFor="decision-reason" className="text-sm font-medium text-slate-800">
        Reason <span className="font-normal text-slate-500">{reasonRequired ? "(required to reject, optional to approve)" : "(optional)"}</span>
      </label>
      <Textarea
        id="decision-reason"
        className="mt-1.5"
        rows={2}
        maxLength={2000}
        placeholder={reasonRequired ? "Why you decide this way — shown in the run and the audit log" : "Anything the requester should know"}
        value={vote.reason}
        aria-invalid={vote.reasonError ? true : undefined}
        onChange={(e) => vote.setReason(e.target.value)}
        data-testid="decision-reason"
      />
      <FieldError>{vote.reasonError}</FieldError>
      <div className="mt-4 flex flex-wrap items-center justify-end gap-2">
        {changes.length ? (
          <span className="mr-auto text-xs font-medium text-amber-800" data-testid="decision-changed-count">
            {changes.length === 1 ? "1 value changed" : `${changes.length} values changed`}
          </span>
        ) : null}
        <Button variant="secondary" className="text-red-700 hover:bg-red-50" onClick={() => vote.ask(false)} disabled={vote.deciding} data-testid="reject-decision">
          <XCircle /> Reject…
        </Button>
        <Button variant="success" onClick={() => vote.ask(true)} disabled={vote.deciding || edits.hasErrors} data-testid="approve-decision">
          <CheckCircle2 /> {changes.length ? "Approve with changes…" : "Approve…"}
        </Button>
      </div>
    </div>
  );
}
