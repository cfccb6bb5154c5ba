"use client";

import "@xyflow/react/dist/style.css";
import "./editor.css";
import { useCallback, useMemo, useState } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { AlertTriangle, Eye, GitCompare, X } from "lucide-react";
import { toast } from "sonner";
import { useTRPC, useTRPCClient } from "@/components/trpc-provider";
import { errorMessage } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { autoLayout } from "./auto-layout";
import { Canvas } from "./canvas";
import { ExportDialog } from "./dialogs/export-dialog";
import { HelpDialog } from "./dialogs/help-dialog";
import { ImportDialog } from "./dialogs/import-dialog";
import { LeaveDialog } from "./dialogs/leave-dialog";
import { SaveDialog } from "./dialogs/save-dialog";
import { StartRunDialog } from "@/components/run/start-run-dialog";
import { EditorHeader } from "./editor-header";
import { ReviewNotice, type AwaitingReview } from "./review-notice";
import { fetchEditorMission, MissionLoadError } from "./editor-mission-source";
import { useAutosave } from "./hooks/use-autosave";
import { useDiffOverlay } from "./hooks/use-diff-overlay";
import { useLeaveGuard } from "./hooks/use-leave-guard";
import { useLiveValidation } from "./hooks/use-live-validation";
import { useShortcuts } from "./hooks/use-shortcuts";
import { CatalogContext, useCatalog } from "./inspector/catalog";
import { useCatalogQuery } from "./inspector/use-catalog-query";
import { Inspector } from "./inspector/inspector";
import { Palette } from "./panels/palette";
import { ProblemsPanel } from "./panels/problems-panel";
import { VersionsPanel } from "./panels/versions-panel";
import { EditorStoreProvider, useEditor, useEditorStoreApi } from "./store/editor-context";
import type { Panel } from "./store/editor-store";

/** The mission page: loads the draft, then hands it to one editor store for its lifetime. */
export function MissionEditor({ missionId, canEdit }: { missionId: string; canEdit: boolean }) {
  const trpc = useTRPC();
  // Under missions.get's key (the run dialog reads the same entry), but read as plain JSON from
  // the request the page preloads.
  const mission = useQuery({
    queryKey: trpc.missions.get.queryKey({ id: missionId }),
    queryFn: ({ signal }) => fetchEditorMission(missionId, signal),
    retry: (count, err) => count < 2 && !(err instanceof MissionLoadError && err.status < 500),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const catalog = useCatalogQuery(canEdit);
  if (mission.isLoading) {
    return (
      <div className="flex h-[calc(100vh-3.5rem)] items-center justify-center text-sm text-slate-500" data-testid="editor-loading">
        Loading mission…
      </div>
    );
  }
  if (mission.error || !mission.data) {
    return (
      <div className="mx-auto max-w-xl px-4 py-16">
        <Card className="p-8 text-center">
          <p className="font-medium text-slate-900">This mission could not be opened.</p>
          <p className="mt-1 text-sm text-slate-600">{mission.error?.message ?? "It does not exist."}</p>
          <Button asChild variant="secondary" className="mt-4">
            <Link href="/missions">Back to missions</Link>
          </Button>
        </Card>
      </div>
    );
  }
  return (
    <EditorStoreProvider init={{ missionId, graph: mission.data.draft, readOnly: !canEdit || mission.data.archivedAt !== null }}>
      <CatalogContext.Provider value={catalog}>
        <ReactFlowProvider>
          <EditorLayout archived={mission.data.archivedAt !== null} />
        </ReactFlowProvider>
      </CatalogContext.Provider>
    </EditorStoreProvider>
  );
}

const TABS: { id: Panel; label: string }[] = [
  { id: "inspect", label: "Inspect" },
  { id: "problems", label: "Problems" },
  { id: "versions", label: "Versions" },
];

function SidePanel() {
  const store = useEditorStoreApi();
  const panel = useEditor((s) => s.panel);
  const problemCount = useEditor((s) => s.problems.length);
  const warningCount = useEditor((s) => s.warnings.length);
  return (
    <aside className="flex w-[340px] shrink-0 flex-col border-l border-slate-200 bg-white" aria-label="Side panel">
      <div role="tablist" className="flex shrink-0 gap-1 border-b border-slate-200 px-2 pt-2">
        {TABS.map((t) => (
          <button
            key={t.id}
            role="tab"
            type="button"
            aria-selected={panel === t.id}
            data-testid={`tab-${t.id}`}
            onClick={() => store.getState().setPanel(t.id)}
            className={cn(
              "-mb-px flex items-center gap-1.5 border-b-2 px-3 py-2 text-sm font-medium",
              panel === t.id ? "border-brand-600 text-brand-700" : "border-transparent text-slate-500 hover:text-slate-800",
            )}
          >
            {t.label}
            {t.id === "problems" ? (
              <span
                data-testid="problem-count"
                className={cn("rounded-full px-1.5 text-[11px] font-semibold", problemCount ? "bg-red-100 text-red-700" : "bg-emerald-100 text-emerald-700")}
              >
                {problemCount}
              </span>
            ) : null}
            {t.id === "problems" && warningCount ? (
              <span data-testid="warning-count" title={`${warningCount} warning${warningCount === 1 ? "" : "s"}`} className="rounded-full bg-amber-100 px-1.5 text-[11px] font-semibold text-amber-800">
                {warningCount}
              </span>
            ) : null}
          </button>
        ))}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {panel === "inspect" ? <Inspector /> : panel === "problems" ? <ProblemsPanel /> : <VersionsPanel />}
      </div>
    </aside>
  );
}

function DiffBanner() {
  const store = useEditorStoreApi();
  const diff = useEditor((s) => s.diff);
  if (!diff) return null;
  const o = diff.overlay;
  const counts = [
    { n: o.added.size, text: "added", dot: "bg-emerald-500" },
    { n: o.changed.size, text: "changed", dot: "bg-amber-500" },
    { n: o.removedNodes.length, text: "removed", dot: "bg-red-500" },
    { n: o.moved.size, text: "moved", dot: "bg-sky-400" },
  ];
  return (
    <div
      className="pointer-events-auto absolute left-1/2 top-3 z-10 flex max-w-[calc(100%-2rem)] -translate-x-1/2 items-center gap-3 whitespace-nowrap rounded-full border border-slate-200 bg-white/95 py-1.5 pl-4 pr-1.5 text-sm shadow-md"
      data-testid="diff-banner"
    >
      <GitCompare className="size-4 shrink-0 text-slate-500" aria-hidden />
      <span className="min-w-0 truncate text-slate-700" title={`Changes since ${diff.label}`}>
        Changes since <span className="font-medium text-slate-900">{diff.label}</span>
      </span>
      <span className="flex items-center gap-2.5 text-xs text-slate-600">
        {counts.every((c) => c.n === 0) ? <span data-testid="diff-none">no differences</span> : null}
        {counts.filter((c) => c.n > 0).map((c) => (
          <span key={c.text} className="flex items-center gap-1" data-testid={`diff-${c.text}`}>
            <span className={cn("size-2 rounded-full", c.dot)} aria-hidden />
            {c.n} {c.text}
          </span>
        ))}
      </span>
      <Button variant="ghost" size="sm" className="h-7 rounded-full px-2 text-xs" onClick={() => store.getState().setDiff(null)} data-testid="diff-clear">
        <X /> Stop comparing
      </Button>
    </div>
  );
}

function EmptyCanvasHint() {
  const empty = useEditor((s) => s.graph.nodes.length === 0);
  const readOnly = useEditor((s) => s.readOnly);
  if (!empty) return null;
  return (
    <div className="pointer-events-none absolute inset-0 flex items-center justify-center">
      <div className="max-w-sm rounded-xl border border-dashed border-slate-300 bg-white/80 px-6 py-5 text-center">
        <p className="font-medium text-slate-900">An empty canvas</p>
        <p className="mt-1 text-sm text-slate-600">
          {readOnly ? "This mission has no steps yet." : "Drag a Trigger from the left to start, then add the steps that follow it."}
        </p>
      </div>
    </div>
  );
}

function EditorLayout({ archived }: { archived: boolean }) {
  const store = useEditorStoreApi();
  const router = useRouter();
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const readOnly = useEditor((s) => s.readOnly);
  const [help, setHelp] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveOpen, setSaveOpen] = useState(false);
  const [awaiting, setAwaiting] = useState<AwaitingReview | null>(null);
  const [exportOpen, setExportOpen] = useState(false);
  const [importOpen, setImportOpen] = useState(false);
  const [runOpen, setRunOpen] = useState(false);
  const [layingOut, setLayingOut] = useState(false);

  // Tool references are checked against the registered tools once they are known.
  const catalog = useCatalog();
  const knownTools = useMemo(() => (catalog.loaded ? catalog.tools.filter((t) => t.enabled).map((t) => t.ref) : undefined), [catalog]);
  useLiveValidation(knownTools);
  useDiffOverlay();
  const { flush } = useAutosave();
  const leave = useLeaveGuard();

  const openSave = useCallback(() => {
    if (!store.getState().readOnly) setSaveOpen(true);
  }, [store]);
  const openHelp = useCallback(() => setHelp(true), []);
  useShortcuts({ onHelp: openHelp, onSave: openSave });

  async function saveVersion(message: string) {
    const s = store.getState();
    const graph = s.graph;
    setSaving(true);
    try {
      const v = await client.missions.saveVersion.mutate({ id: s.missionId, graph, message: message.trim() || undefined });
      store.getState().markSaved(graph);
      void queryClient.invalidateQueries({ queryKey: trpc.missions.versions.queryKey({ id: s.missionId }) });
      void queryClient.invalidateQueries({ queryKey: trpc.missions.get.queryKey({ id: s.missionId }) });
      setSaveOpen(false);
      if (v.unchanged) {
        toast.success(`Nothing changed since v${v.number}${v.review.status === "published" ? "" : ` (it ${v.review.status === "rejected" ? "was rejected" : "awaits review"})`}`);
      } else if (v.review.status === "awaiting_review") {
        // The notice stays until dismissed: runs do not use this version yet, and the person needs to know why.
        setAwaiting({ missionId: s.missionId, number: v.number, changes: v.review.changes, publishedVersion: v.review.publishedVersion });
        toast.info(`Saved v${v.number} — it awaits review by an approver or admin`);
      } else {
        setAwaiting(null);
        toast.success(`Saved v${v.number} and published: runs use it`);
      }
    } catch (e) {
      toast.error(`Could not save: ${errorMessage(e)}`);
    } finally {
      setSaving(false);
    }
  }

  async function layout() {
    const s = store.getState();
    setLayingOut(true);
    try {
      const next = await autoLayout(s.graph, s.measured);
      // The graph may have changed while elk worked; lay out only what is still current.
      if (store.getState().graph === s.graph) {
        store.getState().commit(next);
        store.getState().fitView();
      }
    } catch (e) {
      toast.error(`Auto-layout failed: ${errorMessage(e)}`);
    } finally {
      setLayingOut(false);
    }
  }

  return (
    <div className="flex h-[calc(100vh-3.5rem)] flex-col" data-testid="mission-editor">
      <EditorHeader onSave={openSave} onLayout={() => void layout()} onImport={() => setImportOpen(true)} onExport={() => setExportOpen(true)} onHelp={openHelp} onRun={readOnly ? undefined : () => setRunOpen(true)} layingOut={layingOut} testsHref={`/missions/${store.getState().missionId}/tests`} />
      {readOnly ? (
        <div className="flex items-center gap-2 border-b border-slate-200 bg-slate-100 px-4 py-1.5 text-xs text-slate-700" data-testid="read-only-banner">
          {archived ? <AlertTriangle className="size-3.5" /> : <Eye className="size-3.5" />}
          {archived ? "This mission is archived: restore it from the missions list to edit it." : "You can view this mission. Builders can change it."}
        </div>
      ) : null}
      {awaiting ? <ReviewNotice awaiting={awaiting} onDismiss={() => setAwaiting(null)} /> : null}
      <div className="flex min-h-0 flex-1">
        {readOnly ? null : <Palette />}
        <div className="relative min-w-0 flex-1">
          <Canvas />
          <DiffBanner />
          <EmptyCanvasHint />
        </div>
        <SidePanel />
      </div>
      <HelpDialog open={help} onOpenChange={setHelp} />
      <SaveDialog open={saveOpen} onOpenChange={setSaveOpen} onSave={(m) => void saveVersion(m)} saving={saving} />
      <ExportDialog open={exportOpen} onOpenChange={setExportOpen} />
      <ImportDialog open={importOpen} onOpenChange={setImportOpen} />
      {readOnly ? null : (
        <StartRunDialog
          missionId={store.getState().missionId}
          open={runOpen}
          onOpenChange={setRunOpen}
          note="Runs use the published version: save first to include edits made since (a version that changes governance runs once an approver or admin publishes it)."
        />
      )}
      <LeaveDialog
        href={leave.pendingHref}
        onStay={leave.cancel}
        onLeave={(href) => {
          store.getState().markSaved(store.getState().graph);
          leave.cancel();
          router.push(href);
        }}
        onSaveAndLeave={async (href) => {
          const saved = await flush();
          leave.cancel();
          if (saved) router.push(href);
          else toast.error(`The draft could not be saved: ${store.getState().saveError ?? "unknown error"}`);
        }}
      />
    </div>
  );
}
