"use client";

import type { ReactNode } from "react";
import { ArrowRight, CheckCircle2, Hourglass, ShieldCheck, TriangleAlert } from "lucide-react";
import { showValue } from "@/lib/decisions/value-rules";
import { formatBytes, isTruncated } from "@/lib/bounded";
import { cn } from "@/components/ui/cn";
import { JsonView } from "./json-view";
import { approversText, editedArgs, record, resultValue, type ToolCallPair } from "./tool-calls";

/**
 * One tool call as a person reads it: what was sent (the arguments, who approved them and what
 * they changed) and what the system answered, each as a short list of names and values (the
 * whole of them is in the rail: `onDetails`). On the run page's node panel.
 */
export function ToolCallView({ pair, onDetails }: { pair: ToolCallPair; onDetails?: (observationId: number) => void }) {
  const { call, result } = pair;
  const data = record(call.data);
  const failed = result ? record(result.data).isError === true : false;
  const edits = new Map(editedArgs(data).map((e) => [e.name, e.from]));
  return (
    <div className="space-y-2.5" data-testid="tool-call" data-call={call.id}>
      <Section name={data.simulated ? "Would have sent" : "Sent"} testId="tool-call-sent">
        <div className="mb-1.5 flex flex-wrap items-center gap-1.5 text-xs text-slate-700">
          <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] font-semibold text-slate-800">{String(data.tool ?? call.text)}</code>
          <CallApproval data={data} />
        </div>
        <NamedValues value={data.args ?? {}} edits={edits} testId="call-args" />
      </Section>
      <Section name="Answer" testId="tool-call-answer">
        {result ? (
          <>
            <div className={cn("mb-1 inline-flex items-center gap-1 text-[11px] font-medium", failed ? "text-red-700" : "text-emerald-700")} data-testid="tool-call-outcome">
              {failed ? <TriangleAlert className="size-3" aria-hidden /> : <CheckCircle2 className="size-3" aria-hidden />}
              {failed ? "The tool answered with an error" : data.simulated ? `Simulated: not called, answered ${record(result.data).recorded === false ? "with a stub" : "by the test case"}` : "Answered"}
            </div>
            <NamedValues value={resultValue(result)} testId="call-result" tone={failed ? "error" : "plain"} />
          </>
        ) : (
          <p className="text-xs text-slate-500" data-testid="tool-call-no-answer">
            {data.gated ? "Not called: it waits for a decision, or was rejected." : "No answer yet."}
          </p>
        )}
      </Section>
      {onDetails ? (
        <button
          type="button"
          onClick={() => onDetails(result?.id ?? call.id)}
          className="inline-flex items-center gap-1 text-[11px] font-medium text-brand-700 hover:underline"
          data-testid="tool-call-details"
        >
          All of it in Explain <ArrowRight className="size-3" aria-hidden />
        </button>
      ) : null}
    </div>
  );
}

/**
 * An object's entries as names and values (text clamped to a few lines), marking the ones an
 * approver changed; anything else (a text answer, a list, a value too large to send) as it is.
 */
function NamedValues({ value, edits, testId, tone = "plain" }: { value: unknown; edits?: ReadonlyMap<string, unknown>; testId: string; tone?: "plain" | "error" }) {
  const box = cn("rounded-md border px-2.5 py-2 text-xs", tone === "error" ? "border-red-200 bg-red-50 text-red-900" : "border-slate-200 bg-slate-50 text-slate-900");
  if (typeof value === "string") {
    return (
      <p className={cn(box, "line-clamp-6 whitespace-pre-wrap break-words")} data-testid={testId} title={value.length > 300 ? value.slice(0, 2_000) : undefined}>
        {value || "(empty)"}
      </p>
    );
  }
  const entries = value !== null && typeof value === "object" && !Array.isArray(value) && !isTruncated(value) ? Object.entries(value) : null;
  if (!entries) return <JsonView value={value} openDepth={1} testId={testId} className="max-h-40 overflow-y-auto" />;
  if (!entries.length) return <p className={cn(box, "text-slate-500")} data-testid={testId}>(nothing)</p>;
  return (
    <dl className={cn(box, "space-y-1")} data-testid={testId}>
      {entries.map(([name, v]) => (
        <div key={name} className="grid grid-cols-[96px_minmax(0,1fr)] gap-2" data-arg={name}>
          <dt className="truncate font-mono text-[11px] text-slate-500" title={name}>
            {name}
          </dt>
          <dd className="min-w-0">
            <span className="line-clamp-3 whitespace-pre-wrap break-words" title={inline(v).length > 120 ? clip(inline(v), 2_000) : undefined}>{inline(v)}</span>
            {edits?.has(name) ? (
              <span className="mt-0.5 block text-[11px] text-slate-500" data-testid="tool-call-edited">
                was <span className="text-red-800 line-through decoration-red-400">{clip(inline(edits.get(name)), 160)}</span>, changed by the approver
              </span>
            ) : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A value on one line: text as it is, anything else as JSON. */
function inline(v: unknown): string {
  return typeof v === "string" ? v : isTruncated(v) ? `(${formatBytes(v.$truncated.bytes)}, too large to show)` : (JSON.stringify(v) ?? "—");
}

/** "Approved by …" for a call a decision let through; "needs a decision" for a Worker's proposal. */
export function CallApproval({ data }: { data: Record<string, unknown> }) {
  const approvers = approversText(data);
  if (approvers) {
    return (
      <span className="inline-flex items-center gap-1 rounded bg-emerald-50 px-1.5 py-0.5 text-[11px] font-medium text-emerald-800 ring-1 ring-inset ring-emerald-200" data-testid="tool-call-approved-by">
        <ShieldCheck className="size-3" aria-hidden /> Approved by {approvers}
      </span>
    );
  }
  if (!data.gated) return null;
  return (
    <span className="inline-flex items-center gap-1 rounded bg-amber-100 px-1.5 py-0.5 text-[11px] font-semibold text-amber-800">
      <Hourglass className="size-3" aria-hidden /> needs a decision
    </span>
  );
}

/** The arguments the approvers changed: what each was before. */
export function EditedArgs({ data }: { data: Record<string, unknown> }) {
  const edits = editedArgs(data);
  if (!edits.length) return null;
  return (
    <ul className="mb-1.5 space-y-0.5 text-[11px] text-slate-600" data-testid="tool-call-edited">
      {edits.map((e) => (
        <li key={e.name} className="break-words">
          <span className="font-mono font-medium text-slate-700">{e.name}</span> was{" "}
          <span className="text-red-800 line-through decoration-red-400">{clip(showValue(e.from), 160)}</span>, changed by the approver
        </li>
      ))}
    </ul>
  );
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function Section({ name, testId, children }: { name: string; testId: string; children: ReactNode }) {
  return (
    <div data-testid={testId}>
      <div className="mb-1 text-[10px] font-semibold uppercase tracking-wide text-slate-500">{name}</div>
      {children}
    </div>
  );
}
