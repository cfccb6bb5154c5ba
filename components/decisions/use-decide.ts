"use client";

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { errorMessage, errorProblems } from "@/components/trpc-errors";
import { useDecisionsTrpc, type DecideOutcomeData as DecideOutcome, type DecisionDetailData as DecisionDetail } from "./trpc";
import type { ValueEdits } from "./use-value-edits";

export type DecideFailure = { message: string; conflict: boolean };

/**
 * Casting the vote: the reason, the confirmation asked for (approve or reject), and what the server
 * answered — the outcome, or why it was not recorded (a conflict when someone else decided first),
 * with field problems handed back to the value edits. Every answer refreshes the decision and lists.
 */
export function useDecide(detail: DecisionDetail, edits: ValueEdits, onDecided?: (outcome: DecideOutcome) => void) {
  const trpc = useDecisionsTrpc();
  const qc = useQueryClient();
  const d = detail.decision;
  const [reason, setReasonText] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<null | "approve" | "reject">(null);
  const [result, setResult] = useState<DecideOutcome | null>(null);
  const [failure, setFailure] = useState<DecideFailure | null>(null);

  const refresh = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: trpc.decisions.get.queryKey({ decisionId: d.id }) }),
      qc.invalidateQueries({ queryKey: trpc.decisions.list.queryKey() }),
      qc.invalidateQueries({ queryKey: trpc.decisions.pendingCount.queryKey() }),
    ]);

  const decide = useMutation(
    trpc.decisions.decide.mutationOptions({
      onSuccess: (outcome) => {
        setConfirm(null);
        setResult(outcome);
        setFailure(null);
        onDecided?.(outcome);
        void refresh();
      },
      onError: (err) => {
        setConfirm(null);
        const conflict = (err as { data?: { code?: string } }).data?.code === "CONFLICT";
        const problems = errorProblems(err);
        const fieldErrs: Record<string, string> = {};
        for (const p of problems) {
          if (p.path.startsWith("values.")) fieldErrs[p.path.slice(7)] = p.message;
          if (p.path === "reason") setReasonError(p.message);
        }
        edits.setServerErrors(fieldErrs);
        setFailure({ message: errorMessage(err), conflict });
        void refresh();
      },
    }),
  );

  function setReason(text: string) {
    setReasonText(text);
    if (text.trim()) setReasonError(null);
  }

  /** Approve or reject was pressed: check what can be checked here, then ask to confirm. */
  function ask(approve: boolean) {
    setFailure(null);
    edits.setServerErrors({});
    if (!approve && detail.rules.reasonRequired && !reason.trim()) {
      setReasonError("Give a reason to reject: the requester and the audit log will see it.");
      return;
    }
    setReasonError(null);
    if (approve && edits.hasErrors) return;
    setConfirm(approve ? "approve" : "reject");
  }

  function submit() {
    const approve = confirm === "approve";
    const values = Object.fromEntries(edits.changes.map((c) => [c.name, c.to]));
    decide.mutate({ decisionId: d.id, approve, ...(approve && edits.changes.length ? { values } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}) });
  }

  return {
    reason,
    reasonError,
    setReason,
    confirm,
    cancel: () => setConfirm(null),
    result,
    failure,
    deciding: decide.isPending,
    ask,
    submit,
  };
}

export type Decide = ReturnType<typeof useDecide>;
