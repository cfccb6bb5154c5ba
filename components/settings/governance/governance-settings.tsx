"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus, ShieldCheck, Trash2 } from "lucide-react";
import { toast } from "sonner";
import { describeRules, describeScope } from "@/lib/governance/describe";
import type { ApprovalPolicy } from "@/lib/governance/policy";
import { useTRPC } from "@/components/trpc-provider";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { EnabledSwitch } from "@/components/settings/connectors/enabled-switch";
import { PolicyDialog } from "./policy-dialog";

/** Settings → Governance: the approval policies missions may tighten but never loosen. */
export function GovernanceSettings() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const policies = useQuery(trpc.policies.list.queryOptions());
  const [editing, setEditing] = useState<ApprovalPolicy | "new" | null>(null);
  const [deleting, setDeleting] = useState<ApprovalPolicy | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.policies.list.queryKey() });
  const update = useMutation(trpc.policies.update.mutationOptions({ onSuccess: () => void refresh(), onError: (e) => toast.error(e.message) }));
  const remove = useMutation(
    trpc.policies.remove.mutationOptions({
      onSuccess: () => {
        toast.success("Policy deleted");
        setDeleting(null);
        void refresh();
      },
      onError: (e) => toast.error(e.message),
    }),
  );

  return (
    <>
      <div className="mb-4 flex flex-wrap items-start justify-between gap-4">
        <p className="max-w-3xl text-sm text-slate-600">
          Who must agree before an Approval step or a state-changing tool call goes ahead. A mission may ask for more (a stronger role, more approvers, a
          shorter timeout), never for less: at run time the stricter of the two applies, and the decision page says which policy did.
        </p>
        <Button onClick={() => setEditing("new")}>
          <Plus /> Add policy
        </Button>
      </div>
      {policies.data && policies.data.length === 0 ? (
        <EmptyState icon={<ShieldCheck />} title="No policies">
          Without a policy, each mission&apos;s own approval settings apply as its builder wrote them.
        </EmptyState>
      ) : null}
      <div className="grid gap-3 md:grid-cols-2">
        {(policies.data ?? []).map((p) => (
          <Card key={p.id} className="flex flex-col gap-3 p-5" data-testid="policy-card" aria-label={`Policy ${p.name}`}>
            <div className="flex items-start justify-between gap-3">
              <div>
                <h3 className="font-semibold text-slate-900">{p.name}</h3>
                <div className="mt-1 flex flex-wrap items-center gap-2">
                  <Badge tone="violet">{describeScope(p)}</Badge>
                  {p.enabled ? null : <Badge tone="slate">Off</Badge>}
                </div>
              </div>
              <EnabledSwitch
                checked={p.enabled}
                label={`${p.name} is ${p.enabled ? "on" : "off"}`}
                disabled={update.isPending}
                onChange={(enabled) => update.mutate({ id: p.id, policy: { ...p, enabled } })}
              />
            </div>
            {p.description ? <p className="text-sm text-slate-600">{p.description}</p> : null}
            <ul className="list-disc space-y-0.5 pl-5 text-sm text-slate-700">
              {describeRules(p.rules).map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
            <div className="mt-auto flex gap-2">
              <Button variant="secondary" size="sm" onClick={() => setEditing(p)}>
                <Pencil /> Edit
              </Button>
              <Button variant="ghost" size="sm" onClick={() => setDeleting(p)}>
                <Trash2 /> Delete
              </Button>
            </div>
          </Card>
        ))}
      </div>
      {editing ? (
        <PolicyDialog
          policy={editing === "new" ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(name) => {
            toast.success(`Saved policy “${name}”`);
            setEditing(null);
            void refresh();
          }}
        />
      ) : null}
      <Dialog
        open={deleting !== null}
        onOpenChange={(open) => (open ? null : setDeleting(null))}
        title={`Delete “${deleting?.name ?? ""}”?`}
        description="Decisions opened from now on no longer follow it; decisions already waiting keep the rules they were opened with."
        footer={
          <>
            <Button variant="secondary" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button variant="danger" disabled={remove.isPending} onClick={() => deleting && remove.mutate({ id: deleting.id })}>
              Delete policy
            </Button>
          </>
        }
      />
    </>
  );
}
