"use client";

import Link from "next/link";
import { useState } from "react";
import { AlertCircle, ArrowLeft, Check, Download, FileUp, FlaskConical, HelpCircle, LayoutGrid, Loader2, Pencil, Play, Redo2, Save, Undo2 } from "lucide-react";
import { Badge } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { useEditor, useEditorStoreApi } from "./store/editor-context";

function SaveStatus() {
  const status = useEditor((s) => s.saveStatus);
  const error = useEditor((s) => s.saveError);
  const readOnly = useEditor((s) => s.readOnly);
  if (readOnly) return <Badge tone="slate">Read-only</Badge>;
  const view = {
    saved: { icon: <Check className="size-3.5" />, text: "Saved", className: "text-slate-500" },
    dirty: { icon: <span className="size-1.5 rounded-full bg-amber-500" />, text: "Unsaved changes", className: "text-amber-700" },
    saving: { icon: <Loader2 className="size-3.5 animate-spin" />, text: "Saving…", className: "text-slate-500" },
    error: { icon: <AlertCircle className="size-3.5" />, text: "Not saved", className: "text-red-700" },
  }[status];
  return (
    <span className={cn("inline-flex items-center gap-1.5 text-xs font-medium", view.className)} data-testid="save-status" title={error ?? undefined} role="status">
      {view.icon}
      {view.text}
      {status === "error" && error ? <span className="max-w-64 truncate font-normal">— {error}</span> : null}
    </span>
  );
}

function MissionName() {
  const store = useEditorStoreApi();
  const name = useEditor((s) => s.graph.name);
  const readOnly = useEditor((s) => s.readOnly);
  const [editing, setEditing] = useState<string | null>(null);
  const commit = () => {
    const next = editing?.trim();
    if (next) store.getState().setName(next);
    setEditing(null);
  };
  if (editing !== null) {
    return (
      <input
        autoFocus
        aria-label="Mission name"
        data-testid="mission-name-input"
        value={editing}
        maxLength={200}
        onChange={(e) => setEditing(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
          if (e.key === "Escape") setEditing(null);
        }}
        className="h-8 w-72 rounded-md border border-brand-500 px-2 text-sm font-semibold text-slate-900 outline-none ring-2 ring-brand-100"
      />
    );
  }
  return (
    <button
      type="button"
      disabled={readOnly}
      onClick={() => setEditing(name)}
      data-testid="mission-name"
      title={readOnly ? name : "Rename"}
      className="group flex min-w-0 items-center gap-1.5 rounded-md px-2 py-1 text-left hover:bg-slate-100 disabled:hover:bg-transparent"
    >
      <h1 className="truncate text-sm font-semibold text-slate-900">{name}</h1>
      {readOnly ? null : <Pencil className="size-3.5 shrink-0 text-slate-400 opacity-0 group-hover:opacity-100" aria-hidden />}
    </button>
  );
}

/** Runs start from the latest saved version; a saved version with problems cannot run, so say why up front. */
function RunButton({ onRun }: { onRun: () => void }) {
  const status = useEditor((s) => s.saveStatus);
  const problemCount = useEditor((s) => s.problems.length);
  const blocked = status === "saved" && problemCount > 0;
  return (
    <Button
      size="sm"
      onClick={onRun}
      disabled={blocked}
      data-testid="editor-run"
      className="ml-1"
      title={blocked ? `Fix ${problemCount} problem${problemCount === 1 ? "" : "s"} before running` : "Start a run of the latest saved version"}
    >
      <Play /> Run
    </Button>
  );
}

export function EditorHeader({
  onSave,
  onLayout,
  onImport,
  onExport,
  onHelp,
  onRun,
  layingOut,
  testsHref,
}: {
  onSave: () => void;
  onLayout: () => void;
  onImport: () => void;
  onExport: () => void;
  onHelp: () => void;
  /** Absent for people who may not start runs. */
  onRun: (() => void) | undefined;
  layingOut: boolean;
  /** The mission's test cases page (docs/testing-missions.md). */
  testsHref?: string;
}) {
  const store = useEditorStoreApi();
  const readOnly = useEditor((s) => s.readOnly);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  return (
    <header className="flex h-12 shrink-0 items-center gap-2 border-b border-slate-200 bg-white px-3">
      <Link href="/missions" className="flex items-center gap-1 rounded-md px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900" data-testid="back-to-missions">
        <ArrowLeft className="size-4" /> Missions
      </Link>
      <span className="text-slate-300" aria-hidden>
        /
      </span>
      <MissionName />
      <SaveStatus />
      <div className="ml-auto flex items-center gap-1">
        {readOnly ? null : (
          <>
            <Button variant="ghost" size="icon" title="Undo (Ctrl+Z)" aria-label="Undo" disabled={!canUndo} onClick={() => store.getState().undo()}>
              <Undo2 />
            </Button>
            <Button variant="ghost" size="icon" title="Redo (Ctrl+Shift+Z)" aria-label="Redo" disabled={!canRedo} onClick={() => store.getState().redo()}>
              <Redo2 />
            </Button>
            <Button variant="ghost" size="sm" onClick={onLayout} disabled={layingOut} data-testid="auto-layout" title="Arrange the steps left to right">
              <LayoutGrid /> {layingOut ? "Arranging…" : "Auto-layout"}
            </Button>
            <span className="mx-1 h-5 w-px bg-slate-200" aria-hidden />
            <Button variant="ghost" size="sm" onClick={onImport} data-testid="editor-import">
              <FileUp /> Import
            </Button>
          </>
        )}
        {testsHref ? (
          <Link href={testsHref} className="inline-flex h-8 items-center gap-1.5 rounded-md px-3 text-sm font-medium text-slate-700 hover:bg-slate-100" data-testid="editor-tests" title="This mission's test cases">
            <FlaskConical className="size-4" /> Tests
          </Link>
        ) : null}
        <Button variant="ghost" size="sm" onClick={onExport} data-testid="editor-export">
          <Download /> Export
        </Button>
        <Button variant="ghost" size="icon" onClick={onHelp} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
          <HelpCircle />
        </Button>
        {readOnly ? null : (
          <Button size="sm" variant={onRun ? "secondary" : "primary"} onClick={onSave} data-testid="save-version" className="ml-1">
            <Save /> Save
          </Button>
        )}
        {onRun ? <RunButton onRun={onRun} /> : null}
      </div>
    </header>
  );
}
