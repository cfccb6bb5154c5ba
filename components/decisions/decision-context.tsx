"use client";

import { Download, FileText, Sparkles } from "lucide-react";
import { isTruncated, formatBytes } from "@/lib/bounded";
import { formatMoney } from "@/lib/decisions/describe";
import { showValue } from "@/lib/decisions/value-rules";
import { TruncatedText } from "@/components/run/json-view";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import type { DecisionDetailData } from "./trpc";
import { record } from "./reasoning";

type Request = DecisionDetailData["request"];
type Finding = DecisionDetailData["findings"][number];

/**
 * What the approver needs beside the proposed values: the request that started the run (its
 * trigger's fields by their labels) and what the Workers before this decision found, less what is
 * already in front of them as a proposed value. On the decision page and beside the run's graph alike.
 */
export function DecisionContext({
  request,
  findings,
  proposed,
  compact,
}: {
  request: Request;
  findings: readonly Finding[];
  /** The values up for decision: a finding that says the same is not shown twice. */
  proposed: Readonly<Record<string, unknown>>;
  compact: boolean;
}) {
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
                <FindingTile key={f.nodeId} finding={f} proposed={proposed} compact={compact} />
              ))}
            </div>
          </section>
        ) : null}
      </div>
    </Card>
  );
}

/** A money field: its name ends like one (`orderTotal`, `refundAmount`). */
const MONEY_NAME = /(amount|total|price|cost)$/i;
const CURRENCY_NAME = /^currency(_?code)?$/i;

type Row = { name: string; label: string; description: string; money?: string };

/**
 * The rows of a Worker's conclusions: its declared outputs in the builder's order, then anything
 * else it returned; a money field reads like the title (`85.00 EUR`, the currency beside it folded
 * in), and a value that is also proposed, unchanged, is left to the proposed values.
 */
function findingRows(finding: Finding, values: Record<string, unknown>, proposed: Readonly<Record<string, unknown>>): { rows: Row[]; repeated: string[] } {
  const known = new Set(finding.fields.map((f) => f.name));
  const all: Row[] = [
    ...finding.fields.filter((f) => f.name in values),
    ...Object.keys(values)
      .filter((k) => !known.has(k))
      .map((name) => ({ name, label: name, description: "" })),
  ];
  const currencyName = all.find((r) => CURRENCY_NAME.test(r.name) && typeof values[r.name] === "string" && (values[r.name] as string).length <= 8)?.name;
  const currency = currencyName ? (values[currencyName] as string) : null;
  const money = (r: Row) => currency !== null && MONEY_NAME.test(r.name) && typeof values[r.name] === "number" && Number.isFinite(values[r.name]);
  // The currency reads in the money values it belongs to, not on a line of its own.
  const folded = all.some(money) ? currencyName : undefined;
  const repeated: string[] = [];
  const rows: Row[] = [];
  for (const r of all) {
    const v = values[r.name];
    if (r.name === folded) continue;
    if (r.name in proposed && JSON.stringify(proposed[r.name]) === JSON.stringify(v)) repeated.push(r.label);
    else rows.push(money(r) ? { ...r, money: formatMoney(v as number, currency) } : r);
  }
  return { rows, repeated };
}

function FindingTile({ finding, proposed, compact }: { finding: Finding; proposed: Readonly<Record<string, unknown>>; compact: boolean }) {
  const output = finding.output;
  const values = record(output);
  const { rows, repeated } = findingRows(finding, values, proposed);
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
                {r.money ? <span className="tabular-nums">{r.money}</span> : <Value value={values[r.name]} chars={compact ? 200 : 400} />}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {repeated.length && !isTruncated(output) ? (
        <p className="mt-1.5 text-xs text-slate-500" data-testid="finding-proposed">
          {listOf(repeated)}: as proposed, under Proposed values.
        </p>
      ) : null}
    </div>
  );
}

/** "Amount", "Amount and Rationale", "Amount, Currency and Rationale". */
function listOf(labels: string[]): string {
  return labels.length > 1 ? `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}` : (labels[0] ?? "");
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
