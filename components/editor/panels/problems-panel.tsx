"use client";

import { AlertTriangle, CheckCircle2 } from "lucide-react";
import { useEditor, useEditorStoreApi } from "../store/editor-context";

/** Strips the `nodes[3].data.` prefix: the node is named beside it already. */
function fieldOf(path: string): string {
  return path.replace(/^nodes\[\d+\]\.?(data\.)?/, "").replace(/^edges\[\d+\]\.?/, "");
}

/** Every problem the validator reports; clicking one selects and shows its step or connection, and puts the cursor in its field. */
export function ProblemsPanel() {
  const store = useEditorStoreApi();
  const problems = useEditor((s) => s.problems);
  const checked = useEditor((s) => s.validatedGraph !== null);
  if (!checked) return <p className="px-4 py-6 text-sm text-slate-500">Checking…</p>;
  if (!problems.length) {
    return (
      <div className="flex flex-col items-center gap-2 px-6 py-10 text-center" data-testid="no-problems">
        <CheckCircle2 className="size-8 text-emerald-500" aria-hidden />
        <p className="text-sm font-medium text-slate-900">No problems</p>
        <p className="text-xs text-slate-500">This mission is complete and can run once saved.</p>
      </div>
    );
  }
  return (
    <div>
      <p className="border-b border-slate-100 px-4 py-3 text-xs text-slate-600">
        Drafts with problems are saved, but cannot run. Click a problem to go to it.
      </p>
      <ul className="divide-y divide-slate-100" data-testid="problems">
        {problems.map((p, i) => {
          const target = p.nodeId ? { nodeId: p.nodeId, path: p.path, message: p.message } : p.edgeId ? { edgeId: p.edgeId } : null;
          const field = fieldOf(p.path);
          const body = (
            <>
              <AlertTriangle className="mt-0.5 size-3.5 shrink-0 text-red-500" aria-hidden />
              <span className="min-w-0">
                <span className="flex flex-wrap items-center gap-1 text-xs">
                  {p.nodeId ? <code className="rounded bg-slate-100 px-1 font-mono text-slate-700">{p.nodeId}</code> : null}
                  {!p.nodeId && p.edgeId ? <code className="rounded bg-slate-100 px-1 font-mono text-slate-700">connection {p.edgeId}</code> : null}
                  {field ? <span className="font-mono text-slate-500">{field}</span> : null}
                </span>
                <span className="block text-sm text-slate-800">{p.message}</span>
              </span>
            </>
          );
          return (
            <li key={i}>
              {target ? (
                <button type="button" data-testid="problem" className="flex w-full items-start gap-2 px-4 py-2.5 text-left hover:bg-slate-50" onClick={() => store.getState().focusOn(target)}>
                  {body}
                </button>
              ) : (
                <div data-testid="problem" className="flex items-start gap-2 px-4 py-2.5">
                  {body}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
