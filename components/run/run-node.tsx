"use client";

import { memo, useState } from "react";
import Link from "next/link";
import { Handle, Position, useStore, type Node, type NodeProps, type ReactFlowState } from "@xyflow/react";
import { ArrowRight, ChevronDown, ChevronUp, Coins, Recycle, RotateCw, Timer, TriangleAlert } from "lucide-react";
import { approvalProgress } from "@/lib/decisions/rules";
import { DEFAULT_PORT, getNodeKind, nodeOutputs, nodeSummary, REJECTED_PORT_ID, STEP_ATTEMPTS } from "@/lib/mission/node-kinds";
import type { MissionNode } from "@/lib/mission/schema";
import { KindIcon, kindLabel, kindTone } from "@/components/editor/kind-style";
import { portRows } from "@/components/editor/nodes/card-geometry";
import type { PortReach } from "@/components/editor/nodes/group";
import { cn } from "@/components/ui/cn";
import { ChildRunRow } from "./child-run";
import { elapsedMs, formatDuration, formatTokens, formatWake, type NodeRunState } from "./run-state";
import { STATUS_TONES, StatusIcon } from "./status-style";
import { useNow } from "./use-now";

export const RUN_NODE_WIDTH = 272;
export const RUN_NODE_TYPE = "run";

export type RunNodeData = {
  node: MissionNode;
  state: NodeRunState;
  /** The view is live (not a replay of a past moment): running timers tick. */
  live: boolean;
  /** When replaying: the moment shown, so durations are measured up to it. */
  at: number | null;
  /** A group's card: its ports sit this far out, on the group's border (components/editor/nodes/group.ts). */
  reach?: PortReach;
};
export type RunFlowNode = Node<RunNodeData, typeof RUN_NODE_TYPE>;

const handleClass = "!size-2.5 !min-h-0 !min-w-0 !border-2 !border-white !bg-slate-300";

/**
 * Below this zoom (the editor's LOD_ZOOM), a card's 11–14 px print would be under 10 px on screen:
 * it shows its title at a size that stays readable (run-view.css, --inv-zoom) and its state as an
 * icon, over the details it hides, so the card keeps its size and its connections their places.
 */
const FAR_ZOOM = 0.7;
const farSelector = (s: ReactFlowState) => s.transform[2] < FAR_ZOOM;

/** A mission node on the run canvas: its kind, its live state, and what it is doing right now. */
export const RunNode = memo(function RunNode({ data, selected }: NodeProps<RunFlowNode>) {
  const { node, state, live, at, reach } = data;
  const inStyle = reach ? { left: -reach.left } : undefined;
  const outStyle = reach ? { right: -reach.right } : undefined;
  const [expanded, setExpanded] = useState(false);
  const active = state.status === "running" || state.status === "waiting";
  const now = useNow(live && active);
  const tone = kindTone(node.kind);
  // A step the run never got to before it failed or was cancelled: not "pending", nothing waits.
  // A step that went on through its "rejected" port did not do what it asks for: it says so.
  const status = state.notReached
    ? { ...STATUS_TONES.skipped, label: "Not reached" }
    : state.status === "succeeded" && state.port === REJECTED_PORT_ID
      ? { ...STATUS_TONES.succeeded, label: "Rejected", pill: "bg-slate-100 text-slate-700 ring-slate-300" }
      : STATUS_TONES[state.status];
  const ports = nodeOutputs(node);
  const rows = portRows(ports);
  const single = !rows.length && ports.some((p) => p.handle === undefined);
  // A reused node took no time in this run.
  const duration = state.reusedFrom ? null : elapsedMs(state.startedAt, state.endedAt, at ?? now);
  const tokens = state.tokensIn + state.tokensOut;
  // The port it left through: its recorded one, or for a step that finished the usual way, its default.
  const taken = state.port ?? (state.status === "succeeded" && rows.some((p) => p.handle === undefined) ? DEFAULT_PORT.id : null);
  const showReasoning = getNodeKind(node.kind).agent && state.reasoning && (state.status === "running" || expanded);
  const far = useStore(farSelector);
  const title = node.data.label || kindLabel(node.kind);
  const statusIcon = state.notReached ? "skipped" : state.status === "succeeded" && state.port === REJECTED_PORT_ID ? "cancelled" : state.status;

  return (
    <div
      data-testid={`node-${node.id}`}
      data-status={state.status}
      data-kind={node.kind}
      data-reused={state.reusedFrom ? "true" : undefined}
      data-not-reached={state.notReached ? "true" : undefined}
      data-far={far ? "true" : undefined}
      style={{ width: RUN_NODE_WIDTH }}
      className={cn(
        "run-node relative rounded-xl border bg-white text-left shadow-sm transition-[border-color,box-shadow,opacity] duration-300",
        status.card,
        state.status === "running" && "run-node-running",
        state.status === "waiting" && "run-node-waiting",
        (state.status === "skipped" || state.notReached) && "opacity-50 saturate-0",
        state.status === "pending" && "opacity-90",
        // Reused results are drawn dashed: this run did not execute them.
        state.reusedFrom && "border-dashed",
        selected && "outline outline-2 outline-offset-4 outline-brand-500",
      )}
    >
      <span className={cn("run-accent absolute inset-y-3 left-0 w-1 rounded-r", tone.accent)} aria-hidden />
      {far ? (
        <div className="run-far pointer-events-none absolute inset-0 flex items-center gap-2 py-2 pl-3.5 pr-3" title={`${title}: ${status.label}`}>
          <span className="run-far-title line-clamp-2 min-w-0 flex-1 font-semibold leading-[1.15] text-slate-900" data-testid="run-node-title">
            {title}
          </span>
          <span className={cn("run-far-status flex shrink-0 items-center justify-center rounded-full ring-1 ring-inset", status.pill)} aria-label={status.label}>
            <StatusIcon status={statusIcon} className="size-[60%]" />
          </span>
        </div>
      ) : null}
      {getNodeKind(node.kind).inputs ? <Handle type="target" position={Position.Left} isConnectable={false} className={handleClass} style={inStyle} /> : null}
      <div className="flex items-start gap-2.5 px-3.5 pb-2 pt-3">
        <div className={cn("flex size-8 shrink-0 items-center justify-center rounded-lg", tone.tile)}>
          <KindIcon kind={node.kind} className="size-4" />
        </div>
        <div className="min-w-0 flex-1">
          <div className="truncate text-sm font-semibold text-slate-900" title={title} data-testid={far ? undefined : "run-node-title"}>
            {title}
          </div>
          <div className="mt-0.5 flex items-center gap-1 text-[11px] text-slate-500">
            <span className="shrink-0">{kindLabel(node.kind)}</span>
            <span aria-hidden>·</span>
            <code className="truncate font-mono text-slate-600">{node.id}</code>
            <span
              className={cn("ml-auto inline-flex shrink-0 items-center gap-1 rounded-full px-1.5 py-px text-[10px] font-semibold ring-1 ring-inset", status.pill)}
              title={status.label}
              data-testid={`node-status-${node.id}`}
            >
              <StatusIcon status={statusIcon} className="size-3" />
              {state.status === "waiting" ? "Waiting" : status.label}
            </span>
          </div>
        </div>
      </div>

      {showReasoning ? (
        <div className="border-t border-slate-100 px-3.5 py-2" data-testid={`node-reasoning-${node.id}`}>
          <p className={cn("whitespace-pre-wrap break-words text-xs leading-relaxed text-slate-700", expanded ? "nowheel max-h-56 overflow-y-auto" : "line-clamp-3")}>
            {expanded ? state.reasoning : tail(state.reasoning, 240)}
            {state.status === "running" ? <span className="run-caret" aria-hidden /> : null}
          </p>
          <button
            type="button"
            onClick={(e) => {
              e.stopPropagation();
              setExpanded((v) => !v);
            }}
            className="nodrag mt-1 inline-flex items-center gap-0.5 text-[11px] font-medium text-brand-700 hover:underline"
          >
            {expanded ? <ChevronUp className="size-3" /> : <ChevronDown className="size-3" />}
            {expanded ? "Less" : "More"}
          </button>
        </div>
      ) : (
        <p className="truncate border-t border-slate-100 px-3.5 py-1.5 text-xs text-slate-500" title={nodeSummary(node)}>
          {state.status === "failed" && state.error ? (
            <span className="text-red-700">{state.error}</span>
          ) : state.notReached ? (
            <span data-testid={`node-not-reached-${node.id}`}>Not reached: the run ended before this step</span>
          ) : (
            nodeSummary(node)
          )}
        </p>
      )}

      {state.iterations ? (
        <div className="flex items-center gap-1.5 border-t border-orange-200 bg-orange-50 px-3.5 py-1 text-[11px] font-medium text-orange-900" data-testid={`node-iterations-${node.id}`}>
          <span className="tabular-nums">
            {state.iterations.succeeded + state.iterations.failed}
            {state.iterations.total !== null ? ` of ${state.iterations.total}` : ""} items done
          </span>
          {state.iterations.failed ? <span className="tabular-nums text-red-700">· {state.iterations.failed} failed</span> : null}
        </div>
      ) : null}

      {state.reusedFrom ? (
        <div
          className="flex items-center gap-1.5 border-t border-slate-100 bg-slate-50 px-3.5 py-1 text-[11px] font-medium text-slate-600"
          data-testid={`node-reused-${node.id}`}
          title={`Taken from run ${state.reusedFrom} without executing again`}
        >
          <Recycle className="size-3" aria-hidden />
          Reused from run <code className="font-mono">{state.reusedFrom.slice(0, 8)}</code>
        </div>
      ) : null}

      {state.childRunId ? <ChildRunRow nodeId={node.id} runId={state.childRunId} /> : null}

      {state.status === "waiting" ? (
        <div className="flex items-center gap-1.5 border-t border-amber-200 bg-amber-50 px-3.5 py-1.5 text-xs font-medium text-amber-900">
          <span className="relative flex size-2">
            <span className="absolute inline-flex size-full animate-ping rounded-full bg-amber-400 opacity-75" />
            <span className="relative inline-flex size-2 rounded-full bg-amber-500" />
          </span>
          {state.approvals ? (
            // Several approvers must agree: how far it is says more than "waiting".
            <span>
              <span className="tabular-nums" data-testid={`node-approvals-${node.id}`}>
                {approvalProgress(state.approvals.count, state.approvals.required)}
              </span>
              <span className="font-normal"> so far</span>
            </span>
          ) : state.until ? (
            <span data-testid={`node-until-${node.id}`} title={state.until}>
              Wakes at {formatWake(state.until)}
            </span>
          ) : state.childRunId ? (
            "Waiting for the child run"
          ) : (
            "Waiting for a decision"
          )}
          {state.decisionId ? (
            <Link href={`/decisions/${state.decisionId}`} className="nodrag ml-auto inline-flex items-center gap-0.5 text-amber-800 hover:underline" onClick={(e) => e.stopPropagation()}>
              Open <ArrowRight className="size-3" />
            </Link>
          ) : null}
        </div>
      ) : null}

      {duration !== null || tokens > 0 || state.errors > 0 || state.attempt > 0 ? (
        <div className="flex items-center gap-3 rounded-b-xl border-t border-slate-100 bg-slate-50/70 px-3.5 py-1 text-[11px] text-slate-600" data-testid={`node-metrics-${node.id}`}>
          {duration !== null ? (
            <span className="inline-flex items-center gap-1" title={state.endedAt ? "Duration" : "Elapsed"}>
              <Timer className="size-3" aria-hidden />
              {formatDuration(duration)}
            </span>
          ) : null}
          {tokens > 0 ? (
            <span className="inline-flex items-center gap-1" title={`${state.tokensIn} tokens in, ${state.tokensOut} out`}>
              <Coins className="size-3" aria-hidden />
              {formatTokens(tokens)} tokens
            </span>
          ) : null}
          {state.attempt > 0 ? (
            <span
              className={cn("inline-flex items-center gap-1 font-medium", state.status === "failed" ? "text-red-700" : "text-amber-700")}
              title="The engine tries a failing step again, up to this many times"
              data-testid={`node-attempt-${node.id}`}
            >
              <RotateCw className="size-3" aria-hidden />
              Attempt {state.attempt + 1} of {STEP_ATTEMPTS}
            </span>
          ) : null}
          {state.errors > 0 ? (
            <span className="ml-auto inline-flex items-center gap-1 text-red-700" title="Failed attempts">
              <TriangleAlert className="size-3" aria-hidden />
              {state.errors} {state.errors === 1 ? "error" : "errors"}
            </span>
          ) : null}
        </div>
      ) : null}

      {rows.length ? (
        <div className="border-t border-slate-100 py-0.5">
          {rows.map((port) => (
            <div
              key={port.id}
              data-testid={`node-port-${node.id}-${port.id}`}
              data-taken={taken === null ? undefined : String(taken === port.id)}
              className={cn(
                "relative flex h-5 items-center justify-end pr-3.5 text-[11px] font-medium",
                taken === null ? "text-slate-500" : taken === port.id ? "text-slate-900" : "text-slate-400 line-through",
              )}
            >
              <span className="truncate">{port.label}</span>
              <Handle type="source" id={port.handle} position={Position.Right} isConnectable={false} className={handleClass} style={outStyle} />
            </div>
          ))}
        </div>
      ) : null}
      {single ? <Handle type="source" position={Position.Right} isConnectable={false} className={handleClass} style={outStyle} /> : null}
    </div>
  );
});

function tail(text: string, chars: number): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

export const runNodeTypes = { [RUN_NODE_TYPE]: RunNode };
