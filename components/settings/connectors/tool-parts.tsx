"use client";

import type { ReactNode } from "react";
import { ChevronRight } from "lucide-react";
import type { ToolAnnotations } from "@/server/connectors/tool-port";
import { Badge } from "@/components/ui/card";
import { AnnotationBadges } from "./tool-badges";
import { stableJson } from "./line-diff";

/** The input schema, folded away until asked for: it is long and mostly for the curious. */
export function SchemaDetails({ schema, label = "Input schema" }: { schema: Record<string, unknown>; label?: string }) {
  const props = schema.properties && typeof schema.properties === "object" ? Object.keys(schema.properties) : [];
  return (
    <details className="group mt-1">
      <summary className="inline-flex cursor-pointer list-none items-center gap-1 rounded text-xs text-slate-500 hover:text-slate-900">
        <ChevronRight className="size-3.5 transition-transform group-open:rotate-90" aria-hidden />
        {label}
        <span className="font-mono text-[11px] text-slate-400">{props.length ? `(${props.join(", ")})` : "(no arguments)"}</span>
      </summary>
      <pre className="mt-1.5 max-h-72 overflow-auto rounded-md border border-slate-200 bg-slate-50 px-3 py-2 font-mono text-[11px] leading-relaxed text-slate-700">{stableJson(schema)}</pre>
    </details>
  );
}

/** One tool as a server lists it: name, title, description, hints and schema. */
export function ToolSummary({
  name,
  description,
  annotations,
  inputSchema,
  extra,
  testId = "tested-tool",
}: {
  name: string;
  description: string;
  annotations: ToolAnnotations;
  inputSchema: Record<string, unknown>;
  extra?: ReactNode;
  testId?: string;
}) {
  return (
    <li className="px-5 py-2.5" data-testid={testId} data-tool={name}>
      <div className="flex flex-wrap items-center gap-2">
        <code className="font-mono text-sm font-semibold text-slate-900">{name}</code>
        {annotations.title && annotations.title !== name ? <span className="text-sm text-slate-500">{annotations.title}</span> : null}
        <AnnotationBadges annotations={annotations} />
        {extra}
      </div>
      {description ? <p className="mt-1 whitespace-pre-line text-xs text-slate-600">{description}</p> : <p className="mt-1 text-xs italic text-slate-400">No description.</p>}
      <SchemaDetails schema={inputSchema} />
    </li>
  );
}

export const STATUS_BADGE = {
  approved: { tone: "green", label: "approved" },
  new: { tone: "amber", label: "new" },
  changed: { tone: "amber", label: "changed" },
  removed: { tone: "slate", label: "removed" },
} as const;

export function StatusBadge({ status }: { status: keyof typeof STATUS_BADGE }) {
  const s = STATUS_BADGE[status];
  return (
    <Badge tone={s.tone} data-testid="tool-status">
      {s.label}
    </Badge>
  );
}
