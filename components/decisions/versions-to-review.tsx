"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { ArrowRight, ShieldCheck } from "lucide-react";
import { useTRPC } from "@/components/trpc-provider";
import { useNow } from "@/components/run/use-now";
import { ago } from "./format";

const POLL_MS = 15_000;
const SHOWN_CHANGES = 3;

/**
 * Mission versions that change governance and wait for an approver or admin to publish them
 * (server/missions/publishing.ts). Shows nothing when none wait.
 */
export function VersionsToReview() {
  const trpc = useTRPC();
  const now = useNow(true, 30_000);
  const reviews = useQuery({ ...trpc.missions.listReviews.queryOptions({}), refetchInterval: POLL_MS });
  const items = reviews.data ?? [];
  if (!items.length) return null;
  return (
    <section className="mb-6" aria-labelledby="versions-to-review" data-testid="versions-to-review">
      <h2 id="versions-to-review" className="mb-2 flex items-center gap-2 text-sm font-semibold text-slate-900">
        <ShieldCheck className="size-4 text-violet-600" aria-hidden /> Versions to review
        <span className="rounded-full bg-violet-100 px-1.5 text-xs font-semibold text-violet-700">{items.length}</span>
      </h2>
      <ul className="space-y-2">
        {items.map((r) => (
          <li key={r.versionId}>
            <Link
              href={`/missions/${r.missionId}/review/${r.number}`}
              data-testid="version-review-row"
              data-mission={r.missionId}
              data-version={r.number}
              className="group flex items-center gap-4 rounded-lg border border-l-4 border-slate-200 border-l-violet-400 bg-white px-4 py-3 shadow-sm transition hover:border-brand-300 hover:shadow"
            >
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-baseline gap-2">
                  <span className="text-[15px] font-semibold text-slate-900">
                    {r.missionName} · version {r.number}
                  </span>
                  <span className="text-xs text-slate-500">
                    {r.publishedVersion ? `runs use version ${r.publishedVersion} until it is published` : "nothing runs until it is published"}
                  </span>
                </div>
                <ul className="mt-1 space-y-0.5 text-xs text-slate-700">
                  {r.changes.slice(0, SHOWN_CHANGES).map((c, i) => (
                    <li key={i} className="truncate">
                      {c}
                    </li>
                  ))}
                  {r.changes.length > SHOWN_CHANGES ? <li className="text-slate-500">and {r.changes.length - SHOWN_CHANGES} more</li> : null}
                </ul>
              </div>
              <div className="hidden shrink-0 text-right text-xs text-slate-500 sm:block">
                <div>{r.requestedByName ?? r.requestedByEmail ?? "the system"}</div>
                <div>asked {ago(r.requestedAt, now)}</div>
              </div>
              <span className="hidden shrink-0 items-center gap-1 rounded-md bg-violet-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm group-hover:bg-violet-700 md:inline-flex">
                Review <ArrowRight className="size-4" />
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
