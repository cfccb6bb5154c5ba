"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { GitCompare, History, RotateCcw } from "lucide-react";
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

/** Saved versions, newest first: compare one with the canvas, or restore it into the draft. */
export function VersionsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const store = useEditorStoreApi();
  const missionId = useEditor((s) => s.missionId);
  const readOnly = useEditor((s) => s.readOnly);
  const comparing = useEditor((s) => s.diff?.label ?? null);
  const versions = useQuery(trpc.missions.versions.queryOptions({ id: missionId }));

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
    s.setDiff({ label: `the draft before restoring v${number}`, base: before, overlay: diffOverlay(before, restored) });
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
          <div className="mt-2 flex gap-1.5">
            <Button variant="secondary" size="sm" className="h-7 px-2 text-xs" onClick={() => void compare(v.number)} data-testid={`compare-${v.number}`}>
              <GitCompare /> Compare
            </Button>
            {readOnly ? null : (
              <Button variant="secondary" size="sm" className="h-7 px-2 text-xs" onClick={() => void restore(v.number)} data-testid={`restore-${v.number}`}>
                <RotateCcw /> Restore
              </Button>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
