"use client";

import type { ToolReview } from "@/server/connectors/admin";
import type { ToolPolicy } from "@/server/connectors/tool-port";
import { Badge } from "@/components/ui/card";
import { ConfirmDialog } from "./confirm-dialog";

const WHAT_HAPPENS: Record<ToolPolicy, { text: string; tone: "amber" | "red" | "slate" }> = {
  gated: { text: "each call waits for a decision", tone: "amber" },
  autonomous: { text: "runs without a decision (set by an admin)", tone: "red" },
  disallowed: { text: "never offered (disallowed)", tone: "slate" },
};

/** Destructive first: those are the ones a careless "approve all" would regret. */
export function stateChangingFirst(reviews: ToolReview[]): ToolReview[] {
  return reviews
    .filter((r) => r.stateChanging)
    .sort((a, b) => Number(b.current.annotations.destructiveHint === true) - Number(a.current.annotations.destructiveHint === true) || a.name.localeCompare(b.name));
}

/**
 * "Approve all" when some of the tools change state: says which, how each will run, and that the
 * approval pins the definitions shown.
 */
export function ApproveAllDialog({
  open,
  onOpenChange,
  reviews,
  pending,
  onConfirm,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  reviews: ToolReview[];
  pending: boolean;
  onConfirm: () => void;
}) {
  const risky = stateChangingFirst(reviews);
  const destructive = risky.filter((r) => r.current.annotations.destructiveHint === true).length;
  const readOnly = reviews.length - risky.length;
  return (
    <ConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title={`Approve all ${reviews.length} tools?`}
      confirmLabel={`Approve all ${reviews.length}`}
      tone={destructive ? "danger" : "primary"}
      pending={pending}
      onConfirm={onConfirm}
    >
      <p>
        <strong>
          {risky.length} of them change state
          {destructive ? `, ${destructive} destructive` : ""}
        </strong>{" "}
        (the server does not declare them read-only). Once approved, Workers and Actions can use them:
      </p>
      <ul className="max-h-72 divide-y divide-slate-100 overflow-auto rounded-md border border-slate-200" data-testid="approve-all-risky">
        {risky.map((r) => (
          <li key={r.name} className="flex flex-wrap items-center gap-2 px-3 py-2" data-testid="approve-all-tool" data-tool={r.name}>
            <code className="font-mono text-sm font-semibold text-slate-900">{r.name}</code>
            {r.current.annotations.destructiveHint === true ? <Badge tone="red">destructive</Badge> : <Badge tone="amber">writes</Badge>}
            {r.status === "changed" ? <Badge tone="amber">changed</Badge> : null}
            <span className="flex-1" />
            <Badge tone={WHAT_HAPPENS[r.policy].tone}>{WHAT_HAPPENS[r.policy].text}</Badge>
          </li>
        ))}
      </ul>
      <p className="text-slate-600">
        {readOnly ? `The other ${readOnly} ${readOnly === 1 ? "is" : "are"} read-only. ` : ""}
        Approving pins each definition as shown on this page: if the server changes one, it is withheld again until you review the change.
      </p>
    </ConfirmDialog>
  );
}
