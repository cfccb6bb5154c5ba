"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { ArrowRight, Workflow } from "lucide-react";
import { useTRPC } from "@/components/trpc-provider";
import { cn } from "@/components/ui/cn";
import { STATUS_TONES, StatusIcon } from "./status-style";

const LIVE = ["queued", "running", "waiting"];

/**
 * The child run a Call mission step started, on its card: the child's own state, read until it
 * has ended (its Observations are its own run's, not this one's), and a link to its page.
 */
export function ChildRunRow({ nodeId, runId }: { nodeId: string; runId: string }) {
  const trpc = useTRPC();
  const child = useQuery({
    ...trpc.runs.get.queryOptions({ runId }),
    // Until the child has ended, whatever this run's view does (its run may end first).
    refetchInterval: (q) => (LIVE.includes(q.state.data?.run.status ?? "queued") ? 2_000 : false),
    refetchOnWindowFocus: false,
  });
  const run = child.data?.run;
  const status = run?.status ?? "queued";
  return (
    <div className="flex items-center gap-1.5 border-t border-slate-100 px-3.5 py-1.5 text-xs text-slate-700" data-testid={`node-child-${nodeId}`} data-child-status={run ? status : undefined}>
      <Workflow className="size-3 shrink-0 text-slate-400" aria-label="Child run" />
      <code className="shrink-0 font-mono" title={run ? `Child run of ${run.missionName}, version ${run.versionNumber}` : "Child run"} data-testid={`node-child-mission-${nodeId}`}>
        {runId.slice(0, 8)}
      </code>
      <span className={cn("inline-flex shrink-0 items-center gap-1 rounded-full px-1.5 py-px text-[10px] font-semibold ring-1 ring-inset", STATUS_TONES[status].pill)}>
        <StatusIcon status={status} className="size-3" />
        {status === "waiting" ? "Waiting" : STATUS_TONES[status].label}
      </span>
      <Link href={`/runs/${runId}`} className="nodrag ml-auto inline-flex shrink-0 items-center gap-0.5 font-medium text-brand-700 hover:underline" onClick={(e) => e.stopPropagation()} data-testid={`node-child-link-${nodeId}`}>
        Open <ArrowRight className="size-3" />
      </Link>
    </div>
  );
}
