"use client";

import Link from "next/link";
import { ShieldAlert, X } from "lucide-react";
import { Button } from "@/components/ui/button";

/** A saved version that changes governance: it runs only once an approver or admin publishes it. */
export interface AwaitingReview {
  missionId: string;
  number: number;
  changes: string[];
  publishedVersion: number | null;
}

/** Shown under the header after such a save, until dismissed: what changed, and what runs use meanwhile. */
export function ReviewNotice({ awaiting, onDismiss }: { awaiting: AwaitingReview; onDismiss: () => void }) {
  return (
    <div className="flex gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2.5 text-sm text-amber-950" role="status" data-testid="save-review-notice">
      <ShieldAlert className="mt-0.5 size-4 shrink-0 text-amber-700" aria-hidden />
      <div className="min-w-0 flex-1">
        <p>
          <span className="font-medium">Version {awaiting.number} saved</span> — it changes governance, so an approver or admin other than you must review it before runs use it;{" "}
          {awaiting.publishedVersion ? `runs keep using version ${awaiting.publishedVersion}.` : "until then this mission cannot run."}
        </p>
        <ul className="mt-1 max-h-28 list-disc overflow-y-auto pl-5 text-xs text-amber-900" data-testid="save-review-changes">
          {awaiting.changes.map((c, i) => (
            <li key={i}>{c}</li>
          ))}
        </ul>
      </div>
      <div className="flex shrink-0 items-start gap-1">
        <Button variant="secondary" size="sm" className="h-7 px-2 text-xs" asChild>
          <Link href={`/missions/${awaiting.missionId}/review/${awaiting.number}`} data-testid="save-review-open">
            Open the review
          </Link>
        </Button>
        <Button variant="ghost" size="sm" className="h-7 px-1.5" onClick={onDismiss} aria-label="Dismiss" data-testid="save-review-dismiss">
          <X />
        </Button>
      </div>
    </div>
  );
}
