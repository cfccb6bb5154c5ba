"use client";

import { AlertTriangle, CheckCircle2, Info } from "lucide-react";
import type { FieldProblem } from "@/lib/errors";
import { cn } from "@/components/ui/cn";
import { useEditor, useEditorStoreApi } from "../store/editor-context";

/** Strips the `nodes[3].data.` prefix: the node is named beside it already. */
function fieldOf(path: string): string {
  return path.replace(/^nodes\[\d+\]\.?(data\.)?/, "").replace(/^edges\[\d+\]\.?/, "");
}

type Severity = "error" | "warning";

const LOOK: Record<Severity, { icon: typeof AlertTriangle; iconClass: string; badge: string; badgeClass: string; row: string }> = {
  error: { icon: AlertTriangle, iconClass: "text-red-500", badge: "Error", badgeClass: "bg-red-100 text-red-700", row: "" },
  warning: { icon: Info, iconClass: "text-amber-500", badge: "Warning", badgeClass: "bg-amber-100 text-amber-800", row: "bg-amber-50/40" },
};

/**
 * Every problem the validator reports, then its warnings; clicking one selects and shows its step
 * or connection, and puts the cursor in its field. Problems stop a version from running; warnings (a tool no connector offers yet)
 * do not, and look different so nobody mistakes one for the other.
 */
export function ProblemsPanel() {
  const problems = useEditor((s) => s.problems);
  const warnings = useEditor((s) => s.warnings);
  const checked = useEditor((s) => s.validatedGraph !== null);
  if (!checked) return <p className="px-4 py-6 text-sm text-slate-500">Checking…</p>;
  return (
    <div>
      {problems.length ? (
        <>
          <p className="border-b border-slate-100 px-4 py-3 text-xs text-slate-600">
            Drafts with problems are saved, but cannot run. Click a problem to go to it.
          </p>
          <ProblemList items={problems} severity="error" testId="problems" />
        </>
      ) : (
        <div className="flex flex-col items-center gap-2 px-6 py-10 text-center" data-testid="no-problems">
          <CheckCircle2 className="size-8 text-emerald-500" aria-hidden />
          <p className="text-sm font-medium text-slate-900">No problems</p>
          <p className="text-xs text-slate-500">This mission is complete and can run once saved.</p>
        </div>
      )}
      {warnings.length ? (
        <section className="border-t border-slate-200" aria-label="Warnings">
          <p className="px-4 py-3 text-xs text-slate-600">
            {warnings.length === 1 ? "One warning" : `${warnings.length} warnings`}: the mission can run, but a run fails where a warning points unless it is fixed first.
          </p>
          <ProblemList items={warnings} severity="warning" testId="warnings" />
        </section>
      ) : null}
    </div>
  );
}

function ProblemList({ items, severity, testId }: { items: readonly FieldProblem[]; severity: Severity; testId: string }) {
  const store = useEditorStoreApi();
  const look = LOOK[severity];
  const Icon = look.icon;
  return (
    <ul className="divide-y divide-slate-100" data-testid={testId}>
      {items.map((p, i) => {
        const target = p.nodeId ? { nodeId: p.nodeId, path: p.path, message: p.message } : p.edgeId ? { edgeId: p.edgeId } : null;
        const field = fieldOf(p.path);
        const body = (
          <>
            <Icon className={cn("mt-0.5 size-3.5 shrink-0", look.iconClass)} aria-hidden />
            <span className="min-w-0">
              <span className="flex flex-wrap items-center gap-1 text-xs">
                <span className={cn("rounded px-1 text-[10px] font-semibold uppercase tracking-wide", look.badgeClass)}>{look.badge}</span>
                {p.nodeId ? <code className="rounded bg-slate-100 px-1 font-mono text-slate-700">{p.nodeId}</code> : null}
                {!p.nodeId && p.edgeId ? <code className="rounded bg-slate-100 px-1 font-mono text-slate-700">connection {p.edgeId}</code> : null}
                {field ? <span className="font-mono text-slate-500">{field}</span> : null}
              </span>
              <span className="block text-sm text-slate-800">{p.message}</span>
            </span>
          </>
        );
        const rowTestId = severity === "error" ? "problem" : "warning";
        return (
          <li key={i} className={look.row} data-severity={severity}>
            {target ? (
              <button type="button" data-testid={rowTestId} className="flex w-full items-start gap-2 px-4 py-2.5 text-left hover:bg-slate-50" onClick={() => store.getState().focusOn(target)}>
                {body}
              </button>
            ) : (
              <div data-testid={rowTestId} className="flex items-start gap-2 px-4 py-2.5">
                {body}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}
