"use client";

import Link from "next/link";
import { Fragment, type ReactNode } from "react";
import { Activity, ChevronRight, Coins, Copy, Cpu, ExternalLink, FileJson, FlaskConical, History, Recycle, RotateCcw, Square, Timer, User, Wallet, Workflow } from "lucide-react";
import { toast } from "sonner";
import type { RunStatus } from "@/server/db/schema";
import type { RunPageData } from "./types";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { JsonView, TruncatedText } from "./json-view";
import { elapsedMs, formatCost, formatDuration, formatTokens, formatWake } from "./run-state";
import { SaveAsTestCase } from "./save-as-test-case";
import { StatusPill, VerdictPill } from "./status-style";
import type { StreamConnection } from "./use-observation-stream";
import { useNow } from "./use-now";

export interface HeaderFigures {
  status: RunStatus;
  verdict: { outcome: string; summary: string } | null;
  reason: string | null;
  tokens: number;
  /** USD. */
  cost: number;
  startedAt: string | null;
  endedAt: string | null;
  /** While the run waits only for a time (Wait steps): the earliest wake-up (ISO). */
  wakesAt?: string | null;
  /** The run waits only for child runs (Call mission steps). */
  waitsOnChildren?: boolean;
}

/** Mission and version, the run's status, verdict and summary, who started it, duration and tokens; Cancel and Re-run. */
export function RunHeader({
  data,
  figures,
  connection,
  replaying,
  canBuild,
  cancelling,
  rerunning,
  onCancel,
  onRerun,
}: {
  data: RunPageData;
  figures: HeaderFigures;
  connection: StreamConnection;
  /** Showing a past moment of a finished run. */
  replaying: boolean;
  canBuild: boolean;
  cancelling: boolean;
  rerunning: boolean;
  onCancel: () => void;
  onRerun: () => void;
}) {
  const { run } = data;
  const live = !replaying && (figures.status === "queued" || figures.status === "running" || figures.status === "waiting");
  const now = useNow(live);
  const duration = elapsedMs(figures.startedAt ?? run.startedAt ?? run.createdAt, figures.endedAt ?? run.endedAt, now);
  const started = new Date(run.startedAt ?? run.createdAt);

  return (
    <header className="border-b border-slate-200 bg-white px-5 pb-3 pt-3">
      <nav className="flex items-center gap-1 text-xs text-slate-500" aria-label="Breadcrumb">
        <Link href="/runs" className="hover:text-slate-800 hover:underline">
          Runs
        </Link>
        <ChevronRight className="size-3" aria-hidden />
        <code className="font-mono text-slate-600" title={run.id}>
          {run.id.slice(0, 8)}
        </code>
      </nav>
      <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-2">
        <h1 className="text-xl font-semibold tracking-tight text-slate-900" data-testid="run-mission">
          <Link href={`/missions/${run.missionId}`} className="hover:underline">
            {run.missionName}
          </Link>
        </h1>
        <span className="rounded-md bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700" data-testid="run-version" title={`Pinned to version ${run.versionNumber}`}>
          v{run.versionNumber}
        </span>
        {run.simulated ? (
          <span
            className="inline-flex items-center gap-1 rounded-md bg-violet-100 px-1.5 py-0.5 text-xs font-medium text-violet-800 ring-1 ring-violet-200 ring-inset"
            data-testid="run-simulated"
            title="A simulation (of a test case, or a model comparison): read-only tools were called, state-changing tools were not (their results came from the test case, else a stub), approvals were answered without asking anyone"
          >
            <FlaskConical className="size-3.5" /> Simulated
          </span>
        ) : null}
        {/* A run that "succeeded" only finished its path; what it decided is the verdict below, so
            its status reads "Completed", in a neutral tone beside a verdict that may be a "deny". */}
        <StatusPill
          status={figures.status}
          testId="run-status"
          className={cn("text-[13px]", figures.status === "succeeded" && "bg-slate-100 text-slate-700 ring-slate-200")}
          {...(figures.status === "succeeded" ? { label: "Completed" } : figures.status === "waiting" && figures.wakesAt ? { label: `Waiting until ${formatWake(figures.wakesAt)}` } : figures.status === "waiting" && figures.waitsOnChildren ? { label: "Waiting for a child run" } : {})}
        />
        {replaying ? (
          <span className="inline-flex items-center gap-1.5 text-xs font-medium text-slate-600" data-testid="replay-badge">
            <History className="size-3.5" /> Replay
          </span>
        ) : (
          <ConnectionBadge connection={connection} live={live} />
        )}
        <div className="ml-auto flex items-center gap-2">
          <details className="relative">
            <summary className="flex h-8 cursor-pointer list-none items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50">
              <FileJson className="size-4" /> Input
            </summary>
            <div className="absolute right-0 z-20 mt-1 w-96 rounded-lg border border-slate-200 bg-white p-3 shadow-xl">
              <JsonView value={run.input} openDepth={2} />
            </div>
          </details>
          {canBuild && live ? (
            <Button variant="secondary" size="sm" onClick={onCancel} disabled={cancelling} data-testid="run-cancel">
              <Square /> {cancelling ? "Cancelling…" : "Cancel"}
            </Button>
          ) : null}
          {canBuild && !replaying && (figures.status === "succeeded" || figures.status === "failed") ? <SaveAsTestCase runId={run.id} missionId={run.missionId} /> : null}
          {canBuild ? (
            <Button variant={live ? "secondary" : "primary"} size="sm" onClick={onRerun} disabled={rerunning} data-testid="run-rerun" title="A new run of the same version with the same input">
              <RotateCcw /> {rerunning ? "Starting…" : "Re-run"}
            </Button>
          ) : null}
        </div>
      </div>

      {figures.verdict ? (
        <div className="mt-3 flex items-center gap-3 rounded-lg border border-slate-200 bg-slate-50 px-4 py-2.5" data-testid="run-verdict">
          <span className="shrink-0 text-[11px] font-semibold uppercase tracking-wide text-slate-500">Verdict</span>
          <VerdictPill outcome={figures.verdict.outcome} className="shrink-0 px-2.5 py-1 text-sm" />
          <div className="min-w-0 text-[15px] font-medium text-slate-900" data-testid="run-summary">
            {/* A summary can be long (up to 4,000 characters): the start, then "Show all". */}
            <TruncatedText text={figures.verdict.summary || "No summary."} />
          </div>
        </div>
      ) : figures.status === "failed" || figures.status === "cancelled" ? (
        <div
          className={cn("mt-3 rounded-lg border px-3 py-2 text-sm", figures.status === "failed" ? "border-red-200 bg-red-50 text-red-800" : "border-slate-200 bg-slate-50 text-slate-700")}
          data-testid="run-reason"
        >
          {figures.reason ?? run.error ?? (figures.status === "failed" ? "The run failed." : "The run was cancelled.")}
        </div>
      ) : figures.status === "succeeded" ? (
        <div className="mt-3 rounded-lg border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="run-no-verdict">
          Completed without a verdict: the path the run took has no Verdict step.
        </div>
      ) : null}

      <dl className="mt-2 flex flex-wrap items-center gap-x-5 gap-y-1 text-xs text-slate-600">
        <Meta icon={<User className="size-3.5" />} label="Started by">
          <span data-testid="run-started-by">
            {run.parent
              ? // A child run is started for its parent's requester; the parent link beside says how.
                (data.startedByName ?? "The calling run")
              : data.startedByName && run.startedVia
                ? `${data.startedByName}, by ${run.startedVia}`
                : (data.startedByName ?? startedByChannel(run.channel, run.startedVia ?? null))}
          </span>
          <span className="text-slate-400"> · </span>
          <time dateTime={started.toISOString()} title={started.toLocaleString()}>
            {started.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" })}
          </time>
        </Meta>
        {run.parent ? (
          <Meta icon={<Workflow className="size-3.5" />} label="Called by">
            <span data-testid="run-parent">
              Started by run{" "}
              <Link href={`/runs/${run.parent.runId}`} className="font-mono font-medium text-brand-700 hover:underline">
                {run.parent.runId.slice(0, 8)}
              </Link>{" "}
              step <code className="font-mono text-slate-700">{run.parent.nodeId}</code>
            </span>
          </Meta>
        ) : null}
        {run.simulated && run.suiteRunId ? (
          <Meta icon={<FlaskConical className="size-3.5" />} label="Suite run">
            <Link href={`/missions/${run.missionId}/tests/suite/${run.suiteRunId}`} className="font-medium text-brand-700 hover:underline" data-testid="run-suite-link">
              Test suite result
            </Link>
          </Meta>
        ) : null}
        {run.rerunOf ? (
          <Meta icon={<Recycle className="size-3.5" />} label="Re-run of">
            <span data-testid="run-rerun-of">
              Re-run of{" "}
              <Link href={`/runs/${run.rerunOf.runId}`} className="font-mono font-medium text-brand-700 hover:underline">
                {run.rerunOf.runId.slice(0, 8)}
              </Link>{" "}
              from <code className="font-mono text-slate-700">{run.rerunOf.fromNodeId}</code>
            </span>
          </Meta>
        ) : null}
        {run.modelOverrides && Object.keys(run.modelOverrides).length ? (
          <Meta icon={<Cpu className="size-3.5" />} label="Models">
            <span data-testid="run-model-overrides">
              {Object.entries(run.modelOverrides).map(([stepId, modelId], i) => (
                <Fragment key={stepId}>
                  {i > 0 ? "; " : ""}
                  <span data-testid="run-model-override" data-step={stepId}>
                    <code className="font-mono text-slate-700">{stepId}</code>: model <code className="font-mono font-medium text-slate-800">{modelId}</code>, overridden for this run
                  </span>
                </Fragment>
              ))}
            </span>
          </Meta>
        ) : null}
        <Meta icon={<Timer className="size-3.5" />} label="Duration">
          <span data-testid="run-duration" className="tabular-nums">
            {formatDuration(duration)}
          </span>
        </Meta>
        <Meta icon={<Coins className="size-3.5" />} label="Tokens">
          <span data-testid="run-tokens" className="tabular-nums" title={run.tokenBudget !== null ? `${figures.tokens.toLocaleString("en-US")} of the run's budget of ${run.tokenBudget.toLocaleString("en-US")} tokens` : undefined}>
            {formatTokens(figures.tokens)}
            {run.tokenBudget !== null ? ` / ${formatTokens(run.tokenBudget)}` : ""} tokens
          </span>
        </Meta>
        {figures.cost > 0 || run.costBudget !== null ? (
          <Meta icon={<Wallet className="size-3.5" />} label="Cost">
            <span data-testid="run-cost" className="tabular-nums" title={run.costBudget !== null ? `Cost budget: ${formatCost(run.costBudget)} (USD, at the registered model prices)` : "USD, at the registered model prices"}>
              {formatCost(figures.cost)}
              {run.costBudget !== null ? ` / ${formatCost(run.costBudget)}` : ""}
            </span>
          </Meta>
        ) : null}
        {data.trace ? (
          <Meta icon={<Activity className="size-3.5" />} label="Trace">
            <TraceId traceId={data.trace.traceId} url={data.trace.url} />
          </Meta>
        ) : null}
      </dl>

    </header>
  );
}

function Meta({ icon, label, children }: { icon: ReactNode; label: string; children: ReactNode }) {
  return (
    <div className="flex items-center gap-1.5">
      <span className="text-slate-400" aria-hidden>
        {icon}
      </span>
      <dt className="sr-only">{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The run's OpenTelemetry trace id, to copy, and a link to the trace when the app knows the tracing UI. */
function TraceId({ traceId, url }: { traceId: string; url: string | null }) {
  return (
    <span className="inline-flex items-center gap-1" data-testid="run-trace">
      Trace{" "}
      {url ? (
        <a href={url} target="_blank" rel="noreferrer" className="inline-flex items-center gap-0.5 font-mono font-medium text-brand-700 hover:underline" data-testid="run-trace-link" title="Open the trace">
          <span data-testid="run-trace-id">{traceId}</span>
          <ExternalLink className="size-3" aria-hidden />
        </a>
      ) : (
        <code className="font-mono text-slate-700" data-testid="run-trace-id">
          {traceId}
        </code>
      )}
      <button
        type="button"
        className="rounded p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
        aria-label="Copy trace id"
        data-testid="run-trace-copy"
        onClick={() => void navigator.clipboard?.writeText(traceId).then(() => toast.success("Trace id copied"))}
      >
        <Copy className="size-3" aria-hidden />
      </button>
    </span>
  );
}

function ConnectionBadge({ connection, live }: { connection: StreamConnection; live: boolean }) {
  if (!live && connection === "live") return null;
  const look =
    connection === "live"
      ? { dot: "bg-emerald-500", text: "Live", cls: "text-emerald-700" }
      : connection === "failed"
        ? { dot: "bg-red-500", text: "Disconnected", cls: "text-red-700" }
        : { dot: "bg-amber-500 animate-pulse", text: connection === "connecting" ? "Connecting…" : "Reconnecting…", cls: "text-amber-700" };
  return (
    <span className={cn("inline-flex items-center gap-1.5 text-xs font-medium", look.cls)} data-testid="stream-connection" data-state={connection}>
      <span className={cn("size-2 rounded-full", look.dot)} />
      {look.text}
    </span>
  );
}

/** Who started a run that no person started: "the portal", "schedule (firing of …)", "webhook hk_…". */
function startedByChannel(channel: string, via: string | null): string {
  if (channel === "manual") return "Unknown";
  if ((channel === "schedule" || channel === "webhook") && via) return via;
  return `the ${channel}`;
}
