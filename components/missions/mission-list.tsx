"use client";

import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Archive, ArchiveRestore, Download, FileUp, Plus, Workflow } from "lucide-react";
import { toast } from "sonner";
import { useTRPC, useTRPCClient } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { CreateMissionDialog } from "./create-mission-dialog";
import { ImportMissionDialog } from "./import-mission-dialog";
import { downloadJson, slugify } from "./download";
import { ScheduleBadge, useSchedules } from "./schedule-badge";

function timeAgo(iso: string): string {
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

export function MissionList({ canBuild }: { canBuild: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [showArchived, setShowArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const list = useQuery(trpc.missions.list.queryOptions({ includeArchived: showArchived }));
  const schedules = useSchedules();
  const archive = useMutation(
    trpc.missions.setArchived.mutationOptions({
      onSuccess: (m) => {
        toast.success(m.archivedAt ? `Archived “${m.name}”` : `Restored “${m.name}”`);
        void queryClient.invalidateQueries({ queryKey: trpc.missions.list.queryKey() });
      },
      onError: (e) => toast.error(e.message),
    }),
  );

  async function exportMission(id: string, name: string) {
    try {
      const graph = await client.missions.export.query({ id });
      downloadJson(`${slugify(name)}.mission.json`, graph);
    } catch (e) {
      toast.error(`Export failed: ${(e as Error).message}`);
    }
  }

  const missions = list.data ?? [];
  return (
    <>
      <PageHeader
        title="Missions"
        description="A mission is a governed automation: a trigger, AI Workers that ground and reason, approval gates, actions on your systems, and a verdict."
        actions={
          canBuild ? (
            <>
              <Button variant="secondary" onClick={() => setImporting(true)} data-testid="import-mission">
                <FileUp /> Import
              </Button>
              <Button onClick={() => setCreating(true)} data-testid="new-mission">
                <Plus /> New mission
              </Button>
            </>
          ) : null
        }
      />
      <div className="mb-3 flex items-center justify-end">
        <label className="flex items-center gap-2 text-sm text-slate-600">
          <input type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} /> Show archived
        </label>
      </div>
      {list.isLoading ? (
        <Card className="p-8 text-center text-sm text-slate-500">Loading missions…</Card>
      ) : list.error ? (
        <Card className="p-8 text-center text-sm text-red-700">Could not load missions: {list.error.message}</Card>
      ) : missions.length === 0 ? (
        <EmptyState
          icon={<Workflow />}
          title="No missions yet"
          action={
            canBuild ? (
              <Button onClick={() => setCreating(true)}>
                <Plus /> Create your first mission
              </Button>
            ) : null
          }
        >
          {canBuild
            ? "Start from the refund adjudication template to see a complete governed flow, or import a mission JSON file."
            : "Builders create missions. Once they do, you will find them here."}
        </EmptyState>
      ) : (
        <Card className="divide-y divide-slate-100" data-testid="mission-list">
          {missions.map((m) => (
            <div key={m.id} className="flex items-center gap-4 px-5 py-4" data-testid="mission-row">
              <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                <Workflow className="size-5" />
              </div>
              <div className="min-w-0 flex-1">
                <Link href={`/missions/${m.id}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                  {m.name}
                </Link>
                <p className="truncate text-sm text-slate-500">{m.description || "No description"}</p>
              </div>
              <div className="hidden shrink-0 items-center gap-2 sm:flex">
                {m.archivedAt ? <Badge tone="amber">Archived</Badge> : null}
                {schedules.get(m.id) ? <ScheduleBadge schedule={schedules.get(m.id)!} canBuild={canBuild} /> : null}
                {m.awaitingReview ? (
                  <Link href={`/missions/${m.id}/review/${m.awaitingReview}`} data-testid="mission-awaiting-review" title="An approver or admin must review it before runs use it">
                    <Badge tone="amber">v{m.awaitingReview} awaits review</Badge>
                  </Link>
                ) : null}
                <Badge tone={m.publishedVersion ? "blue" : "slate"} title={m.publishedVersion ? `Runs use version ${m.publishedVersion}` : undefined} data-testid="mission-version">
                  {m.publishedVersion ? `v${m.publishedVersion}` : m.latestVersion ? "Not published" : "Draft"}
                </Badge>
                <span className="w-20 text-right text-xs text-slate-500">{m.nodeCount} nodes</span>
                <span className="w-24 text-right text-xs text-slate-500">{timeAgo(m.updatedAt)}</span>
              </div>
              <div className="flex shrink-0 items-center gap-1">
                <Button variant="ghost" size="icon" title="Export JSON" aria-label={`Export ${m.name}`} onClick={() => exportMission(m.id, m.name)}>
                  <Download />
                </Button>
                {canBuild ? (
                  <Button
                    variant="ghost"
                    size="icon"
                    title={m.archivedAt ? "Restore" : "Archive"}
                    aria-label={`${m.archivedAt ? "Restore" : "Archive"} ${m.name}`}
                    onClick={() => archive.mutate({ id: m.id, archived: !m.archivedAt })}
                  >
                    {m.archivedAt ? <ArchiveRestore /> : <Archive />}
                  </Button>
                ) : null}
              </div>
            </div>
          ))}
        </Card>
      )}
      <CreateMissionDialog open={creating} onOpenChange={setCreating} />
      <ImportMissionDialog open={importing} onOpenChange={setImporting} />
    </>
  );
}
