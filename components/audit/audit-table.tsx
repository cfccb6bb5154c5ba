"use client";

import Link from "next/link";
import { Fragment, useState } from "react";
import { ChevronRight } from "lucide-react";
import type { AuditEntryView } from "@/server/audit/query";
import { Badge, Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { actionTone, formatWhen, summarizeData } from "./format";

function Actor({ e }: { e: AuditEntryView }) {
  if (!e.actorId && e.actorLabel === "system") return <span className="italic text-slate-500">system</span>;
  return (
    <span className="block truncate text-slate-800" title={e.actorId ? `${e.actorLabel} (${e.actorId})` : e.actorLabel}>
      {e.actorLabel}
    </span>
  );
}

function Details({ e }: { e: AuditEntryView }) {
  return (
    <div className="grid gap-4 bg-slate-50/80 px-5 py-4 text-xs lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]" data-testid="audit-details">
      <div className="min-w-0">
        <div className="mb-1 font-medium uppercase tracking-wide text-slate-500">Data</div>
        <pre className="max-h-72 overflow-auto whitespace-pre-wrap break-all rounded-md border border-slate-200 bg-white p-3 font-mono text-[12px] leading-relaxed text-slate-800">
          {JSON.stringify(e.data, null, 2)}
        </pre>
      </div>
      <dl className="grid min-w-0 grid-cols-[auto_minmax(0,1fr)] content-start gap-x-4 gap-y-1.5">
        <dt className="text-slate-500">Entry</dt>
        <dd className="font-mono text-slate-800">#{e.id}</dd>
        <dt className="text-slate-500">At</dt>
        <dd className="font-mono text-slate-800">{e.at}</dd>
        <dt className="text-slate-500">Actor id</dt>
        <dd className="truncate font-mono text-slate-800">{e.actorId ?? "—"}</dd>
        {e.runId ? (
          <>
            <dt className="text-slate-500">Run</dt>
            <dd className="truncate font-mono">
              <Link href={`/runs/${e.runId}`} className="text-brand-700 hover:underline">
                {e.runId}
              </Link>
            </dd>
          </>
        ) : null}
        <dt className="text-slate-500">Hash</dt>
        <dd className="break-all font-mono text-slate-800">{e.hash}</dd>
        <dt className="text-slate-500">Previous</dt>
        <dd className="break-all font-mono text-slate-500">{e.prevHash}</dd>
      </dl>
    </div>
  );
}

export function AuditTable({ entries }: { entries: AuditEntryView[] }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Card className="overflow-hidden">
      <table className="w-full table-fixed text-left text-sm" data-testid="audit-table">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs font-medium uppercase tracking-wide text-slate-500">
          <tr>
            <th className="w-8 py-2.5 pl-4" aria-label="Expand" />
            <th className="w-40 px-3 py-2.5">When</th>
            <th className="w-60 px-3 py-2.5">Actor</th>
            <th className="w-60 px-3 py-2.5">Action</th>
            <th className="w-56 px-3 py-2.5">Target</th>
            <th className="px-3 py-2.5">Details</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {entries.map((e) => {
            const expanded = open === e.id;
            return (
              <Fragment key={e.id}>
                <tr
                  className={cn("cursor-pointer align-top transition-colors hover:bg-slate-50", expanded && "bg-slate-50")}
                  onClick={() => setOpen(expanded ? null : e.id)}
                  data-testid="audit-row"
                  data-action={e.action}
                  aria-expanded={expanded}
                >
                  <td className="py-3 pl-4 text-slate-400">
                    <button type="button" aria-label={expanded ? `Hide entry ${e.id}` : `Show entry ${e.id}`} className="rounded p-0.5 hover:bg-slate-200">
                      <ChevronRight className={cn("size-4 transition-transform", expanded && "rotate-90")} />
                    </button>
                  </td>
                  <td className="truncate whitespace-nowrap px-3 py-3 tabular-nums text-slate-600" title={e.at}>
                    {formatWhen(e.at)}
                  </td>
                  <td className="px-3 py-3">
                    <Actor e={e} />
                  </td>
                  <td className="px-3 py-3">
                    <Badge tone={actionTone(e.action)} className="font-mono">
                      {e.action}
                    </Badge>
                  </td>
                  <td className="px-3 py-3">
                    {e.targetType || e.targetId ? (
                      <div className="min-w-0">
                        <div className="text-xs text-slate-500">{e.targetType ?? "—"}</div>
                        <div className="truncate font-mono text-xs text-slate-800" title={e.targetId ?? ""}>
                          {e.targetId ?? "—"}
                        </div>
                      </div>
                    ) : (
                      <span className="text-slate-400">—</span>
                    )}
                  </td>
                  <td className="truncate px-3 py-3 text-slate-600" title={summarizeData(e.data, 2_000)}>
                    {summarizeData(e.data) || <span className="text-slate-400">—</span>}
                  </td>
                </tr>
                {expanded ? (
                  <tr>
                    <td colSpan={6} className="p-0">
                      <Details e={e} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}
