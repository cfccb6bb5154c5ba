"use client";

import { memo, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import Link from "next/link";
import { ArrowDownToLine, ArrowRight, X } from "lucide-react";
import { STEP_ATTEMPTS } from "@/lib/mission/node-kinds";
import { resolvedCitation, retrievalOf } from "@/lib/knowledge/citations";
import type { MissionGraph } from "@/lib/mission/schema";
import type { ObservationKind } from "@/server/db/schema";
import type { RunObservation } from "./types";
import { CitationView, NotRetrievedBadge } from "@/components/knowledge/citation-view";
import { cn } from "@/components/ui/cn";
import { Select } from "@/components/ui/input";
import { JsonView, TruncatedText } from "./json-view";
import { KIND_META, OBSERVATION_KIND_ORDER, ObservationKindIcon } from "./observation-kinds";
import { CallApproval, EditedArgs } from "./tool-call-view";
import { callOf, record, resultValue } from "./tool-calls";
import { VirtualList, type VirtualListHandle } from "./virtual-list";

const ROW_HEIGHT = 52;

function offset(at: string, start: number | null): string {
  if (start === null) return new Date(at).toLocaleTimeString();
  const ms = Math.max(0, Date.parse(at) - start);
  if (ms < 60_000) return `+${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const m = Math.floor(ms / 60_000);
  return `+${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}s`;
}

/**
 * The Explain rail: every Observation of the run in order (virtualised), filterable by node and
 * kind. Selecting a row selects its node on the canvas; selecting a node scrolls here to its
 * latest row. The selected row's details (arguments, results, clauses, attempts) show below.
 */
export function ExplainRail({
  graph,
  observations,
  total,
  startedAt,
  live,
  loading = false,
  selectedNode,
  selectedId,
  onSelect,
}: {
  graph: MissionGraph;
  /** The rows to show (all of them live; those up to the moment shown when replaying). */
  observations: readonly RunObservation[];
  /** All rows received, for the count. */
  total: number;
  startedAt: string | null;
  live: boolean;
  /** The backlog is still being read. */
  loading?: boolean;
  selectedNode: string | null;
  selectedId: number | null;
  onSelect: (o: RunObservation | null) => void;
}) {
  const [nodeFilter, setNodeFilter] = useState<string>("");
  const [kinds, setKinds] = useState<ReadonlySet<ObservationKind>>(() => new Set(OBSERVATION_KIND_ORDER));
  const [following, setFollowing] = useState(true);
  const list = useRef<VirtualListHandle>(null);
  const labels = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n.data.label || n.id])), [graph]);
  const start = startedAt ? Date.parse(startedAt) : (observations[0] ? Date.parse(observations[0].at) : null);

  const shown = useMemo(() => {
    const all = kinds.size === OBSERVATION_KIND_ORDER.length;
    if (!nodeFilter && all) return observations;
    return observations.filter((o) => (!nodeFilter || o.nodeId === nodeFilter) && kinds.has(o.kind));
  }, [observations, nodeFilter, kinds]);

  const selected = useMemo(() => (selectedId === null ? null : (observations.find((o) => o.id === selectedId) ?? null)), [observations, selectedId]);

  // Bring the selected row into view whenever the selection changes (from here or the canvas).
  useEffect(() => {
    if (selectedId === null) return;
    const index = shown.findIndex((o) => o.id === selectedId);
    if (index >= 0) list.current?.scrollToIndex(index);
  }, [selectedId, shown]);

  const counts = useMemo(() => {
    const c = new Map<ObservationKind, number>();
    for (const o of observations) if (!nodeFilter || o.nodeId === nodeFilter) c.set(o.kind, (c.get(o.kind) ?? 0) + 1);
    return c;
  }, [observations, nodeFilter]);

  function toggleKind(kind: ObservationKind) {
    setKinds((prev) => {
      const next = new Set(prev);
      if (next.has(kind)) next.delete(kind);
      else next.add(kind);
      return next;
    });
  }

  return (
    <aside className="flex h-full min-h-0 flex-col bg-white" data-testid="explain-rail" data-count={shown.length} data-total={total} aria-label="Explain rail">
      <div className="border-b border-slate-200 px-4 pb-3 pt-3">
        <div className="flex items-baseline justify-between gap-2">
          <h2 className="text-sm font-semibold text-slate-900">Explain</h2>
          <span className="text-xs tabular-nums text-slate-500" data-testid="rail-count">
            {shown.length === total ? `${total.toLocaleString()} observations` : `${shown.length.toLocaleString()} of ${total.toLocaleString()}`}
          </span>
        </div>
        <div className="mt-2 flex items-center gap-2">
          <Select aria-label="Filter by node" data-testid="rail-filter-node" value={nodeFilter} onChange={(e) => setNodeFilter(e.target.value)} className="h-8 text-xs">
            <option value="">All nodes</option>
            {graph.nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.data.label || n.id} ({n.id})
              </option>
            ))}
          </Select>
          {nodeFilter || kinds.size !== OBSERVATION_KIND_ORDER.length ? (
            <button
              type="button"
              onClick={() => {
                setNodeFilter("");
                setKinds(new Set(OBSERVATION_KIND_ORDER));
              }}
              className="shrink-0 text-xs font-medium text-brand-700 hover:underline"
            >
              Clear
            </button>
          ) : null}
        </div>
        <div className="mt-2 flex flex-wrap gap-1" role="group" aria-label="Filter by kind">
          {OBSERVATION_KIND_ORDER.map((kind) => {
            const on = kinds.has(kind);
            return (
              <button
                key={kind}
                type="button"
                aria-pressed={on}
                data-testid={`rail-kind-${kind}`}
                onClick={() => toggleKind(kind)}
                onDoubleClick={() => setKinds(new Set([kind]))}
                title="Click to show or hide; double-click to show only this kind"
                className={cn(
                  "inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-[11px] font-medium transition-colors",
                  on ? "border-slate-300 bg-white text-slate-800" : "border-transparent bg-slate-100 text-slate-400 line-through",
                )}
              >
                <ObservationKindIcon kind={kind} className="size-3" />
                {KIND_META[kind].label}
                <span className="tabular-nums text-slate-400">{counts.get(kind) ?? 0}</span>
              </button>
            );
          })}
        </div>
      </div>

      <div className="relative min-h-0 flex-1">
        {shown.length === 0 ? (
          <p className="px-4 py-8 text-center text-sm text-slate-500" data-testid="rail-empty">
            {loading ? "Loading observations…" : total === 0 ? "No observations yet." : "No observations match these filters."}
          </p>
        ) : null}
        <VirtualList
          ref={list}
          items={shown}
          rowHeight={ROW_HEIGHT}
          rowKey={(o) => o.id}
          follow={live}
          onAtEndChange={setFollowing}
          className="h-full"
          data-testid="rail-list"
          aria-label="Observations"
          renderRow={(o) => (
            <ObservationRow
              o={o}
              label={o.nodeId ? (labels.get(o.nodeId) ?? o.nodeId) : "Run"}
              time={offset(o.at, start)}
              selected={o.id === selectedId}
              nodeSelected={!!selectedNode && o.nodeId === selectedNode}
              notRetrieved={o.kind === "citation" && retrievalOf(o, observations).kind === "never"}
              onSelect={onSelect}
            />
          )}
        />
        {live && !following && shown.length ? (
          <button
            type="button"
            onClick={() => list.current?.scrollToEnd()}
            className="absolute bottom-3 left-1/2 inline-flex -translate-x-1/2 items-center gap-1 rounded-full bg-slate-900 px-3 py-1 text-xs font-medium text-white shadow-lg hover:bg-slate-800"
          >
            <ArrowDownToLine className="size-3" /> Latest
          </button>
        ) : null}
      </div>

      {selected ? (
        <ObservationDetail o={selected} all={observations} labels={labels} label={selected.nodeId ? (labels.get(selected.nodeId) ?? selected.nodeId) : "Run"} onClose={() => onSelect(null)} />
      ) : null}
    </aside>
  );
}

/** Memoised: scrolling re-renders only the rows that come into view. */
const ObservationRow = memo(function ObservationRow({
  o,
  label,
  time,
  selected,
  nodeSelected,
  notRetrieved,
  onSelect,
}: {
  o: RunObservation;
  label: string;
  time: string;
  selected: boolean;
  nodeSelected: boolean;
  /** A citation of a chunk no knowledge search of the run returned. */
  notRetrieved: boolean;
  onSelect: (o: RunObservation | null) => void;
}) {
  const meta = KIND_META[o.kind];
  const data = record(o.data);
  const title = o.kind === "tool_call" || o.kind === "tool_result" ? String(data.tool ?? o.text) : meta.label;
  const line = o.kind === "tool_call" ? JSON.stringify(data.args ?? {}) : o.text;
  return (
    <button
      type="button"
      onClick={() => onSelect(selected ? null : o)}
      data-testid="obs-row"
      data-id={o.id}
      data-kind={o.kind}
      data-node={o.nodeId ?? ""}
      data-not-retrieved={notRetrieved || undefined}
      aria-current={selected || undefined}
      className={cn(
        "flex h-full w-full items-start gap-2.5 border-b border-slate-100 px-4 py-2 text-left transition-colors",
        selected ? "bg-brand-50 ring-1 ring-inset ring-brand-300" : nodeSelected ? "bg-slate-50" : "hover:bg-slate-50",
      )}
    >
      <span className={cn("mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-md", meta.tile)}>
        <ObservationKindIcon kind={o.kind} />
      </span>
      <span className="min-w-0 flex-1">
        <span className="flex items-center gap-1.5 text-[11px] text-slate-500">
          <span className={cn("truncate font-medium", o.kind === "error" ? "text-red-700" : "text-slate-700")}>{title}</span>
          <span aria-hidden>·</span>
          <span className="truncate">{label}</span>
          {o.attempt > 0 ? (
            <span className="rounded bg-slate-100 px-1 text-[10px] font-medium text-slate-600" data-testid="obs-attempt">
              attempt {o.attempt + 1} of {STEP_ATTEMPTS}
            </span>
          ) : null}
          {notRetrieved ? <NotRetrievedBadge /> : null}
          <span className="ml-auto shrink-0 font-mono tabular-nums text-slate-400">{time}</span>
        </span>
        <span className={cn("block truncate text-xs", o.kind === "error" ? "text-red-700" : o.kind === "tool_call" ? "font-mono text-slate-700" : "text-slate-800")}>{line || "—"}</span>
      </span>
    </button>
  );
});

function ObservationDetail({
  o,
  all,
  labels,
  label,
  onClose,
}: {
  o: RunObservation;
  all: readonly RunObservation[];
  labels: ReadonlyMap<string, string>;
  label: string;
  onClose: () => void;
}) {
  const data = record(o.data);
  const meta = KIND_META[o.kind];
  return (
    <section className="max-h-[45%] min-h-40 overflow-y-auto border-t-2 border-slate-200 bg-white px-4 py-3" data-testid="obs-detail" data-id={o.id}>
      <div className="mb-2 flex items-center gap-2">
        <span className={cn("flex size-6 items-center justify-center rounded-md", meta.tile)}>
          <ObservationKindIcon kind={o.kind} />
        </span>
        <div className="min-w-0 flex-1 leading-tight">
          <div className="text-sm font-semibold text-slate-900">{meta.label}</div>
          <div className="truncate text-[11px] text-slate-500">
            {label} · {new Date(o.at).toLocaleTimeString(undefined, { hour12: false })}.{String(new Date(o.at).getMilliseconds()).padStart(3, "0")} · #{o.id}
            {o.attempt > 0 ? ` · attempt ${o.attempt + 1} of ${STEP_ATTEMPTS}` : ""}
          </div>
        </div>
        <button type="button" onClick={onClose} className="rounded p-1 text-slate-500 hover:bg-slate-100" aria-label="Close details">
          <X className="size-4" />
        </button>
      </div>
      <DetailBody o={o} data={data} all={all} labels={labels} />
    </section>
  );
}

function DetailBody({ o, data, all, labels }: { o: RunObservation; data: Record<string, unknown>; all: readonly RunObservation[]; labels: ReadonlyMap<string, string> }) {
  switch (o.kind) {
    case "tool_call": {
      const answer = all.find((r) => r.kind === "tool_result" && r.id > o.id && callOf(r, all)?.id === o.id);
      return (
        <div className="space-y-2">
          <Field name="Tool">
            <span className="flex flex-wrap items-center gap-2">
              <code className="font-mono text-xs">{String(data.tool ?? o.text)}</code>
              <CallApproval data={data} />
            </span>
          </Field>
          <Field name="Arguments">
            <EditedArgs data={data} />
            <JsonView value={data.args ?? {}} testId="tool-args" />
          </Field>
          {answer ? (
            <Field name="Result">
              <JsonView value={resultValue(answer)} openDepth={1} />
            </Field>
          ) : null}
        </div>
      );
    }
    case "tool_result": {
      const call = callOf(o, all);
      return (
        <div className="space-y-2">
          <Field name="Tool">
            <span className="flex flex-wrap items-center gap-2">
              <code className="font-mono text-xs">{String(data.tool ?? "")}</code>
              {data.isError ? <span className="rounded bg-red-100 px-1.5 py-0.5 text-[10px] font-semibold text-red-700">error</span> : null}
              {call ? <CallApproval data={record(call.data)} /> : null}
            </span>
          </Field>
          {call ? (
            <Field name="Arguments">
              <EditedArgs data={record(call.data)} />
              <JsonView value={record(call.data).args ?? {}} openDepth={1} />
            </Field>
          ) : null}
          <Field name="Result">
            <JsonView value={resultValue(o)} openDepth={1} testId="tool-result" />
          </Field>
        </div>
      );
    }
    case "citation": {
      const { chunk, retrieval } = resolvedCitation(o, all);
      const by = retrieval.kind === "upstream" && retrieval.nodeId ? (labels.get(retrieval.nodeId) ?? retrieval.nodeId) : undefined;
      return <CitationView chunk={chunk} retrieval={retrieval} retrievedBy={by} />;
    }
    case "decision":
      return (
        <div className="space-y-2">
          <TruncatedText text={o.text} className="text-sm text-slate-800" />
          {typeof data.decisionId === "string" ? (
            <Link href={`/decisions/${data.decisionId}`} className="inline-flex items-center gap-1 text-sm font-medium text-brand-700 hover:underline">
              Open the decision <ArrowRight className="size-3.5" />
            </Link>
          ) : null}
          <JsonView value={data} openDepth={1} />
        </div>
      );
    case "error": {
      const attempts = all.filter((e) => e.kind === "error" && e.nodeId === o.nodeId);
      return (
        <div className="space-y-2">
          <p className="text-xs font-medium text-slate-600">
            {attempts.length === 1 ? "One failed attempt" : `${attempts.length} failed attempts`} on this node
          </p>
          <ol className="space-y-1.5" data-testid="error-attempts">
            {attempts.map((e) => {
              const d = record(e.data);
              return (
                <li key={e.id} className={cn("rounded-md border px-3 py-2 text-xs", e.id === o.id ? "border-red-300 bg-red-50" : "border-slate-200 bg-white")}>
                  <div className="mb-0.5 flex items-center gap-2 font-medium text-slate-700">
                    Attempt {e.attempt + 1} of {STEP_ATTEMPTS}
                    {typeof d.code === "string" ? <code className="font-mono text-[11px] text-slate-500">{d.code}</code> : null}
                    <span className="text-[11px] text-slate-500">· {d.retriable === true ? "will retry" : "not retried"}</span>
                    <span className="ml-auto font-mono text-[11px] text-slate-400">{new Date(e.at).toLocaleTimeString(undefined, { hour12: false })}</span>
                  </div>
                  <p className="whitespace-pre-wrap break-words text-red-800">{e.text}</p>
                </li>
              );
            })}
          </ol>
        </div>
      );
    }
    case "usage":
      return (
        <dl className="grid grid-cols-3 gap-2 text-xs">
          <Metric name="Model" value={String(data.modelId ?? "—")} />
          <Metric name="Tokens in / out" value={`${o.tokensIn} / ${o.tokensOut}`} />
          <Metric name="Cost" value={typeof data.cost === "number" ? `$${data.cost.toFixed(4)}` : "—"} />
        </dl>
      );
    default:
      return (
        <div className="space-y-2">
          <TruncatedText text={o.text || "—"} className="text-sm leading-relaxed text-slate-800" chars={2_000} />
          {o.kind === "status" && o.data ? <JsonView value={o.data} openDepth={1} /> : null}
        </div>
      );
  }
}

function Field({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div>
      <div className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">{name}</div>
      {children}
    </div>
  );
}

function Metric({ name, value }: { name: string; value: string }) {
  return (
    <div className="rounded-md border border-slate-200 px-2 py-1.5">
      <dt className="text-[10px] uppercase tracking-wide text-slate-500">{name}</dt>
      <dd className="truncate font-medium text-slate-800">{value}</dd>
    </div>
  );
}
