"use client";

import { useState } from "react";
import { ShieldCheck } from "lucide-react";
import type { ToolDefinitionView, ToolReview } from "@/server/connectors/admin";
import type { ToolAnnotations } from "@/server/connectors/tool-port";
import { Button } from "@/components/ui/button";
import { Badge, Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { diffLines, stableJson } from "./line-diff";
import { ApproveAllDialog } from "./approve-all-dialog";
import { ArgumentList, SchemaDetails } from "./tool-parts";
import { AnnotationBadges } from "./tool-badges";

/** A tool to approve, named with the definition the admin was shown. */
export interface SeenTool {
  name: string;
  hash: string;
}

const HINT_KEYS = ["title", "readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const;

function TextDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = diffLines(before, after);
  const changed = lines.some((l) => l.kind !== "same");
  return (
    <div>
      <div className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">
        {label} {changed ? null : <span className="font-normal normal-case text-slate-400">(unchanged)</span>}
      </div>
      <pre className="max-h-80 overflow-auto rounded-md border border-slate-200 bg-white py-1 font-mono text-[11px] leading-relaxed" data-testid={`diff-${label.toLowerCase().replace(/\s+/g, "-")}`}>
        {lines.map((l, i) => (
          <div
            key={i}
            className={cn(
              "whitespace-pre-wrap px-3",
              l.kind === "added" && "bg-emerald-50 text-emerald-800",
              l.kind === "removed" && "bg-red-50 text-red-700 line-through decoration-red-300",
              l.kind === "same" && "text-slate-600",
            )}
            data-kind={l.kind}
          >
            <span className="mr-2 select-none text-slate-400">{l.kind === "added" ? "+" : l.kind === "removed" ? "−" : " "}</span>
            {l.text || " "}
          </div>
        ))}
      </pre>
    </div>
  );
}

function hintText(a: ToolAnnotations, k: (typeof HINT_KEYS)[number]): string {
  const v = a[k];
  return v === undefined ? "—" : String(v);
}

function AnnotationDiff({ before, after }: { before: ToolAnnotations; after: ToolAnnotations }) {
  const rows = HINT_KEYS.filter((k) => hintText(before, k) !== hintText(after, k));
  return (
    <div>
      <div className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">
        Annotations {rows.length ? null : <span className="font-normal normal-case text-slate-400">(unchanged)</span>}
      </div>
      {rows.length ? (
        <table className="w-full overflow-hidden rounded-md border border-slate-200 bg-white text-xs" data-testid="diff-annotations">
          <thead className="bg-slate-50 text-left text-slate-500">
            <tr>
              <th className="px-3 py-1.5 font-medium">hint</th>
              <th className="px-3 py-1.5 font-medium">approved</th>
              <th className="px-3 py-1.5 font-medium">now</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((k) => (
              <tr key={k} className="border-t border-slate-100">
                <td className="px-3 py-1.5 font-mono">{k}</td>
                <td className="px-3 py-1.5 font-mono text-red-700">{hintText(before, k)}</td>
                <td className="px-3 py-1.5 font-mono text-emerald-700">{hintText(after, k)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** A whole definition, as a model would read it: hints, description, arguments (and the raw schema on request). */
function Definition({ def }: { def: ToolDefinitionView }) {
  return (
    <div className="space-y-2" data-testid="review-definition">
      <div className="flex flex-wrap items-center gap-2">
        <AnnotationBadges annotations={def.annotations} />
        {def.annotations.title ? <span className="text-xs text-slate-500">{def.annotations.title}</span> : null}
      </div>
      <p className="whitespace-pre-line text-sm text-slate-700" data-testid="review-description">
        {def.description || <span className="italic text-slate-400">No description.</span>}
      </p>
      <ArgumentList schema={def.inputSchema} />
      <SchemaDetails schema={def.inputSchema} label="JSON schema" />
    </div>
  );
}

function ReviewItem({ review, onApprove, pending }: { review: ToolReview; onApprove: () => void; pending: boolean }) {
  return (
    <li className="space-y-3 px-5 py-4" data-testid="review-item" data-tool={review.name} data-status={review.status}>
      <div className="flex flex-wrap items-center gap-2">
        <code className="font-mono text-sm font-semibold text-slate-900">{review.name}</code>
        <Badge tone="amber">{review.status === "new" ? "new tool" : "changed since approval"}</Badge>
        <div className="flex-1" />
        <Button size="sm" variant="secondary" disabled={pending} onClick={onApprove} aria-label={`Approve ${review.name}`}>
          <ShieldCheck /> Approve
        </Button>
      </div>
      {review.status === "new" ? (
        <Definition def={review.current} />
      ) : review.approved ? (
        <div className="space-y-3">
          <TextDiff label="Description" before={review.approved.description} after={review.current.description} />
          <AnnotationDiff before={review.approved.annotations} after={review.current.annotations} />
          <TextDiff label="Input schema" before={stableJson(review.approved.inputSchema)} after={stableJson(review.current.inputSchema)} />
        </div>
      ) : (
        <div className="space-y-2">
          <p className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-800">
            The approved definition was not recorded (it was approved before Steward kept definitions, or outside the settings page). This is the definition the server gives now:
          </p>
          <Definition def={review.current} />
        </div>
      )}
    </li>
  );
}

/**
 * New and changed tools, withheld from Workers until approved. A change is shown against what was
 * approved, so a description that quietly gained instructions stands out; a new tool is shown
 * whole. Every approval names the definition shown (its hash), so a tool that changes after the
 * page loaded is not approved unseen. Approving all asks first when any of them change state.
 */
export function ToolReviewPanel({ reviews, onApprove, pending }: { reviews: ToolReview[]; onApprove: (tools: SeenTool[]) => void; pending: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const changed = reviews.filter((r) => r.status === "changed");
  const added = reviews.filter((r) => r.status === "new");
  const stateChanging = reviews.filter((r) => r.stateChanging).length;
  const seen = (rs: ToolReview[]) => rs.map((r) => ({ name: r.name, hash: r.hash }));
  const approveAll = () => {
    setConfirming(false);
    onApprove(seen(reviews));
  };
  const summary = [changed.length ? `${changed.length} changed since approval` : "", added.length ? `${added.length} new` : "", stateChanging ? `${stateChanging} change state` : ""].filter(Boolean);
  return (
    <Card className="overflow-hidden border-amber-200" data-testid="review-panel">
      <div className="flex flex-wrap items-center gap-3 bg-amber-50/70 px-5 py-3">
        <ShieldCheck className="size-5 text-amber-600" aria-hidden />
        <div className="min-w-0 flex-1">
          <h2 className="text-sm font-semibold text-slate-900">
            {reviews.length} tool{reviews.length === 1 ? "" : "s"} to review
          </h2>
          <p className="text-xs text-slate-600">{summary.join(", ")}. Workers cannot use them until you approve them.</p>
        </div>
        <Button size="sm" disabled={pending} onClick={() => (stateChanging ? setConfirming(true) : approveAll())} data-testid="approve-all">
          <ShieldCheck /> Approve all {reviews.length}
        </Button>
      </div>
      <ul className="divide-y divide-slate-100 border-t border-amber-100">
        {[...changed, ...added].map((r) => (
          <ReviewItem key={r.name} review={r} pending={pending} onApprove={() => onApprove(seen([r]))} />
        ))}
      </ul>
      <ApproveAllDialog open={confirming} onOpenChange={setConfirming} reviews={reviews} pending={pending} onConfirm={approveAll} />
    </Card>
  );
}
