"use client";

import Link from "next/link";
import { useMemo, type ReactNode } from "react";
import { ArrowRight, Hourglass, X } from "lucide-react";
import { approvalProgress } from "@/lib/decisions/rules";
import { getNodeKind } from "@/lib/mission/node-kinds";
import type { MissionNode } from "@/lib/mission/schema";
import { KindIcon, kindLabel, kindTone } from "@/components/editor/kind-style";
import { cn } from "@/components/ui/cn";
import { childRunsOf, elapsedMs, formatDuration, formatTokens, wakeUpsOf, type NodeRunState } from "./run-state";
import { StatusPill } from "./status-style";
import { ToolCallView } from "./tool-call-view";
import { record, toolCallsOf } from "./tool-calls";
import type { RunObservation, RunPageData } from "./types";
import { useNow } from "./use-now";

type RunDecisionLink = RunPageData["decisions"][number];

/**
 * What the canvas shows about the selected node: a clear "Waiting for a decision" card with the
 * way to the decision while it waits, otherwise its state, duration, tokens, decisions and, for a
 * step that called a tool, what it sent and what the system answered.
 */
export function NodePanel({
  node,
  state,
  decisions,
  observations,
  at,
  onClose,
  onShowObservation,
  footer,
}: {
  node: MissionNode;
  state: NodeRunState;
  decisions: readonly RunDecisionLink[];
  /** The run's Observations up to the moment shown: the node's tool calls come from them. */
  observations: readonly RunObservation[];
  /** The moment shown; null = now (live). */
  at: number | null;
  onClose: () => void;
  /** Selects an Observation in the rail (the whole of a tool call). */
  onShowObservation?: (o: RunObservation) => void;
  /** Below the details, e.g. "Re-run from here". */
  footer?: ReactNode;
}) {
  const now = useNow(at === null && (state.status === "running" || state.status === "waiting"));
  const tone = kindTone(node.kind);
  const mine = decisions.filter((d) => d.nodeId === node.id);
  const waitingFor = state.status === "waiting" ? (state.decisionId ?? mine.find((d) => d.status === "pending")?.id ?? null) : null;
  // A step inside a For each gets its state once, over all items: it has no duration of its own.
  const duration = state.reusedFrom || node.parentId !== undefined ? null : elapsedMs(state.startedAt, state.endedAt, at ?? now);
  const calls = useMemo(() => toolCallsOf(observations, node.id), [observations, node.id]);
  // Read from what the step recorded, whatever its kind: the child runs it started, its items' wake-up times.
  const children = useMemo(() => childRunsOf(observations, node.id), [observations, node.id]);
  const wakeUps = useMemo(() => (node.parentId !== undefined ? wakeUpsOf(observations, node.id) : []), [observations, node.id, node.parentId]);
  const lastCall = calls.at(-1);
  const showInRail = onShowObservation
    ? (id: number) => {
        const o = observations.find((x) => x.id === id);
        if (o) onShowObservation(o);
      }
    : null;
  // A step that is one tool call shows that call first, wide.
  const wide = !!lastCall && getNodeKind(node.kind).isToolCall === true;

  if (state.status === "waiting" && state.until) {
    return (
      <WaitingCard title={`Waiting until ${new Date(state.until).toLocaleString()}`} onClose={onClose} attrs={{ "data-testid": "waiting-card", "data-until": state.until }}>
        <span className="font-medium">{node.data.label || node.id}</span> goes on by itself then; a restart does not change the time.
      </WaitingCard>
    );
  }

  if (state.status === "waiting" && state.childRunId) {
    return (
      <WaitingCard title="Waiting for its child run" onClose={onClose} attrs={{ "data-testid": "child-card", "data-child": state.childRunId }}>
        <span className="font-medium">{node.data.label || node.id}</span> goes on when child run{" "}
        <Link href={`/runs/${state.childRunId}`} className="font-mono font-medium underline">
          {state.childRunId.slice(0, 8)}
        </Link>{" "}
        ends, with its verdict and outputs.
      </WaitingCard>
    );
  }

  if (state.status === "waiting") {
    return (
      <div className="w-80 rounded-xl border border-amber-300 bg-white shadow-xl" data-testid="decision-card" data-decision={waitingFor ?? ""}>
        <div className="flex items-start gap-3 rounded-t-xl bg-amber-50 px-4 py-3">
          <span className="flex size-9 shrink-0 items-center justify-center rounded-full bg-amber-100 text-amber-700">
            <Hourglass className="size-5" aria-hidden />
          </span>
          <div className="min-w-0 flex-1">
            <h3 className="text-sm font-semibold text-amber-950">Waiting for a decision</h3>
            <p className="mt-0.5 text-xs text-amber-900">
              <span className="font-medium">{node.data.label || node.id}</span> is paused until an approver decides
              {formatDuration(duration) !== "—" ? ` (waiting ${formatDuration(duration)})` : ""}.
            </p>
            {state.approvals ? (
              <p className="mt-1 text-xs font-semibold text-amber-950" data-testid="decision-card-approvals">
                {approvalProgress(state.approvals.count, state.approvals.required)}: {state.approvals.required - state.approvals.count === 1 ? "one more approver" : `${state.approvals.required - state.approvals.count} more approvers`} must approve.
              </p>
            ) : null}
          </div>
          <CloseButton onClose={onClose} />
        </div>
        <div className="px-4 py-3">
          {waitingFor ? (
            <p className="text-xs text-slate-700">
              The decision is open beside the graph, under <span className="font-medium">Decision</span>.{" "}
              <Link href={`/decisions/${waitingFor}`} className="inline-flex items-center gap-0.5 font-medium text-amber-800 hover:underline" data-testid="decision-link">
                Open it on its own page <ArrowRight className="size-3" />
              </Link>
            </p>
          ) : (
            <p className="text-xs text-slate-600">The decision is being opened…</p>
          )}
        </div>
      </div>
    );
  }

  return (
    <div
      className={cn("flex max-h-[min(72vh,680px)] flex-col rounded-xl border border-slate-200 bg-white shadow-xl", wide ? "w-96" : "w-80")}
      data-testid="node-panel"
      data-node={node.id}
    >
      <div className="flex items-start gap-3 px-4 py-3">
        <span className={cn("flex size-8 shrink-0 items-center justify-center rounded-lg", tone.tile)}>
          <KindIcon kind={node.kind} className="size-4" />
        </span>
        <div className="min-w-0 flex-1">
          <h3 className="truncate text-sm font-semibold text-slate-900">{node.data.label || node.id}</h3>
          <p className="text-[11px] text-slate-500">
            {kindLabel(node.kind)} · <code className="font-mono">{node.id}</code>
          </p>
        </div>
        <CloseButton onClose={onClose} />
      </div>
      <div className="min-h-0 space-y-2 overflow-y-auto border-t border-slate-100 px-4 py-3 text-xs text-slate-700">
        <div className="flex items-center justify-between">
          <StatusPill status={state.status} />
          <span className="tabular-nums text-slate-600">
            {state.reusedFrom || node.parentId !== undefined ? "" : formatDuration(duration)}
            {state.tokensIn + state.tokensOut > 0 ? ` · ${formatTokens(state.tokensIn + state.tokensOut)} tokens (${state.tokensIn} in, ${state.tokensOut} out)` : ""}
          </span>
        </div>
        {state.error ? <p className="rounded-md bg-red-50 px-2 py-1.5 text-red-800">{state.error}</p> : null}
        {state.reusedFrom ? (
          <p className="rounded-md border border-dashed border-slate-300 bg-slate-50 px-2 py-1.5 text-slate-700" data-testid="node-panel-reused">
            Reused from run{" "}
            <Link href={`/runs/${state.reusedFrom}`} className="font-mono font-medium text-brand-700 hover:underline">
              {state.reusedFrom.slice(0, 8)}
            </Link>
            : not executed in this run.
          </p>
        ) : null}
        {children.length ? (
          <div className="border-t border-slate-100 pt-2.5" data-testid="node-child-runs">
            <p className="mb-1.5 text-[11px] text-slate-500">{children.length === 1 ? "The child run it started:" : `The ${children.length} child runs it started, one per item that reached it:`}</p>
            <ul className="space-y-1">
              {children.map((c) => (
                <li key={c.runId}>
                  <Link href={`/runs/${c.runId}`} className="flex items-center justify-between gap-2 rounded-md border border-slate-200 px-2 py-1.5 hover:bg-slate-50" data-testid="node-child-run" data-child={c.runId}>
                    <code className="truncate font-mono text-[11px]">{c.step}</code>
                    <span className="inline-flex shrink-0 items-center gap-0.5 font-medium text-brand-700">
                      Run <span className="font-mono">{c.runId.slice(0, 8)}</span> <ArrowRight className="size-3" />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {wakeUps.length ? (
          <div className="border-t border-slate-100 pt-2.5" data-testid="node-wake-ups">
            <p className="mb-1.5 text-[11px] text-slate-500">{wakeUps.length === 1 ? "The item that reached it:" : `The ${wakeUps.length} items that reached it, each waiting on its own:`}</p>
            <ul className="space-y-1">
              {wakeUps.map((w) => (
                <li key={w.step} className="rounded-md border border-slate-200 px-2 py-1.5" data-testid="node-wake-up" data-step={w.step} data-until={w.until}>
                  <code className="block truncate font-mono text-[11px]" title={w.step}>
                    {w.step}
                  </code>
                  <time dateTime={w.until} title={w.until} className={cn("block", w.woke ? "text-slate-500" : "font-medium text-amber-800")}>
                    {w.woke ? "woke at" : "wakes at"} {new Date(w.until).toLocaleString()}
                  </time>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {lastCall && wide ? (
          <div className="border-t border-slate-100 pt-2.5" data-testid="node-tool-call">
            {calls.length > 1 ? (
              <p className="mb-1.5 text-[11px] text-slate-500">The last of {calls.length} attempts; every one is in Explain.</p>
            ) : null}
            <ToolCallView pair={lastCall} {...(showInRail ? { onDetails: showInRail } : {})} />
          </div>
        ) : lastCall ? (
          // A Worker calls many tools while it thinks: the rail lists them, the panel points there.
          <p className="flex items-center justify-between gap-2 border-t border-slate-100 pt-2.5" data-testid="node-tool-calls">
            <span>
              {calls.length === 1 ? "1 tool call" : `${calls.length} tool calls`}, the last to <code className="font-mono text-[11px]">{String(record(lastCall.call.data).tool ?? lastCall.call.text)}</code>
            </span>
            {showInRail ? (
              <button type="button" onClick={() => showInRail(lastCall.result?.id ?? lastCall.call.id)} className="shrink-0 font-medium text-brand-700 hover:underline">
                In Explain
              </button>
            ) : null}
          </p>
        ) : null}
        {mine.length ? (
          <ul className="space-y-1">
            {mine.map((d) => (
              <li key={d.id}>
                <Link href={`/decisions/${d.id}`} className="flex items-center justify-between gap-2 rounded-md border border-slate-200 px-2 py-1.5 hover:bg-slate-50">
                  <span className="truncate">{d.title || "Decision"}</span>
                  <span className="shrink-0 font-medium capitalize text-slate-600">{d.status}</span>
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
        {footer ? <div className="pt-1">{footer}</div> : null}
      </div>
    </div>
  );
}

function CloseButton({ onClose }: { onClose: () => void }) {
  return (
    <button type="button" onClick={onClose} className="rounded p-1 text-slate-500 hover:bg-slate-100" aria-label="Close">
      <X className="size-4" />
    </button>
  );
}

/** A step waiting for something other than a decision (a time, a child run): what, and that it goes on by itself. */
function WaitingCard({ title, onClose, attrs, children }: { title: string; onClose: () => void; attrs: Record<`data-${string}`, string>; children: ReactNode }) {
  return (
    <div className="w-80 rounded-xl border border-amber-300 bg-white shadow-xl" {...attrs}>
      <div className="flex items-start gap-3 rounded-xl bg-amber-50 px-4 py-3">
        <span className="flex size-9 shrink-0 items-center justify-center rounded-full bg-amber-100 text-amber-700">
          <Hourglass className="size-5" aria-hidden />
        </span>
        <div className="min-w-0 flex-1">
          <h3 className="text-sm font-semibold text-amber-950">{title}</h3>
          <p className="mt-0.5 text-xs text-amber-900">{children}</p>
        </div>
        <CloseButton onClose={onClose} />
      </div>
    </div>
  );
}
