"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ArrowRight, Bot, Inbox, Lock, Stamp, Users, Wrench } from "lucide-react";
import type { ListDecisionsQuery } from "@/server/decisions/inbox";
import { approvalProgress } from "@/lib/decisions/rules";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { Select } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";
import { useNow } from "@/components/run/use-now";
import { DecisionStatusPill } from "./decision-status";
import { ago, dueIn, shortId } from "./format";
import { useDecisionsTrpc, type DecisionListItemData as DecisionListItem } from "./trpc";
import { VersionsToReview } from "./versions-to-review";

const POLL_MS = 5_000;
type StatusFilter = "pending" | "decided" | "all";

/** The Decision Queue: one inbox across all runs, soonest due first, kept fresh by polling. */
export function DecisionInbox({ canDecide }: { canDecide: boolean }) {
  const trpc = useDecisionsTrpc();
  const [status, setStatus] = useState<StatusFilter>("pending");
  const [missionId, setMissionId] = useState("");
  const [kind, setKind] = useState("");
  const [scope, setScope] = useState<"mine" | "all">(canDecide ? "mine" : "all");
  const now = useNow(true, 15_000);

  const input = useMemo((): ListDecisionsQuery => {
    const q: ListDecisionsQuery = { status, scope, limit: 100 };
    if (missionId) q.missionId = missionId;
    if (kind === "approval" || kind === "tool") q.kind = kind;
    return q;
  }, [status, scope, missionId, kind]);
  const list = useQuery({ ...trpc.decisions.list.queryOptions(input), refetchInterval: POLL_MS, placeholderData: keepPreviousData });
  const items = list.data?.items ?? [];
  const filtered = missionId !== "" || kind !== "";

  return (
    <>
      <PageHeader
        title="Decisions"
        description={
          canDecide
            ? "Everything waiting for your decision, across all runs, soonest due first. Open one to see the reasoning behind it, adjust the values and decide."
            : "Decisions Steward's missions asked for. You can read them; approvers decide them."
        }
      />
      {canDecide ? <VersionsToReview /> : null}
      <Card className="mb-4 flex flex-wrap items-center gap-2 p-3">
        <div className="flex rounded-md border border-slate-200 bg-slate-50 p-0.5" role="tablist" aria-label="Status">
          {(["pending", "decided", "all"] as const).map((s) => (
            <button
              key={s}
              type="button"
              role="tab"
              aria-selected={status === s}
              onClick={() => setStatus(s)}
              data-testid={`decisions-tab-${s}`}
              className={cn(
                "rounded px-3 py-1 text-sm font-medium capitalize transition-colors",
                status === s ? "bg-white text-slate-900 shadow-sm ring-1 ring-slate-200" : "text-slate-600 hover:text-slate-900",
              )}
            >
              {s === "pending" ? "Waiting" : s}
              {s === "pending" && list.data ? <span className="ml-1.5 tabular-nums text-slate-400">{list.data.pendingForMe}</span> : null}
            </button>
          ))}
        </div>
        <Select aria-label="Mission" value={missionId} onChange={(e) => setMissionId(e.target.value)} className="w-56" data-testid="decisions-filter-mission">
          <option value="">All missions</option>
          {(list.data?.missions ?? []).map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </Select>
        <Select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value)} className="w-60" data-testid="decisions-filter-kind">
          <option value="">Approvals and tool calls</option>
          <option value="approval">Approval steps</option>
          <option value="tool">Tool calls</option>
        </Select>
        {canDecide ? (
          <Select aria-label="Whose" value={scope} onChange={(e) => setScope(e.target.value as "mine" | "all")} className="ml-auto w-52" data-testid="decisions-filter-scope">
            <option value="mine">For my roles</option>
            <option value="all">Everyone&apos;s</option>
          </Select>
        ) : null}
      </Card>

      {list.isError ? (
        <EmptyState icon={<Inbox />} title="Could not load decisions">
          {list.error.message}
        </EmptyState>
      ) : !list.data ? (
        <div className="space-y-2" aria-busy>
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-[84px] animate-pulse rounded-lg border border-slate-200 bg-white" />
          ))}
        </div>
      ) : items.length === 0 ? (
        <EmptyState icon={<Inbox />} title={status === "pending" && !filtered ? "Nothing is waiting for you" : "No decisions match"}>
          {status === "pending" && !filtered
            ? "When a mission needs a human — an approval step, or a tool call that changes something — it appears here, and in the badge beside Decisions."
            : "Try another mission, kind or status."}
        </EmptyState>
      ) : (
        <ul className="space-y-2" data-testid="decision-list">
          {items.map((d) => (
            <DecisionRow key={d.id} d={d} now={now} />
          ))}
        </ul>
      )}
    </>
  );
}

export function AskerIcon({ kind, className }: { kind: DecisionListItem["asker"]["kind"]; className?: string }) {
  const props = { className: cn("size-4", className), "aria-hidden": true };
  if (kind === "worker") return <Bot {...props} />;
  if (kind === "action") return <Wrench {...props} />;
  return <Stamp {...props} />;
}

/** Who asks, as a tinted square: an approval step, a Worker, or an action. `className` sizes it. */
export function AskerBadge({ kind, className }: { kind: DecisionListItem["asker"]["kind"]; className: string }) {
  return (
    <span
      className={cn(
        "flex shrink-0 items-center justify-center",
        kind === "approval" ? "bg-violet-100 text-violet-700" : kind === "worker" ? "bg-sky-100 text-sky-700" : "bg-amber-100 text-amber-800",
        className,
      )}
    >
      <AskerIcon kind={kind} className="size-5" />
    </span>
  );
}

function DecisionRow({ d, now }: { d: DecisionListItem; now: number }) {
  const due = d.status === "pending" ? dueIn(d.dueAt, now) : null;
  const pending = d.status === "pending";
  return (
    <li>
      <Link
        href={`/decisions/${d.id}`}
        data-testid="decision-row"
        data-decision={d.id}
        data-status={d.status}
        className={cn(
          "group flex items-center gap-4 rounded-lg border bg-white px-4 py-3 shadow-sm transition hover:border-brand-300 hover:shadow",
          pending && d.canDecide ? "border-l-4 border-slate-200 border-l-amber-400" : "border-slate-200",
        )}
      >
        <AskerBadge kind={d.asker.kind} className="size-10 rounded-lg" />
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="truncate text-[15px] font-semibold text-slate-900" data-testid="decision-summary">
              {d.summary}
            </span>
            {!pending ? <DecisionStatusPill status={d.status} /> : null}
          </div>
          <div className="mt-0.5 flex flex-wrap items-center gap-x-1.5 text-xs text-slate-500">
            <span className="font-medium text-slate-700">{d.missionName}</span>
            <span aria-hidden>·</span>
            <span>
              run <code className="font-mono">{shortId(d.runId)}</code>
            </span>
            <span aria-hidden>·</span>
            <span>{d.asker.text}</span>
          </div>
          {d.blocked && pending && d.blocked.code !== "role" ? (
            <div className="mt-1.5 inline-flex items-center gap-1.5 rounded-md bg-slate-100 px-2 py-0.5 text-xs text-slate-700" data-testid="decision-blocked">
              {d.blocked.code === "already_voted" ? <Users className="size-3.5" /> : <Lock className="size-3.5" />}
              {d.blocked.code === "separation_of_duties" ? "Separation of duties: another approver must decide" : d.blocked.code === "already_voted" ? "You approved; waiting for another approver" : d.blocked.message}
            </div>
          ) : null}
          {!pending && d.decidedBy ? (
            <div className="mt-1 text-xs text-slate-600">
              {d.status === "cancelled" ? "Cancelled" : `${d.status[0]?.toUpperCase()}${d.status.slice(1)} by ${d.decidedBy.name}`}
              {d.decidedAt ? ` · ${ago(d.decidedAt, now)}` : ""}
              {d.reason ? <span className="text-slate-500"> — “{d.reason}”</span> : null}
            </div>
          ) : null}
        </div>
        <div className="hidden shrink-0 flex-col items-end gap-1 text-right text-xs sm:flex">
          {d.requiredApprovals > 1 ? (
            <span className="inline-flex items-center gap-1.5 font-medium text-slate-700" data-testid="decision-progress">
              <span className="flex gap-0.5" aria-hidden>
                {Array.from({ length: d.requiredApprovals }, (_, i) => (
                  <span key={i} className={cn("h-1.5 w-4 rounded-full", i < d.approvals ? "bg-emerald-500" : "bg-slate-200")} />
                ))}
              </span>
              {approvalProgress(d.approvals, d.requiredApprovals)}
            </span>
          ) : null}
          {due ? <span className={cn("font-medium", due.overdue ? "text-red-600" : due.soon ? "text-amber-700" : "text-slate-700")}>{due.text}</span> : null}
          <span className="text-slate-500">asked {ago(d.createdAt, now)}</span>
        </div>
        {pending && d.canDecide ? (
          <span className="hidden shrink-0 items-center gap-1 rounded-md bg-brand-600 px-3 py-1.5 text-sm font-medium text-white shadow-sm group-hover:bg-brand-700 md:inline-flex">
            Decide <ArrowRight className="size-4" />
          </span>
        ) : (
          <ArrowRight className="size-4 shrink-0 text-slate-400 group-hover:text-slate-700" aria-hidden />
        )}
      </Link>
    </li>
  );
}
