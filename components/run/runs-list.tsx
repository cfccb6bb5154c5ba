"use client";

import Link from "next/link";
import { useEffect, useMemo, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ChevronLeft, ChevronRight, Play, PlayCircle, Search, X } from "lucide-react";
import type { RunStatus } from "@/server/db/schema";
import type { RunHistoryInput } from "@/server/observations/history";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { elapsedMs, formatDuration, formatTokens } from "./run-state";
import { StartRunDialog } from "./start-run-dialog";
import { STATUS_TONES, StatusPill, VerdictPill } from "./status-style";
import { useNow } from "./use-now";

const STATUSES: RunStatus[] = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"];
const PAGE_SIZE = 25;
const POLL_MS = 3_000;

interface Filters {
  search: string;
  missionId: string;
  status: string;
  verdict: string;
  startedBy: string;
  from: string;
  to: string;
  /** Simulated runs (test cases) are not production runs: hidden unless asked for. */
  simulated: "" | "include" | "only";
}
const NO_FILTERS: Filters = { search: "", missionId: "", status: "", verdict: "", startedBy: "", from: "", to: "", simulated: "" };

function timeAgo(iso: string, now: number): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** Typing settles before it filters, so each keystroke is not a query. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Run history: newest first, searchable and filterable, a page at a time, statuses kept fresh by polling. */
export function RunsList({ canBuild }: { canBuild: boolean }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [starting, setStarting] = useState(false);
  // Page cursors belong to one filter: a new filter starts again at the first page.
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({ key: "", cursors: [undefined] });
  const search = useDebounced(filters.search, 300);
  const startedBy = useDebounced(filters.startedBy, 300);
  const now = useNow(true, 30_000);

  const input = useMemo((): RunHistoryInput => {
    const q: RunHistoryInput = { limit: PAGE_SIZE };
    if (search.trim()) q.search = search.trim();
    if (startedBy.trim()) q.startedBy = startedBy.trim();
    if (filters.missionId) q.missionId = filters.missionId;
    if (filters.status) q.status = filters.status as RunStatus;
    if (filters.verdict) q.verdict = filters.verdict;
    if (filters.simulated) q.simulated = filters.simulated;
    if (filters.from) q.from = new Date(`${filters.from}T00:00:00`);
    // The "to" day is included: the bound is the start of the next day.
    if (filters.to) q.to = new Date(new Date(`${filters.to}T00:00:00`).getTime() + 86_400_000);
    return q;
  }, [search, startedBy, filters.missionId, filters.status, filters.verdict, filters.from, filters.to, filters.simulated]);

  const key = JSON.stringify(input);
  const cursors = paging.key === key ? paging.cursors : [undefined];
  const setCursors = (f: (c: (string | undefined)[]) => (string | undefined)[]) => setPaging({ key, cursors: f(cursors) });
  const page = cursors.length - 1;
  const cursor = cursors[page];

  const facets = useQuery({ ...trpc.runs.facets.queryOptions(), refetchInterval: 30_000 });
  const list = useQuery({
    ...trpc.runs.list.queryOptions({ ...input, ...(cursor ? { cursor } : {}) }),
    refetchInterval: POLL_MS,
    placeholderData: keepPreviousData,
  });
  const items = list.data?.items ?? [];
  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <>
      <PageHeader
        title="Runs"
        description="Every run of every mission, newest first. Open one to see its graph, its Observations and its verdict; finished runs replay."
        actions={
          canBuild ? (
            <Button onClick={() => setStarting(true)} data-testid="start-run">
              <Play /> Start a run
            </Button>
          ) : null
        }
      />
      {canBuild ? <StartRunDialog open={starting} onOpenChange={setStarting} /> : null}
      <Card className="mb-4 p-3">
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-[minmax(0,2fr)_repeat(3,minmax(0,1fr))]">
          <div className="relative">
            <Search className="pointer-events-none absolute left-2.5 top-2.5 size-4 text-slate-400" aria-hidden />
            <Input
              aria-label="Search runs"
              placeholder="Search run id, mission, input, verdict…"
              value={filters.search}
              onChange={(e) => set({ search: e.target.value })}
              className="pl-8"
              data-testid="runs-search"
            />
          </div>
          <Select aria-label="Mission" value={filters.missionId} onChange={(e) => set({ missionId: e.target.value })} data-testid="runs-filter-mission">
            <option value="">All missions</option>
            {(facets.data?.missions ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </Select>
          <Select aria-label="Status" value={filters.status} onChange={(e) => set({ status: e.target.value })} data-testid="runs-filter-status">
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_TONES[s].label}
              </option>
            ))}
          </Select>
          <Select aria-label="Simulated runs" value={filters.simulated} onChange={(e) => set({ simulated: e.target.value as Filters["simulated"] })} data-testid="runs-filter-simulated">
            <option value="">Production runs</option>
            <option value="include">With simulated runs</option>
            <option value="only">Simulated runs only</option>
          </Select>
          <Select aria-label="Verdict" value={filters.verdict} onChange={(e) => set({ verdict: e.target.value })} data-testid="runs-filter-verdict">
            <option value="">Any verdict</option>
            {(facets.data?.verdicts ?? []).map((v) => (
              <option key={v} value={v}>
                {facets.data && Object.hasOwn(facets.data.verdictLabels, v) ? facets.data.verdictLabels[v] : v}
              </option>
            ))}
          </Select>
        </div>
        <div className="mt-2 flex flex-wrap items-center gap-2 text-sm">
          <Input aria-label="Started by" placeholder="Started by (name or email)" value={filters.startedBy} onChange={(e) => set({ startedBy: e.target.value })} className="w-60" data-testid="runs-filter-started-by" />
          <label className="flex items-center gap-1.5 text-slate-600">
            From
            <Input type="date" aria-label="From date" value={filters.from} onChange={(e) => set({ from: e.target.value })} className="w-40" />
          </label>
          <label className="flex items-center gap-1.5 text-slate-600">
            To
            <Input type="date" aria-label="To date" value={filters.to} onChange={(e) => set({ to: e.target.value })} className="w-40" />
          </label>
          {filtered ? (
            <Button variant="ghost" size="sm" onClick={() => setFilters(NO_FILTERS)}>
              <X /> Clear filters
            </Button>
          ) : null}
          <span className="ml-auto text-xs text-slate-500">{list.isFetching ? "Updating…" : "Updates every few seconds"}</span>
        </div>
      </Card>

      {list.isError ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {list.error.message}
        </p>
      ) : list.data && items.length === 0 ? (
        filtered ? (
          <EmptyState icon={<Search />} title="No runs match these filters">
            Try a wider date range or clear the filters.
          </EmptyState>
        ) : (
          <EmptyState
            icon={<PlayCircle />}
            title="No runs yet"
            action={
              <Button asChild variant="secondary">
                <Link href="/missions">Go to missions</Link>
              </Button>
            }
          >
            <p>
              A run starts when a mission is triggered: {canBuild ? "press " : "a builder presses "}
              <strong>Start a run</strong> here or <strong>Run</strong> in the mission editor, a customer submits its portal form, or a system calls{" "}
              <code className="rounded bg-slate-100 px-1 font-mono text-xs">POST /api/v1/missions/&#123;id&#125;/runs</code>.
            </p>
          </EmptyState>
        )
      ) : (
        <Card className="overflow-hidden">
          <table className="w-full table-fixed text-sm" data-testid="runs-table">
            <thead className="border-b border-slate-200 bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <th className="w-36 px-4 py-2.5">Status</th>
                <th className="px-4 py-2.5">Mission</th>
                <th className="w-[34%] px-4 py-2.5">Verdict</th>
                <th className="w-40 px-4 py-2.5">Started</th>
                <th className="w-28 px-4 py-2.5 text-right">Duration</th>
                <th className="w-24 px-4 py-2.5 text-right">Tokens</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((r) => (
                <tr key={r.id} className="group relative hover:bg-slate-50" data-testid="run-row" data-run={r.id} data-status={r.status}>
                  <td className="px-4 py-3">
                    <StatusPill status={r.status} label={r.status === "waiting" ? "Waiting" : undefined} />
                  </td>
                  <td className="px-4 py-3">
                    <Link href={`/runs/${r.id}`} className="font-medium text-slate-900 after:absolute after:inset-0 group-hover:underline">
                      {r.missionName}
                    </Link>
                    <div className="text-xs text-slate-500">
                      {r.simulated ? (
                        <span className="mr-1 rounded bg-violet-100 px-1.5 py-0.5 font-medium text-violet-800" data-testid="run-row-simulated" title="A simulation of a test case: nothing state-changing was called">
                          Simulated
                        </span>
                      ) : null}
                      v{r.versionNumber} · <code className="font-mono">{r.id.slice(0, 8)}</code>
                      {r.parent ? (
                        <>
                          {" · called by "}
                          {/* Above the row's own link, which covers the row. */}
                          <Link href={`/runs/${r.parent.runId}`} className="relative z-10 text-brand-700 hover:underline" data-testid="run-row-parent" title={`Started by step ${r.parent.nodeId} of run ${r.parent.runId}`}>
                            {r.parent.missionName} <code className="font-mono">{r.parent.runId.slice(0, 8)}</code>
                          </Link>
                        </>
                      ) : r.channel !== "manual" ? (
                        ` · ${r.channel}`
                      ) : (
                        ""
                      )}
                    </div>
                  </td>
                  <td className="px-4 py-3">
                    {r.verdict ? (
                      <div className="flex items-center gap-2">
                        <VerdictPill outcome={r.verdict.outcome} label={r.verdict.label} />
                        <span className="truncate text-slate-700" title={r.verdict.summary}>
                          {r.verdict.summary}
                        </span>
                      </div>
                    ) : r.error ? (
                      <span className="block truncate text-red-700" title={r.error}>
                        {r.error}
                      </span>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                  </td>
                  <td className="px-4 py-3 text-slate-700">
                    <div title={new Date(r.createdAt).toLocaleString()}>{timeAgo(r.createdAt, now)}</div>
                    <div className="truncate text-xs text-slate-500">{r.startedByName ?? (r.parent ? "the calling run" : r.channel === "manual" ? "—" : `via ${r.channel}`)}</div>
                  </td>
                  <td className="px-4 py-3 text-right tabular-nums text-slate-700">{formatDuration(elapsedMs(r.startedAt ?? r.createdAt, r.endedAt, now))}</td>
                  <td className="px-4 py-3 text-right tabular-nums text-slate-700">{formatTokens(r.tokensIn + r.tokensOut)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="flex items-center justify-between border-t border-slate-200 bg-slate-50 px-4 py-2 text-xs text-slate-600">
            <span>
              Page {page + 1}
              {items.length ? ` · ${items.length} runs` : ""}
            </span>
            <div className="flex gap-1">
              <Button variant="secondary" size="sm" disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="runs-prev">
                <ChevronLeft /> Newer
              </Button>
              <Button
                variant="secondary"
                size="sm"
                disabled={!list.data?.nextCursor}
                onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data?.nextCursor ?? undefined])}
                data-testid="runs-next"
              >
                Older <ChevronRight />
              </Button>
            </div>
          </div>
        </Card>
      )}
    </>
  );
}
