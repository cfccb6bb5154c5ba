"use client";

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ShieldCheck } from "lucide-react";
import { toast } from "sonner";
import type { ConnectorToolView } from "@/server/connectors/service";
import type { ToolPolicy } from "@/server/connectors/tool-port";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Select } from "@/components/ui/input";
import { ConfirmDialog } from "./confirm-dialog";
import { AnnotationBadges, POLICY_HELP, POLICY_LABELS } from "./tool-badges";
import { SchemaDetails, StatusBadge } from "./tool-parts";

const POLICIES: ToolPolicy[] = ["autonomous", "gated", "disallowed"];

/** Making a state-changing tool run without a decision: the one change that needs a second look. */
export function isLoosening(tool: Pick<ConnectorToolView, "stateChanging" | "policy">, next: ToolPolicy): boolean {
  return tool.stateChanging && next === "autonomous" && tool.policy !== "autonomous";
}

function PolicySelect({ connectorId, connectorName, tool }: { connectorId: string; connectorName: string; tool: ConnectorToolView }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const set = useMutation(
    trpc.connectors.setPolicy.mutationOptions({
      onSuccess: (res) => {
        setConfirming(false);
        toast.success(`${res.tool.ref} is now ${res.tool.policy}${res.loosened ? " (recorded in the audit log)" : ""}`);
        void qc.invalidateQueries({ queryKey: trpc.connectors.get.queryKey({ id: connectorId }) });
      },
      onError: (e) => {
        // The page was stale (someone else changed it): ask now rather than fail.
        if (errorProblems(e).some((p) => p.path === "confirmLoosen")) setConfirming(true);
        else toast.error(e.message);
      },
    }),
  );
  const choose = (next: ToolPolicy, confirmLoosen = false) =>
    set.mutate({ id: connectorId, tool: tool.name, policy: next === tool.defaultPolicy ? null : next, ...(confirmLoosen ? { confirmLoosen: true } : {}) });

  return (
    <div className="space-y-1">
      <Select
        aria-label={`Policy for ${tool.name}`}
        value={tool.policy}
        disabled={set.isPending}
        className={cn(
          "h-8 w-full py-0 text-xs font-medium",
          tool.policy === "autonomous" && "text-emerald-700",
          tool.policy === "gated" && "text-amber-800",
          tool.policy === "disallowed" && "text-red-700",
        )}
        onChange={(e) => {
          const next = e.target.value as ToolPolicy;
          if (isLoosening(tool, next)) setConfirming(true);
          else choose(next);
        }}
        data-testid="policy-select"
      >
        {POLICIES.map((p) => (
          <option key={p} value={p}>
            {POLICY_LABELS[p]}
            {p === tool.defaultPolicy ? " (default)" : ""}
          </option>
        ))}
      </Select>
      <p className="text-[11px] text-slate-500">{tool.policyOverride ? "set by an admin" : "from its annotations"}</p>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={`Let ${connectorName}.${tool.name} run without approval?`}
        confirmLabel="Yes, make it autonomous"
        pending={set.isPending}
        onConfirm={() => choose("autonomous", true)}
        error={set.error && !errorProblems(set.error).some((p) => p.path === "confirmLoosen") ? set.error.message : null}
      >
        <p>
          The server does not declare <code className="font-mono text-xs">{tool.name}</code> read-only
          {tool.annotations.destructiveHint ? <> and says it is <strong>destructive</strong></> : null}. Today every call waits in the Decision Queue for a person.
        </p>
        <p>
          If you continue, Workers call it on their own, with no one approving each call. This change is written to the audit log under your name.
        </p>
      </ConfirmDialog>
    </div>
  );
}

/** The tools Steward knows for this connector: hints, review status and the policy in force. */
export function ToolsTable({
  connectorId,
  connectorName,
  tools,
  onApprove,
  approving,
}: {
  connectorId: string;
  connectorName: string;
  tools: ConnectorToolView[];
  onApprove: (tool: ConnectorToolView) => void;
  approving: boolean;
}) {
  return (
    <Card className="overflow-hidden">
      <div className="grid grid-cols-[minmax(0,1fr)_6.5rem_13rem] gap-4 border-b border-slate-200 bg-slate-50 px-5 py-2 text-xs font-medium uppercase tracking-wide text-slate-500">
        <span>Tool</span>
        <span>Status</span>
        <span>Policy</span>
      </div>
      <ul className="divide-y divide-slate-100">
        {tools.map((t) => (
          <li
            key={t.name}
            id={`tool-${t.name}`}
            className={cn("grid grid-cols-[minmax(0,1fr)_6.5rem_13rem] items-start gap-4 px-5 py-3", t.status === "removed" && "opacity-60")}
            data-testid="tool-row"
            data-tool={t.name}
            data-policy={t.policy}
          >
            <div className="min-w-0">
              <div className="flex flex-wrap items-center gap-2">
                <code className="font-mono text-sm font-semibold text-slate-900">{t.name}</code>
                {t.title && t.title !== t.name ? <span className="text-xs text-slate-500">{t.title}</span> : null}
                <AnnotationBadges annotations={t.annotations} />
              </div>
              <p className="mt-1 line-clamp-3 whitespace-pre-line text-xs text-slate-600" title={t.description}>
                {t.description}
              </p>
              <SchemaDetails schema={t.inputSchema} />
            </div>
            <div className="flex flex-col items-start gap-1.5 pt-0.5">
              <StatusBadge status={t.status} />
              {t.status === "new" || t.status === "changed" ? (
                <Button size="sm" variant="secondary" className="h-7 px-2 text-xs" disabled={approving} onClick={() => onApprove(t)} aria-label={`Approve ${t.name}`}>
                  <ShieldCheck /> Approve
                </Button>
              ) : null}
            </div>
            <div title={POLICY_HELP[t.policy]}>
              <PolicySelect connectorId={connectorId} connectorName={connectorName} tool={t} />
            </div>
          </li>
        ))}
      </ul>
    </Card>
  );
}
