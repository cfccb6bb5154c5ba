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

type Schema = Record<string, unknown>;

/** A JSON schema's type in a few words: `string`, `integer`, `array of string`, `one of "a", "b"`. */
export function schemaType(s: Schema): string {
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if ("const" in s) return `exactly ${JSON.stringify(s.const)}`;
  const type = Array.isArray(s.type) ? s.type.join(" or ") : typeof s.type === "string" ? s.type : null;
  if (type === "array" && s.items && typeof s.items === "object" && !Array.isArray(s.items)) return `array of ${schemaType(s.items as Schema)}`;
  if (type) return type;
  const options = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(options)) return options.map((o) => schemaType(o)).join(" or ");
  return "any value";
}

/** The arguments a tool takes, one line each: what a model will be asked to fill in. */
export function ArgumentList({ schema }: { schema: Schema }) {
  const props = schema.properties && typeof schema.properties === "object" ? Object.entries(schema.properties as Record<string, Schema>) : [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  if (!props.length) return <p className="text-xs text-slate-500" data-testid="arguments">No arguments.</p>;
  return (
    <div>
      <div className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">Arguments</div>
      <ul className="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white text-xs" data-testid="arguments">
        {props.map(([name, prop]) => (
          <li key={name} className="grid grid-cols-[minmax(7rem,auto)_minmax(0,1fr)] gap-x-3 px-3 py-1.5" data-testid="argument" data-argument={name}>
            <div className="flex items-baseline gap-1.5">
              <code className="font-mono font-semibold text-slate-900">{name}</code>
              {required.has(name) ? <span className="text-[10px] font-medium uppercase text-amber-700">required</span> : <span className="text-[10px] uppercase text-slate-400">optional</span>}
            </div>
            <div className="min-w-0">
              <span className="font-mono text-slate-500">{schemaType(prop)}</span>
              {typeof prop.description === "string" && prop.description ? <span className="text-slate-700"> — {prop.description}</span> : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
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
