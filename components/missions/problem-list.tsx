import { AlertTriangle } from "lucide-react";

export interface ProblemView {
  path: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
}

export function ProblemList({ problems, title }: { problems: ProblemView[]; title?: string }) {
  if (!problems.length) return null;
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3" data-testid="problem-list">
      <p className="flex items-center gap-1.5 text-sm font-medium text-red-800">
        <AlertTriangle className="size-4" />
        {title ?? `${problems.length} problem${problems.length === 1 ? "" : "s"}`}
      </p>
      <ul className="mt-2 max-h-64 space-y-1 overflow-y-auto text-sm text-red-900">
        {problems.map((p, i) => (
          <li key={i} data-testid="problem" className="flex gap-2">
            <code className="shrink-0 rounded bg-red-100 px-1 font-mono text-xs leading-5 text-red-800">{p.nodeId ? `node ${p.nodeId}` : p.edgeId ? `edge ${p.edgeId}` : p.path || "document"}</code>
            <span>
              {p.path && (p.nodeId || p.edgeId) ? <span className="text-red-700/80">{p.path}: </span> : null}
              {p.message}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
