"use client";

import { useQuery } from "@tanstack/react-query";
import { CircleAlert, Loader2 } from "lucide-react";
import { Card, EmptyState } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { useNow } from "@/components/run/use-now";
import { ConfirmDecision } from "./confirm-dialog";
import { DecisionBanners } from "./decision-banners";
import { DecisionContext } from "./decision-context";
import { DecisionForm } from "./decision-form";
import { DecisionHeader } from "./decision-header";
import { DecisionReasoning } from "./decision-reasoning";
import { DecisionRules } from "./decision-rules";
import { useDecisionsTrpc, type DecideOutcomeData as DecideOutcome, type DecisionDetailData as DecisionDetail } from "./trpc";
import { useDecide } from "./use-decide";
import { useValueEdits } from "./use-value-edits";

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

function DecisionBody({ detail, compact, now, onDecided }: { detail: DecisionDetail; compact: boolean; now: number; onDecided?: (outcome: DecideOutcome) => void }) {
  const d = detail.decision;
  const edits = useValueEdits(detail);
  const vote = useDecide(detail, edits, onDecided);
  const labels: Record<string, string> = { [d.nodeId]: detail.asker.nodeLabel, ...Object.fromEntries(detail.findings.map((f) => [f.nodeId, f.label])) };
  const progressAfter =
    vote.confirm === "approve" && d.requiredApprovals > 1 && d.approvals + 1 < d.requiredApprovals
      ? `This is approval ${d.approvals + 1} of ${d.requiredApprovals}: the run waits until another approver approves too.`
      : null;

  return (
    <div className="@container space-y-4" data-testid="decision-panel" data-decision={d.id} data-status={d.status} data-can-decide={detail.viewer.canDecide ? "true" : "false"}>
      <DecisionHeader detail={detail} compact={compact} now={now} />
      <DecisionBanners detail={detail} result={vote.result} failure={vote.failure} now={now} />

      {/* On a wide screen the decision sits beside what it is about, reachable without scrolling. */}
      <div className={cn("grid items-start gap-4", !compact && "lg:grid-cols-[minmax(0,1fr)_420px]")}>
        <div className={cn("@container min-w-0", !compact && "lg:col-start-1 lg:row-start-1")}>
          <DecisionContext request={detail.request} findings={detail.findings} proposed={d.proposed} compact={compact} />
        </div>
        <div className={cn("@container min-w-0 space-y-4", !compact && "lg:sticky lg:top-4 lg:col-start-2 lg:row-span-2 lg:row-start-1")} data-testid="decision-form">
          <DecisionForm detail={detail} edits={edits} vote={vote} />
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
        open={vote.confirm !== null}
        approve={vote.confirm === "approve"}
        summary={detail.summary}
        changes={vote.confirm === "approve" ? edits.changes : []}
        reason={vote.reason}
        progress={progressAfter}
        whenRejected={detail.rules.whenRejected}
        pending={vote.deciding}
        onCancel={vote.cancel}
        onConfirm={vote.submit}
      />
    </div>
  );
}
