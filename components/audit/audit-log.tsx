"use client";

import { useEffect, useState } from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Download, ScrollText, ShieldCheck } from "lucide-react";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { AuditFilters } from "./audit-filters";
import { AuditTable } from "./audit-table";
import { VerifyResult } from "./verify-result";
import { EMPTY_FILTERS, exportUrl, hasFilters, toQuery, type AuditFilterState } from "./filters";

const PAGE_SIZE = 50;

/** Typing in a filter should not fire a query per keystroke. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function AuditLog() {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<AuditFilterState>(EMPTY_FILTERS);
  const applied = useDebounced(filters, 250);
  const query = toQuery(applied);

  const list = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions({ ...query, limit: PAGE_SIZE }, { getNextPageParam: (last) => last.nextCursor ?? undefined, staleTime: 0 }),
  );
  const facets = useQuery(trpc.audit.facets.queryOptions());
  const verify = useQuery({ ...trpc.audit.verify.queryOptions(), enabled: false, staleTime: 0, gcTime: 0 });

  const entries = list.data?.pages.flatMap((p) => p.entries) ?? [];
  const filtered = hasFilters(applied);

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every security- and governance-relevant act, newest first. Entries are append-only and hash-chained: changing or removing one breaks the chain, and verifying names the first entry that no longer fits."
        actions={
          <>
            <Button variant="secondary" onClick={() => void verify.refetch()} disabled={verify.isFetching} data-testid="verify-chain">
              <ShieldCheck /> {verify.isFetching ? "Verifying…" : "Verify chain"}
            </Button>
            <Button asChild variant="secondary">
              <a href={exportUrl(filters)} download data-testid="export-jsonl">
                <Download /> Export JSON Lines
              </a>
            </Button>
          </>
        }
      />
      {verify.data || verify.error ? <VerifyResult result={verify.data} error={verify.error?.message ?? null} /> : null}
      <AuditFilters value={filters} onChange={setFilters} actions={facets.data?.actions ?? []} targetTypes={facets.data?.targetTypes ?? []} />
      {list.isLoading ? (
        <Card className="p-8 text-center text-sm text-slate-500">Loading the audit log…</Card>
      ) : list.error ? (
        <Card className="p-8 text-center text-sm text-red-700" role="alert">
          Could not load the audit log: {list.error.message}
        </Card>
      ) : entries.length === 0 ? (
        filtered ? (
          <EmptyState
            icon={<ScrollText />}
            title="No entries match these filters"
            action={
              <Button variant="secondary" onClick={() => setFilters(EMPTY_FILTERS)}>
                Clear filters
              </Button>
            }
          >
            Try a wider date range or another action.
          </EmptyState>
        ) : (
          <EmptyState icon={<ScrollText />} title="Nothing recorded yet">
            Steward records sign-ins, users and role changes, API keys, connector and model changes (including loosened tool policies),
            saved and imported mission versions, runs started and cancelled, decisions opened and decided with their before and after values,
            and every run&apos;s verdict. They appear here as they happen.
          </EmptyState>
        )
      ) : (
        <>
          <AuditTable entries={entries} />
          <div className="mt-4 flex items-center justify-between text-sm text-slate-500">
            <span data-testid="audit-count">
              Showing {entries.length} {entries.length === 1 ? "entry" : "entries"}
              {list.hasNextPage ? "" : filtered ? " (all that match)" : " (all)"}
            </span>
            {list.hasNextPage ? (
              <Button variant="secondary" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage} data-testid="load-more">
                {list.isFetchingNextPage ? "Loading…" : "Load more"}
              </Button>
            ) : null}
          </div>
        </>
      )}
    </>
  );
}
