"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Lock, ShieldAlert, ShieldCheck } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Label, Textarea } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";
import { diffRows, type DiffRow } from "./review-diff";
import { ReviewCanvas } from "./review-canvas";

const STATUS: Record<string, { text: string; tone: "amber" | "green" | "red" | "slate" }> = {
  awaiting_review: { text: "Awaits review", tone: "amber" },
  published: { text: "Published", tone: "green" },
  rejected: { text: "Rejected", tone: "red" },
};

const ROW_STYLE: Record<DiffRow["kind"], { label: string; dot: string }> = {
  added: { label: "added", dot: "bg-emerald-500" },
  removed: { label: "removed", dot: "bg-red-500" },
  changed: { label: "changed", dot: "bg-amber-500" },
  moved: { label: "moved", dot: "bg-sky-400" },
};

/** The review of one mission version: what it changes in governance, the full diff, and the decision. */
export function VersionReview({ missionId, number }: { missionId: string; number: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const review = useQuery(trpc.missions.review.queryOptions({ id: missionId, number }));
  const [note, setNote] = useState("");
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.missions.review.queryKey({ id: missionId, number }) });
    void queryClient.invalidateQueries({ queryKey: trpc.missions.listReviews.queryKey() });
  };
  const publish = useMutation(
    trpc.missions.publish.mutationOptions({
      onSuccess: (r) => {
        toast.success(`Version ${r.number} published: runs use it now`);
        refresh();
      },
      onError: (e) => toast.error(`Could not publish: ${e.message}`),
    }),
  );
  const reject = useMutation(
    trpc.missions.reject.mutationOptions({
      onSuccess: (r) => {
        toast.success(`Version ${r.number} rejected`);
        setRejecting(false);
        refresh();
      },
      onError: (e) => toast.error(`Could not reject: ${e.message}`),
    }),
  );
  const rows = useMemo(() => {
    const d = review.data;
    return d?.diff && d.publishedGraph ? diffRows(d.diff, d.publishedGraph, d.graph) : [];
  }, [review.data]);

  if (review.isLoading) return <Card className="p-8 text-center text-sm text-slate-500">Loading the review…</Card>;
  if (review.error || !review.data) {
    return (
      <Card className="p-8 text-center text-sm text-red-700" data-testid="review-error">
        Could not load this version: {review.error?.message ?? "it does not exist"}
      </Card>
    );
  }
  const r = review.data;
  const status = (r.status ? STATUS[r.status] : undefined) ?? { text: "Saved before reviews", tone: "slate" as const };
  const isCurrent = r.publishedVersion === r.number;
  const rollback = r.status === "published" && !isCurrent;
  // Once published it is compared with itself: show what was reviewed instead.
  const changes = isCurrent ? r.requestedChanges : r.changes;

  return (
    <div data-testid="version-review" data-status={r.status ?? "none"}>
      <Link href={`/missions/${missionId}`} className="mb-3 inline-flex items-center gap-1 text-sm text-slate-600 hover:text-slate-900">
        <ArrowLeft className="size-4" /> {r.missionName}
      </Link>
      <PageHeader
        title={`Review version ${r.number} of “${r.missionName}”`}
        description={
          <>
            Saved by {r.authorName ?? r.authorEmail ?? "the system"} on {new Date(r.createdAt).toLocaleString()}
            {r.message ? <> — “{r.message}”</> : null}
          </>
        }
        actions={
          <Badge tone={isCurrent ? "green" : status.tone} data-testid="review-status">
            {isCurrent ? "Published · runs use it" : status.text}
          </Badge>
        }
      />

      <Card className="mb-4 p-5">
        <h2 className="flex items-center gap-2 text-sm font-semibold text-slate-900">
          <ShieldAlert className="size-4 text-amber-600" aria-hidden /> What it changes in governance
        </h2>
        <p className="mt-1 text-xs text-slate-500">
          {r.publishedVersion === null
            ? "No version of this mission is published yet: this is everything it would be allowed to do."
            : isCurrent
              ? "This is the published version. What it changed, as it was reviewed:"
              : `Compared with version ${r.publishedVersion}, which runs use now.`}
        </p>
        {changes.length ? (
          <ul className="mt-3 list-disc space-y-1 pl-5 text-sm text-slate-800" data-testid="review-changes">
            {changes.map((c, i) => (
              <li key={i}>{c}</li>
            ))}
          </ul>
        ) : (
          <p className="mt-3 text-sm text-slate-600" data-testid="review-changes-none">
            No governance change.
          </p>
        )}
      </Card>

      {r.publishedGraph ? (
        <Card className="mb-4 p-5">
          <h2 className="text-sm font-semibold text-slate-900">Everything that differs from version {r.publishedVersion}</h2>
          <p className="mb-3 mt-1 text-xs text-slate-500">On the canvas: added steps green, changed amber, moved blue, removed faded and dashed. Below: each change with its value before and after.</p>
          <ReviewCanvas missionId={missionId} graph={r.graph} base={r.publishedGraph} baseLabel={`v${r.publishedVersion}`} />
          {rows.length === 0 ? (
            <p className="mt-2 text-sm text-slate-600">Nothing else differs.</p>
          ) : (
            <ul className="mt-3 divide-y divide-slate-100" data-testid="review-diff">
              {rows.map((row, i) => (
                <li key={i} className="py-2" data-testid="review-diff-row" data-kind={row.kind}>
                  <div className="flex items-center gap-2 text-sm">
                    <span className={cn("size-2 shrink-0 rounded-full", ROW_STYLE[row.kind].dot)} aria-hidden />
                    <span className="font-medium text-slate-900">{row.subject}</span>
                    <span className="text-xs text-slate-500">{ROW_STYLE[row.kind].label}</span>
                  </div>
                  {row.fields.length ? (
                    <dl className="mt-1 grid grid-cols-[minmax(8rem,auto)_1fr_1fr] gap-x-3 gap-y-1 pl-4 text-xs">
                      {row.fields.map((f) => (
                        <div key={f.name} className="contents">
                          <dt className="font-mono text-slate-600">{f.name}</dt>
                          <dd className="break-all rounded bg-red-50 px-1.5 py-0.5 font-mono text-red-900 line-through decoration-red-300">{f.before}</dd>
                          <dd className="break-all rounded bg-emerald-50 px-1.5 py-0.5 font-mono text-emerald-900">{f.after}</dd>
                        </div>
                      ))}
                    </dl>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </Card>
      ) : null}

      <Card className="p-5" data-testid="review-decision">
        {r.status === "rejected" ? (
          <p className="text-sm text-slate-800" data-testid="review-rejected">
            Rejected by {r.decidedByName ?? "a reviewer"}
            {r.decidedAt ? ` on ${new Date(r.decidedAt).toLocaleString()}` : ""}: “{r.note}”. Runs keep using{" "}
            {r.publishedVersion ? `version ${r.publishedVersion}` : "no version"}; save a new version to ask again.
          </p>
        ) : isCurrent ? (
          <p className="flex items-center gap-2 text-sm text-slate-800" data-testid="review-published">
            <ShieldCheck className="size-4 text-emerald-600" aria-hidden />
            <span>
              Published{r.decidedByName ? ` by ${r.decidedByName}` : ""}. Runs use this version.
              {r.note ? <span className="block text-slate-600">“{r.note}”</span> : null}
            </span>
          </p>
        ) : r.publishRefusal ? (
          <p className="flex items-start gap-2 text-sm text-slate-800" data-testid="review-refusal">
            <Lock className="mt-0.5 size-4 shrink-0 text-slate-500" aria-hidden />
            <span>
              {r.publishRefusal}
              {r.status === "awaiting_review" ? ". Nobody publishes a version that changes governance alone: that is what keeps a builder from approving their own refund." : ""}
            </span>
          </p>
        ) : (
          <div className="space-y-3">
            <div className="space-y-1.5">
              <Label htmlFor="review-note">{rollback ? "Why go back to this version (optional)" : "Note for the record (optional)"}</Label>
              <Textarea id="review-note" value={note} maxLength={2000} rows={2} onChange={(e) => setNote(e.target.value)} data-testid="review-note" />
            </div>
            <div className="flex flex-wrap gap-2">
              <Button
                disabled={publish.isPending}
                onClick={() => publish.mutate({ id: missionId, number, ...(note.trim() ? { note: note.trim() } : {}) })}
                data-testid="review-publish"
              >
                <ShieldCheck /> {rollback ? "Use this version for runs" : `Publish version ${number}`}
              </Button>
              {!r.rejectRefusal ? (
                <Button variant="secondary" onClick={() => setRejecting((x) => !x)} data-testid="review-reject-open">
                  Reject…
                </Button>
              ) : null}
            </div>
          </div>
        )}
        {rejecting && !r.rejectRefusal && r.status === "awaiting_review" ? (
          <form
            className="mt-4 space-y-2 border-t border-slate-100 pt-4"
            onSubmit={(e) => {
              e.preventDefault();
              if (reason.trim()) reject.mutate({ id: missionId, number, note: reason.trim() });
            }}
          >
            <Label htmlFor="review-reason">Why is it rejected? The author reads this.</Label>
            <Textarea id="review-reason" value={reason} maxLength={2000} rows={3} onChange={(e) => setReason(e.target.value)} data-testid="review-reason" />
            <Button type="submit" variant="secondary" disabled={!reason.trim() || reject.isPending} data-testid="review-reject">
              Reject version {number}
            </Button>
          </form>
        ) : null}
      </Card>
    </div>
  );
}
