"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowRight, BookOpen, CheckCircle2, CircleAlert, Info, Loader2, Lock, ShieldAlert, Users, XCircle } from "lucide-react";
import type { DecisionField } from "@/server/db/schema";
import { approvalProgress } from "@/lib/decisions/rules";
import { checkValue, diffValues, inputText, parseInput, showValue, type ValueChange } from "@/lib/decisions/value-rules";
import { errorMessage, errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { FieldError, Textarea } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";
import { useNow } from "@/components/run/use-now";
import { ConfirmDecision } from "./confirm-dialog";
import { DecisionContext } from "./decision-context";
import { AskerIcon } from "./decision-inbox";
import { DecisionReasoning } from "./decision-reasoning";
import { DecisionRules } from "./decision-rules";
import { DecisionStatusPill } from "./decision-status";
import { ago, shortId } from "./format";
import { ProposedValues } from "./proposed-values";
import { citationsOf } from "./reasoning";
import { useDecisionsTrpc, type DecideOutcomeData as DecideOutcome, type DecisionDetailData as DecisionDetail } from "./trpc";

const POLL_MS = 4_000;

/**
 * One decision, ready to decide: what is proposed and who asked, the request that started the run
 * and what the Workers found, the rules, the reasoning that led here, the values as a form, approve
 * or reject with a reason, and a confirmation showing every edit before the vote is cast. Read-only,
 * with the reason why, for anyone who may not decide it. Mounted by /decisions/[id] (on a wide
 * screen the form is a column of its own beside the request, in view without scrolling) and,
 * `compact`, beside the run view.
 */
export function DecisionPanel({ decisionId, compact = false, onDecided }: { decisionId: string; compact?: boolean; onDecided?: (outcome: DecideOutcome) => void }) {
  const trpc = useDecisionsTrpc();
  const q = useQuery({
    ...trpc.decisions.get.queryOptions({ decisionId }),
    // While it waits, another approver may decide it: keep looking.
    refetchInterval: (query) => (query.state.data?.decision.status === "pending" ? POLL_MS : false),
  });
  const now = useNow(true, 15_000);

  if (q.isError) {
    const notFound = /NOT_FOUND|No decision/.test(q.error.message);
    return (
      <EmptyState icon={<CircleAlert />} title={notFound ? "Decision not found" : "Could not load this decision"}>
        {notFound ? "The link may be wrong, or the run it belonged to was deleted." : q.error.message}
      </EmptyState>
    );
  }
  if (!q.data) {
    return (
      <div className="flex items-center justify-center py-24 text-sm text-slate-500">
        <Loader2 className="mr-2 size-4 animate-spin" /> Loading decision…
      </div>
    );
  }
  return <DecisionBody key={q.data.decision.id} detail={q.data} compact={compact} now={now} onDecided={onDecided} />;
}

function initialTexts(fields: DecisionField[], proposed: Record<string, unknown>, editable: string[]): Record<string, string> {
  return Object.fromEntries(fields.filter((f) => editable.includes(f.name)).map((f) => [f.name, inputText(f, proposed[f.name])]));
}

function DecisionBody({ detail, compact, now, onDecided }: { detail: DecisionDetail; compact: boolean; now: number; onDecided?: (outcome: DecideOutcome) => void }) {
  const trpc = useDecisionsTrpc();
  const qc = useQueryClient();
  const d = detail.decision;
  const pending = d.status === "pending";
  const canDecide = detail.viewer.canDecide;
  const [texts, setTexts] = useState(() => initialTexts(d.fields, d.proposed, d.editable));
  const [reason, setReason] = useState("");
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<null | "approve" | "reject">(null);
  const [result, setResult] = useState<DecideOutcome | null>(null);
  const [failure, setFailure] = useState<{ message: string; conflict: boolean } | null>(null);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});

  // What the inputs hold, as typed values, and what is wrong with them.
  const { values, errors } = useMemo(() => {
    const values: Record<string, unknown> = {};
    const errors: Record<string, string> = {};
    for (const f of d.fields) {
      if (!(f.name in texts)) continue;
      const parsed = parseInput(f, texts[f.name] ?? "");
      if (!parsed.ok) {
        errors[f.name] = parsed.message;
        continue;
      }
      values[f.name] = parsed.value;
      const problem = checkValue(f, parsed.value, detail.valueRules[f.name]);
      if (problem) errors[f.name] = problem;
    }
    return { values, errors };
  }, [d.fields, texts, detail.valueRules]);
  const changes: ValueChange[] = useMemo(() => diffValues(d.fields, d.proposed, values), [d.fields, d.proposed, values]);
  const changed = useMemo(() => new Set(changes.map((c) => c.name)), [changes]);
  const shownErrors = { ...serverErrors, ...errors };

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
        setServerErrors(fieldErrs);
        setFailure({ message: errorMessage(err), conflict });
        void refresh();
      },
    }),
  );

  function ask(approve: boolean) {
    setFailure(null);
    setServerErrors({});
    if (!approve && detail.rules.reasonRequired && !reason.trim()) {
      setReasonError("Give a reason to reject: the requester and the audit log will see it.");
      return;
    }
    setReasonError(null);
    if (approve && Object.keys(errors).length) return;
    setConfirm(approve ? "approve" : "reject");
  }

  function submit() {
    const approve = confirm === "approve";
    const edits = Object.fromEntries(changes.map((c) => [c.name, c.to]));
    decide.mutate({ decisionId: d.id, approve, ...(approve && changes.length ? { values: edits } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}) });
  }

  const labels: Record<string, string> = { [d.nodeId]: detail.asker.nodeLabel, ...Object.fromEntries(detail.findings.map((f) => [f.nodeId, f.label])) };
  const decidedChanges = d.finalValues ? diffValues(d.fields, d.proposed, d.finalValues) : [];
  const progressAfter =
    confirm === "approve" && d.requiredApprovals > 1 && d.approvals + 1 < d.requiredApprovals
      ? `This is approval ${d.approvals + 1} of ${d.requiredApprovals}: the run waits until another approver approves too.`
      : null;
  const decidedByName = d.decidedBy ? (detail.people[d.decidedBy]?.name ?? d.decidedBy) : null;

  return (
    <div className="@container space-y-4" data-testid="decision-panel" data-decision={d.id} data-status={d.status} data-can-decide={canDecide ? "true" : "false"}>
      <Card className={compact ? "p-4" : "p-5"}>
        <div className="flex items-start gap-4">
          <span
            className={cn(
              "flex size-11 shrink-0 items-center justify-center rounded-xl",
              detail.asker.kind === "approval" ? "bg-violet-100 text-violet-700" : detail.asker.kind === "worker" ? "bg-sky-100 text-sky-700" : "bg-amber-100 text-amber-800",
            )}
          >
            <AskerIcon kind={detail.asker.kind} className="size-5" />
          </span>
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

      {result ? <ResultBanner outcome={result} /> : null}
      {failure ? (
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
      ) : null}
      {!pending && !result ? (
        <DecidedBanner status={d.status} by={decidedByName} at={d.decidedAt} reason={d.reason} runId={d.runId} now={now} />
      ) : null}
      {pending && !canDecide && detail.viewer.blocked ? (
        <div className="flex items-start gap-3 rounded-lg border border-slate-300 bg-slate-50 px-4 py-3 text-sm text-slate-800" data-testid="decision-readonly" data-reason={detail.viewer.blocked.code}>
          {detail.viewer.blocked.code === "separation_of_duties" ? (
            <ShieldAlert className="mt-0.5 size-4 shrink-0 text-slate-600" />
          ) : detail.viewer.blocked.code === "already_voted" ? (
            <Users className="mt-0.5 size-4 shrink-0 text-slate-600" />
          ) : (
            <Lock className="mt-0.5 size-4 shrink-0 text-slate-600" />
          )}
          <div>
            <p className="font-medium">{detail.viewer.blocked.code === "already_voted" ? "Your approval is in" : "You can read this decision, but not decide it"}</p>
            <p className="text-slate-700">{detail.viewer.blocked.message}</p>
          </div>
        </div>
      ) : null}

      {/* On a wide screen the decision sits beside what it is about, reachable without scrolling. */}
      <div className={cn("grid items-start gap-4", !compact && "lg:grid-cols-[minmax(0,1fr)_420px]")}>
        <div className={cn("@container min-w-0", !compact && "lg:col-start-1 lg:row-start-1")}>
          <DecisionContext request={detail.request} findings={detail.findings} proposed={d.proposed} compact={compact} />
        </div>
        <div className={cn("@container min-w-0 space-y-4", !compact && "lg:sticky lg:top-4 lg:col-start-2 lg:row-span-2 lg:row-start-1")} data-testid="decision-form">
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
                texts={texts}
                errors={shownErrors}
                readOnly={!canDecide}
                changed={changed}
                onChange={(name, text) => {
                  setTexts((t) => ({ ...t, [name]: text }));
                  setServerErrors((e) => {
                    const { [name]: _dropped, ...rest } = e;
                    return rest;
                  });
                }}
                onReset={(name) => {
                  const f = d.fields.find((x) => x.name === name);
                  if (f) setTexts((t) => ({ ...t, [name]: inputText(f, d.proposed[name]) }));
                }}
              />
            ) : (
              <FinalValues fields={d.fields} values={d.finalValues ?? d.proposed} changes={decidedChanges} approved={d.status === "approved"} />
            )}

            {pending && canDecide ? (
              <div className="mt-4 border-t border-slate-100 pt-4">
                <label htmlFor="decision-reason" className="text-sm font-medium text-slate-800">
                  Reason{" "}
                  <span className="font-normal text-slate-500">{detail.rules.reasonRequired ? "(required to reject, optional to approve)" : "(optional)"}</span>
                </label>
                <Textarea
                  id="decision-reason"
                  className="mt-1.5"
                  rows={2}
                  maxLength={2000}
                  placeholder={detail.rules.reasonRequired ? "Why you decide this way — shown in the run and the audit log" : "Anything the requester should know"}
                  value={reason}
                  aria-invalid={reasonError ? true : undefined}
                  onChange={(e) => {
                    setReason(e.target.value);
                    if (e.target.value.trim()) setReasonError(null);
                  }}
                  data-testid="decision-reason"
                />
                <FieldError>{reasonError}</FieldError>
                <div className="mt-4 flex flex-wrap items-center justify-end gap-2">
                  {changes.length ? (
                    <span className="mr-auto text-xs font-medium text-amber-800" data-testid="decision-changed-count">
                      {changes.length === 1 ? "1 value changed" : `${changes.length} values changed`}
                    </span>
                  ) : null}
                  <Button variant="secondary" className="text-red-700 hover:bg-red-50" onClick={() => ask(false)} disabled={decide.isPending} data-testid="reject-decision">
                    <XCircle /> Reject…
                  </Button>
                  <Button variant="success" onClick={() => ask(true)} disabled={decide.isPending || Object.keys(errors).length > 0} data-testid="approve-decision">
                    <CheckCircle2 /> {changes.length ? "Approve with changes…" : "Approve…"}
                  </Button>
                </div>
              </div>
            ) : null}
          </Card>

          <Card className="px-5 py-2">
            <DecisionRules detail={detail} now={now} />
          </Card>
        </div>

        <Card className={cn("min-w-0 p-5", !compact && "lg:col-start-1 lg:row-start-2")}>
          <h2 className="mb-3 text-base font-semibold text-slate-900">The reasoning behind it</h2>
          <DecisionReasoning observations={detail.reasoning} findings={detail.findings} labels={labels} citations={!compact} />
        </Card>
      </div>

      <ConfirmDecision
        open={confirm !== null}
        approve={confirm === "approve"}
        summary={detail.summary}
        changes={confirm === "approve" ? changes : []}
        reason={reason}
        progress={progressAfter}
        whenRejected={detail.rules.whenRejected}
        pending={decide.isPending}
        onCancel={() => setConfirm(null)}
        onConfirm={submit}
      />
    </div>
  );
}

/** The policy clauses the Workers cited, next to what they propose (the narrow panel beside a run). */
function CitedClauses({ detail }: { detail: DecisionDetail }) {
  const citations = citationsOf(detail.reasoning);
  if (!citations.length) return null;
  return (
    <ul className="mt-3 space-y-1.5" aria-label="Cited policy">
      {citations.map((c) => (
        <li key={c.clauseId} className="flex min-w-0 items-center gap-2 rounded-md border border-sky-200 bg-sky-50 px-2 py-1 text-sm text-sky-950" data-testid="decision-citation" title={c.title ?? undefined}>
          <BookOpen className="size-3.5 shrink-0 text-sky-700" aria-hidden />
          <code className="shrink-0 rounded bg-white px-1.5 py-0.5 font-mono text-xs font-semibold text-sky-900 ring-1 ring-sky-200">{c.clauseId}</code>
          {c.title ? <span className="truncate">{c.title}</span> : null}
        </li>
      ))}
    </ul>
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

function FinalValues({ fields, values, changes, approved }: { fields: DecisionField[]; values: Record<string, unknown>; changes: ValueChange[]; approved: boolean }) {
  const names = fields.length ? fields : Object.keys(values).map((name): DecisionField => ({ name, label: name, type: "json" }));
  const byName = new Map(changes.map((c) => [c.name, c]));
  return (
    <dl className="divide-y divide-slate-100" data-testid="final-values">
      {names.map((f) => {
        const c = byName.get(f.name);
        return (
          <div key={f.name} className="grid gap-1 py-2.5 @xl:grid-cols-[180px_minmax(0,1fr)] @xl:gap-4">
            <dt className="text-sm font-medium text-slate-700">{f.label || f.name}</dt>
            <dd className="min-w-0 text-sm text-slate-900">
              {c ? (
                <span className="flex flex-wrap items-center gap-2">
                  <span className="rounded bg-red-50 px-1.5 py-0.5 text-red-800 line-through decoration-red-400">{showValue(c.from)}</span>
                  <ArrowRight className="size-3.5 text-slate-400" />
                  <span className="rounded bg-emerald-50 px-1.5 py-0.5 font-medium text-emerald-800">{showValue(c.to)}</span>
                  <span className="text-xs text-slate-500">changed by the approver</span>
                </span>
              ) : (
                <span className="whitespace-pre-wrap break-words">{showValue(values[f.name])}</span>
              )}
            </dd>
          </div>
        );
      })}
      {!approved ? <p className="pt-2 text-xs text-slate-500">These values were proposed; nothing was done with them.</p> : null}
    </dl>
  );
}
