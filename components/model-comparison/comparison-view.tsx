"use client";

import Link from "next/link";
import { Fragment, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { CheckCircle2, XCircle } from "lucide-react";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/components/trpc-provider";
import { cn } from "@/components/ui/cn";
import { JsonView } from "@/components/run/json-view";
import { formatCost, formatDuration, formatTokens } from "@/components/run/run-state";
import { StatusPill, VerdictPill } from "@/components/run/status-style";
import { differs, fieldOf, outputFields } from "./differences";
import { MissionBreadcrumb } from "@/components/missions/mission-breadcrumb";

type Comparison = inferRouterOutputs<AppRouter>["modelComparisons"]["get"];
type Row = Comparison["rows"][number];
type Cell = Row["cells"][number];

const POLL_MS = 1_500;

/** A model comparison side by side: one column per model, one table per test case (or the one input). */
export function ComparisonView({ comparisonId }: { comparisonId: string }) {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.modelComparisons.get.queryOptions({ id: comparisonId }), refetchInterval: (query) => (query.state.data?.done ? false : POLL_MS) });
  if (q.isError) {
    return (
      <p role="alert" className="m-6 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
        {q.error.message}
      </p>
    );
  }
  const c = q.data;
  if (!c) return <p className="m-6 text-sm text-slate-500">Loading…</p>;
  const cells = c.rows.flatMap((r) => r.cells);
  const ended = c.totals.reduce((s, t) => s + t.ended, 0);
  return (
    <div className="mx-auto max-w-7xl space-y-5 px-6 py-6" data-testid="model-comparison">
      <MissionBreadcrumb missionId={c.missionId} missionName={c.missionName} testCases />
      <div>
        <h1 className="text-xl font-semibold tracking-tight text-slate-900">Model comparison</h1>
        <p className="text-sm text-slate-500">
          Version {c.versionNumber}, every Worker on each model · started by {c.createdByName ?? "someone no longer here"} on {new Date(c.createdAt).toLocaleString()} ·{" "}
          <span data-testid="comparison-progress" data-done={c.done}>
            {ended} of {cells.length} runs finished
          </span>
        </p>
      </div>

      <section className="overflow-x-auto rounded-lg border border-slate-200 bg-white" data-testid="comparison-totals">
        <table className="w-full text-sm">
          <ModelHeader c={c} first="Totals" />
          <tbody>
            {c.totals.some((t) => t.checked > 0) ? (
              <TotalsRow label="Pass rate" testId="totals-pass-rate" c={c} render={(t) => (t.checked ? `${t.passed} of ${t.checked} (${Math.round((100 * t.passed) / t.checked)}%)` : "—")} />
            ) : null}
            <TotalsRow label="Runs finished" testId="totals-finished" c={c} render={(t) => `${t.ended} of ${t.runs}`} />
            <TotalsRow label="Tokens" testId="totals-tokens" c={c} render={(t) => formatTokens(t.tokens)} />
            <TotalsRow label="Cost" testId="totals-cost" c={c} render={(t) => formatCost(t.cost)} />
            <TotalsRow label="Mean latency" testId="totals-latency" c={c} render={(t) => formatDuration(t.meanLatencyMs)} />
          </tbody>
        </table>
      </section>

      {c.rows.map((row) => (
        <CaseTable key={row.position} c={c} row={row} />
      ))}
    </div>
  );
}

function ModelHeader({ c, first, compact = false }: { c: Comparison; first: string; compact?: boolean }) {
  return (
    <thead className="bg-slate-50 text-left text-xs text-slate-500">
      <tr>
        <th className="w-48 px-3 py-2 font-semibold uppercase tracking-wide">{first}</th>
        {c.models.map((m) => (
          <th key={m.id} className="px-3 py-2 align-top" data-testid={compact ? undefined : "comparison-model"} data-model={m.id}>
            <div className="font-mono text-sm font-semibold text-slate-900">{m.id}</div>
            {compact ? null : (
              <div className="font-normal">
                {m.label !== m.id ? `${m.label} · ` : ""}
                {m.provider ? `${m.provider} (${m.providerKind})` : "no longer registered"}
                {m.priceInPerMtok !== null && m.priceOutPerMtok !== null && (m.priceInPerMtok > 0 || m.priceOutPerMtok > 0)
                  ? ` · $${m.priceInPerMtok} / $${m.priceOutPerMtok} per Mtok`
                  : ""}
              </div>
            )}
          </th>
        ))}
      </tr>
    </thead>
  );
}

function TotalsRow({ label, testId, c, render }: { label: string; testId: string; c: Comparison; render: (t: Comparison["totals"][number]) => string }) {
  return (
    <tr className="border-t border-slate-100" data-testid={testId}>
      <th className="px-3 py-2 text-left text-xs font-medium text-slate-600">{label}</th>
      {c.totals.map((t) => (
        <td key={t.modelId} className="px-3 py-2 tabular-nums text-slate-800" data-model={t.modelId}>
          {render(t)}
        </td>
      ))}
    </tr>
  );
}

function CaseTable({ c, row }: { c: Comparison; row: Row }) {
  const byModel = new Map(row.cells.map((cell) => [cell.modelId, cell]));
  const cells = c.models.map((m) => byModel.get(m.id));
  const hasCase = row.caseId !== null || row.caseName !== null;
  return (
    <section className="space-y-2 rounded-lg border border-slate-200 bg-white p-4" data-testid="comparison-case" data-case={row.caseName ?? "input"}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h2 className="text-sm font-semibold text-slate-900">{hasCase ? `Test case: ${row.caseName ?? "(deleted)"}` : "One input"}</h2>
        <details className="text-xs text-slate-600">
          <summary className="cursor-pointer select-none">Input</summary>
          <JsonView value={row.input} openDepth={1} />
        </details>
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-sm">
          <ModelHeader c={c} first="" compact />
          <tbody>
            <Line label="Run" cells={cells} render={(cell) => (
              <span className="inline-flex items-center gap-2">
                <Link href={`/runs/${cell.runId}`} className="font-mono text-xs text-brand-700 hover:underline">
                  {cell.runId.slice(0, 8)}
                </Link>
                <StatusPill status={cell.status} />
              </span>
            )} />
            <Line
              label="Verdict"
              field="verdict"
              cells={cells}
              differ={differs(cells.map((cell) => cell?.verdict?.outcome ?? null))}
              render={(cell) =>
                cell.verdict ? (
                  <span className="space-y-1">
                    <VerdictPill outcome={cell.verdict.outcome} />
                    <span className="block text-xs text-slate-600">{cell.verdict.summary}</span>
                  </span>
                ) : cell.error ? (
                  <span className="text-xs text-red-700">{cell.error}</span>
                ) : (
                  <span className="text-slate-400">—</span>
                )
              }
            />
            {c.workers.map((w) => {
              const outputs = cells.map((cell) => cell?.workers.find((x) => x.nodeId === w.nodeId)?.output);
              const fields = outputFields(outputs);
              return (
                <Fragment key={w.nodeId}>
                  <tr className="border-t border-slate-200 bg-slate-50/60">
                    <th colSpan={c.models.length + 1} className="px-3 py-1.5 text-left text-xs font-semibold text-slate-700">
                      {w.label} <code className="font-mono font-normal text-slate-500">{w.nodeId}</code>
                      <span className="font-normal text-slate-500"> · its own model: {w.model || "the default model"}</span>
                    </th>
                  </tr>
                  {fields.length === 0 ? (
                    <Line label="output" cells={cells} render={(cell) => workerState(cell, w.nodeId)} />
                  ) : (
                    fields.map((f) => {
                      const values = outputs.map((o) => fieldOf(o, f));
                      return (
                        <Line
                          key={f}
                          label={<code className="font-mono">{f ? `${w.nodeId}.${f}` : w.nodeId}</code>}
                          field={f ? `${w.nodeId}.${f}` : w.nodeId}
                          cells={cells}
                          differ={differs(values)}
                          render={(cell) => {
                            const worker = cell.workers.find((x) => x.nodeId === w.nodeId);
                            return worker?.status === "succeeded" ? <Value value={fieldOf(worker.output, f)} /> : workerState(cell, w.nodeId);
                          }}
                        />
                      );
                    })
                  )}
                  <Line
                    label={<span className="text-slate-500">{w.nodeId} tokens · cost</span>}
                    field={`${w.nodeId}.usage`}
                    cells={cells}
                    render={(cell) => {
                      const worker = cell.workers.find((x) => x.nodeId === w.nodeId);
                      return worker ? <span className="tabular-nums text-xs text-slate-600">{formatTokens(worker.tokensIn + worker.tokensOut)} · {formatCost(worker.cost)}</span> : null;
                    }}
                  />
                </Fragment>
              );
            })}
            <tr className="border-t border-slate-200" />
            <Line label="Tokens" field="tokens" cells={cells} render={(cell) => <span className="tabular-nums">{formatTokens(cell.tokensIn + cell.tokensOut)}</span>} />
            <Line label="Cost" field="cost" cells={cells} render={(cell) => <span className="tabular-nums">{formatCost(cell.cost)}</span>} />
            <Line label="Latency" field="latency" cells={cells} render={(cell) => <span className="tabular-nums">{formatDuration(cell.latencyMs)}</span>} />
            {hasCase ? <Line label="Test case" field="check" cells={cells} render={(cell) => <CheckResult cell={cell} />} /> : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Line({ label, field, cells, render, differ = false }: { label: ReactNode; field?: string; cells: (Cell | undefined)[]; render: (cell: Cell) => ReactNode; differ?: boolean }) {
  return (
    <tr className="border-t border-slate-100 align-top" data-testid="comparison-line" data-field={field} data-differs={differ}>
      <th className="px-3 py-2 text-left text-xs font-medium text-slate-600">{label}</th>
      {cells.map((cell, i) => (
        <td
          key={cell?.modelId ?? i}
          className={cn("px-3 py-2", differ && "bg-amber-50 ring-1 ring-inset ring-amber-200")}
          data-testid="comparison-cell"
          data-model={cell?.modelId}
          title={differ ? "Not the same on every model" : undefined}
        >
          {cell ? render(cell) : <span className="text-slate-400">—</span>}
        </td>
      ))}
    </tr>
  );
}

function Value({ value }: { value: unknown }) {
  if (value === undefined) return <span className="text-slate-400">—</span>;
  if (typeof value === "string") return <span className="line-clamp-4 whitespace-pre-wrap text-slate-800" title={value.length > 200 ? value : undefined}>{value}</span>;
  if (value === null || typeof value !== "object") return <span className="font-mono tabular-nums text-slate-900">{String(value)}</span>;
  return <JsonView value={value} openDepth={0} />;
}

function workerState(cell: Cell, nodeId: string): ReactNode {
  const w = cell.workers.find((x) => x.nodeId === nodeId);
  if (!w) return <span className="text-slate-400">—</span>;
  if (w.error) return <span className="text-xs text-red-700">{w.error}</span>;
  return <StatusPill status={w.status as Parameters<typeof StatusPill>[0]["status"]} />;
}

function CheckResult({ cell }: { cell: Cell }) {
  if (!cell.check) return <span className="text-xs text-slate-400">{["succeeded", "failed", "cancelled"].includes(cell.status) ? "case deleted" : "when the run ends"}</span>;
  const failed = cell.check.results.filter((r) => !r.passed);
  return (
    <span className="space-y-1" data-testid="comparison-check" data-passed={cell.check.passed}>
      {cell.check.passed ? (
        <span className="inline-flex items-center gap-1 text-xs font-medium text-emerald-700">
          <CheckCircle2 className="size-3.5" /> passed
        </span>
      ) : (
        <span className="inline-flex items-center gap-1 text-xs font-medium text-red-700">
          <XCircle className="size-3.5" /> failed
        </span>
      )}
      {failed.map((r) => (
        <span key={r.why} className="block text-xs text-slate-600">
          {r.why}
        </span>
      ))}
    </span>
  );
}
