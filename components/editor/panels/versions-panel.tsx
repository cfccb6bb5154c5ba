"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { GitCompare, History, RotateCcw, ShieldCheck, Upload } from "lucide-react";
import { toast } from "sonner";
import type { MissionGraph } from "@/lib/mission/schema";
import { useTRPC } from "@/components/trpc-provider";
import { errorMessage } from "@/components/trpc-errors";
import { Badge } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { diffOverlay } from "../hooks/use-diff-overlay";
import { useEditor, useEditorStoreApi } from "../store/editor-context";

function when(iso: string): string {
  const d = new Date(iso);
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return d.toLocaleString();
}

type VersionItem = NonNullable<ReturnType<typeof useVersions>["data"]>[number];

function useVersions(missionId: string) {
  const trpc = useTRPC();
  return useQuery(trpc.missions.versions.queryOptions({ id: missionId }));
}

/** Whether runs use a version, or why not (server/missions/publishing.ts). */
function ReviewBadge({ v }: { v: VersionItem }) {
  if (v.published) return <Badge tone="green" data-testid={`version-status-${v.number}`}>Published · runs use it</Badge>;
  switch (v.review?.status) {
    case "awaiting_review":
      return <Badge tone="amber" data-testid={`version-status-${v.number}`}>Awaits review</Badge>;
    case "rejected":
      return <Badge tone="red" data-testid={`version-status-${v.number}`}>Rejected</Badge>;
    case "published":
      return <Badge tone="slate" data-testid={`version-status-${v.number}`}>Was published</Badge>;
    default:
      return <Badge tone="slate" data-testid={`version-status-${v.number}`}>Not published</Badge>;
  }
}

/**
 * Saved versions, newest first: whether runs use each, compare one with the canvas, restore it
 * into the draft, open its review, or put a version that was published before back into use.
 */
export function VersionsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const store = useEditorStoreApi();
  const missionId = useEditor((s) => s.missionId);
  const readOnly = useEditor((s) => s.readOnly);
  const comparing = useEditor((s) => s.diff?.label ?? null);
  const versions = useVersions(missionId);
  const republish = useMutation(
    trpc.missions.publish.mutationOptions({
      onSuccess: (r) => {
        toast.success(`Runs use version ${r.number} again`);
        void queryClient.invalidateQueries({ queryKey: trpc.missions.versions.queryKey({ id: missionId }) });
      },
      onError: (e) => toast.error(`Could not publish: ${e.message}`),
    }),
  );

  async function load(number: number): Promise<MissionGraph | null> {
    try {
      const v = await queryClient.fetchQuery(trpc.missions.version.queryOptions({ id: missionId, number }));
      return v.graph;
    } catch (e) {
      toast.error(`Could not load v${number}: ${errorMessage(e)}`);
      return null;
    }
  }

  async function compare(number: number) {
    const base = await load(number);
    if (!base) return;
    const s = store.getState();
    s.setDiff({ label: `v${number}`, base, overlay: diffOverlay(base, s.graph) });
  }

  async function restore(number: number) {
    const graph = await load(number);
    if (!graph) return;
    const s = store.getState();
    const before = s.graph;
    // The mission keeps its current name; everything drawn comes back as it was in that version.
    const restored: MissionGraph = { ...graph, name: before.name };
    s.commit(restored, { select: {} });
    s.setDiff({ label: `the draft before restoring v${number}`, base: before, overlay: diffOverlay(before, restored), show: "all" });
    toast.success(`Restored v${number} into the draft. Undo with Ctrl+Z; save to keep it.`);
  }

  if (versions.isLoading) return <p className="px-4 py-6 text-sm text-slate-500">Loading versions…</p>;
  if (versions.error) return <p className="px-4 py-6 text-sm text-red-700">Could not load versions: {versions.error.message}</p>;
  const list = versions.data ?? [];
  if (!list.length) {
    return (
      <div className="flex flex-col items-center gap-2 px-6 py-10 text-center">
        <History className="size-8 text-slate-300" aria-hidden />
        <p className="text-sm font-medium text-slate-900">No versions yet</p>
        <p className="text-xs text-slate-500">Save makes a version: an immutable snapshot runs are pinned to. The draft autosaves in between.</p>
      </div>
    );
  }
  return (
    <ul className="divide-y divide-slate-100" data-testid="versions">
      {list.map((v) => (
        <li key={v.id} className="px-4 py-3" data-testid={`version-${v.number}`}>
          <div className="flex items-center gap-2">
            <Badge tone="blue">v{v.number}</Badge>
            <span className="min-w-0 flex-1 truncate text-sm text-slate-900">{v.message || <span className="text-slate-400">No message</span>}</span>
            {comparing === `v${v.number}` ? <Badge tone="amber">Comparing</Badge> : null}
          </div>
          <p className="mt-1 text-xs text-slate-500">
            {v.authorEmail ?? "unknown"} · <time dateTime={v.createdAt}>{when(v.createdAt)}</time>
          </p>
          <div className="mt-1.5 flex flex-wrap items-center gap-1.5">
            <ReviewBadge v={v} />
            {v.review?.status === "rejected" && v.review.note ? (
              <span className="text-xs text-slate-600" data-testid={`version-rejection-${v.number}`}>
                {v.review.decidedBy ? `${v.review.decidedBy}: ` : ""}“{v.review.note}”
              </span>
            ) : null}
          </div>
          <div className="mt-2 flex gap-1.5">
            <Button variant="secondary" size="sm" className="h-7 px-2 text-xs" onClick={() => void compare(v.number)} data-testid={`compare-${v.number}`}>
              <GitCompare /> Compare
            </Button>
            {readOnly ? null : (
              <Button variant="secondary" size="sm" className="h-7 px-2 text-xs" onClick={() => void restore(v.number)} data-testid={`restore-${v.number}`}>
                <RotateCcw /> Restore
              </Button>
            )}
            {v.review?.status === "awaiting_review" || v.review?.status === "rejected" ? (
              <Button variant="secondary" size="sm" className="h-7 px-2 text-xs" asChild>
                <Link href={`/missions/${missionId}/review/${v.number}`} data-testid={`review-${v.number}`}>
                  <ShieldCheck /> Review
                </Link>
              </Button>
            ) : null}
            {!readOnly && v.review?.status === "published" && !v.published ? (
              <Button
                variant="secondary"
                size="sm"
                className="h-7 px-2 text-xs"
                title="It was reviewed when it was published: put it back into use"
                disabled={republish.isPending}
                onClick={() => republish.mutate({ id: missionId, number: v.number })}
                data-testid={`republish-${v.number}`}
              >
                <Upload /> Use for runs
              </Button>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
