"use client";

import { Download, FileText, Sparkles } from "lucide-react";
import { isTruncated, formatBytes } from "@/lib/bounded";
import { showValue } from "@/lib/decisions/value-rules";
import { TruncatedText } from "@/components/run/json-view";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import type { DecisionDetailData } from "./trpc";
import { record } from "./reasoning";

type Request = DecisionDetailData["request"];
type Finding = DecisionDetailData["findings"][number];

/**
 * What the approver needs before the proposed values: the request that started the run (its
 * trigger's fields by their labels) and what the Workers before this decision found. On the
 * decision page and beside the run's graph alike.
 */
export function DecisionContext({ request, findings, compact }: { request: Request; findings: readonly Finding[]; compact: boolean }) {
  return (
    <Card className={compact ? "p-4" : "p-5"}>
      <div className="space-y-5">
        <section data-testid="decision-request" aria-labelledby="decision-request-title">
          <h2 id="decision-request-title" className="flex items-center gap-2 text-base font-semibold text-slate-900">
            <FileText className="size-4 text-slate-500" aria-hidden /> The request
          </h2>
          <p className="mb-2 text-xs text-slate-500">{request.title}, as it was submitted</p>
          {request.fields.length ? (
            <dl className="divide-y divide-slate-100">
              {request.fields.map((f) => (
                <div key={f.name} className="grid gap-0.5 py-2 @md:grid-cols-[150px_minmax(0,1fr)] @md:gap-4 @4xl:grid-cols-[180px_minmax(0,1fr)]" data-testid="request-field" data-field={f.name}>
                  <dt className="text-sm text-slate-500">{f.label}</dt>
                  <dd className="min-w-0 text-sm text-slate-900">
                    <Value value={f.value} chars={compact ? 280 : 600} />
                  </dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="text-sm text-slate-500">The run was started without any input.</p>
          )}
        </section>

        {findings.length ? (
          <section data-testid="decision-findings" aria-labelledby="decision-findings-title">
            <h2 id="decision-findings-title" className="flex items-center gap-2 text-base font-semibold text-slate-900">
              <Sparkles className="size-4 text-sky-600" aria-hidden /> What the Workers found
            </h2>
            <p className="mb-2 text-xs text-slate-500">Their conclusions, checked against the records they looked up</p>
            <div className={cn("grid gap-3", !compact && findings.length > 1 && "@2xl:grid-cols-2")}>
              {findings.map((f) => (
                <FindingTile key={f.nodeId} finding={f} compact={compact} />
              ))}
            </div>
          </section>
        ) : null}
      </div>
    </Card>
  );
}

function FindingTile({ finding, compact }: { finding: Finding; compact: boolean }) {
  const output = finding.output;
  const values = record(output);
  // The declared outputs in the builder's order, then anything else the Worker returned.
  const known = new Set(finding.fields.map((f) => f.name));
  const rows = [
    ...finding.fields.filter((f) => f.name in values),
    ...Object.keys(values)
      .filter((k) => !known.has(k))
      .map((name) => ({ name, label: name, description: "" })),
  ];
  return (
    <div className="rounded-lg border border-slate-200 bg-slate-50/60 p-3" data-testid="decision-finding" data-node={finding.nodeId}>
      <div className="mb-1.5 text-xs font-semibold text-slate-700">{finding.label}</div>
      {isTruncated(output) ? (
        <Value value={output} chars={200} />
      ) : (
        <dl className="space-y-1 text-sm">
          {rows.map((r) => (
            <div key={r.name} className="grid grid-cols-[minmax(0,9rem)_minmax(0,1fr)] gap-3" data-testid="finding-field" data-field={r.name}>
              <dt className="truncate text-slate-500" title={r.description ? `${r.label}: ${r.description}` : r.label}>
                {r.label}
              </dt>
              <dd className="min-w-0 break-words text-slate-900">
                <Value value={values[r.name]} chars={compact ? 200 : 400} />
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

/** One value as people read it: text cut with "Show all", yes/no, a stand-in for one too large to send. */
function Value({ value, chars }: { value: unknown; chars: number }) {
  if (isTruncated(value)) {
    const { bytes, download } = value.$truncated;
    return (
      <span className="text-xs text-amber-800" data-testid="context-value-truncated">
        Too large to show here ({formatBytes(bytes)}).{" "}
        {download ? (
          <a href={download} download className="inline-flex items-center gap-0.5 font-medium text-brand-700 hover:underline">
            <Download className="size-3" aria-hidden /> Download it
          </a>
        ) : null}
      </span>
    );
  }
  if (typeof value === "boolean") return <span>{value ? "Yes" : "No"}</span>;
  return <TruncatedText text={showValue(value)} chars={chars} className="leading-relaxed" />;
}
