"use client";

import { useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Plus, X } from "lucide-react";
import { CLASS_WORDS, TOOL_CLASSES, type ApprovalPolicy, type PolicyScope, type ValueRule } from "@/lib/governance/policy";
import { useTRPC } from "@/components/trpc-provider";
import { errorProblems } from "@/components/trpc-errors";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label, Select } from "@/components/ui/input";

interface FormState {
  name: string;
  description: string;
  scope: PolicyScope;
  target: string;
  enabled: boolean;
  approverRole: "approver" | "admin";
  requiredApprovals: string;
  separationOfDuties: boolean;
  reasonOnReject: boolean;
  maxTimeout: string;
  allowAutoApprove: boolean;
  valueRules: { expression: string; action: "refuse" | "approvers" | "admin"; approvers: string; message: string }[];
}

function toForm(p: ApprovalPolicy | null): FormState {
  const r = p?.rules;
  return {
    name: p?.name ?? "",
    description: p?.description ?? "",
    scope: p?.scope ?? "tool",
    target: p?.target ?? "",
    enabled: p?.enabled ?? true,
    approverRole: r?.approverRole ?? "approver",
    requiredApprovals: String(r?.requiredApprovals ?? 1),
    separationOfDuties: r?.separationOfDuties ?? true,
    reasonOnReject: r?.reasonOnReject ?? true,
    maxTimeout: r?.maxTimeout ?? "",
    allowAutoApprove: r?.allowAutoApprove ?? false,
    valueRules: (r?.valueRules ?? []).map((v) => ({
      expression: v.expression,
      action: v.otherwise.action === "refuse" ? "refuse" : v.otherwise.approverRole === "admin" ? "admin" : "approvers",
      approvers: String(v.otherwise.action === "require" ? (v.otherwise.requiredApprovals ?? 2) : 2),
      message: v.message,
    })),
  };
}

/** The form as the API takes it; numbers the person typed stay as they are so the server names what is wrong. */
function toInput(f: FormState) {
  const valueRules: ValueRule[] = f.valueRules.map((v) => ({
    expression: v.expression,
    message: v.message,
    otherwise:
      v.action === "refuse"
        ? { action: "refuse" as const }
        : v.action === "admin"
          ? { action: "require" as const, approverRole: "admin" as const }
          : { action: "require" as const, requiredApprovals: Number(v.approvers) },
  }));
  return {
    name: f.name,
    description: f.description,
    scope: f.scope,
    target: f.scope === "approval_steps" ? "" : f.target,
    enabled: f.enabled,
    rules: {
      approverRole: f.approverRole,
      requiredApprovals: Number(f.requiredApprovals),
      separationOfDuties: f.separationOfDuties,
      reasonOnReject: f.reasonOnReject,
      maxTimeout: f.maxTimeout.trim() || null,
      allowAutoApprove: f.allowAutoApprove,
      valueRules,
    },
  };
}

/** Problem paths shown beside their own field; any other is listed under the form. */
const SHOWN = /^(name|target|rules\.requiredApprovals|rules\.maxTimeout|rules\.valueRules\[\d+\]\.(expression|otherwise\.requiredApprovals))$/;

function Check({ id, checked, onChange, children }: { id: string; checked: boolean; onChange: (v: boolean) => void; children: string }) {
  return (
    <label htmlFor={id} className="flex items-center gap-2 text-sm text-slate-700">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {children}
    </label>
  );
}

export function PolicyDialog({ policy, onClose, onSaved }: { policy: ApprovalPolicy | null; onClose: () => void; onSaved: (name: string) => void }) {
  const trpc = useTRPC();
  const toolRefs = useQuery(trpc.policies.toolRefs.queryOptions());
  const [form, setForm] = useState<FormState>(() => toForm(policy));
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  const save = useMutation(
    policy
      ? trpc.policies.update.mutationOptions({ onSuccess: (p) => onSaved(p.name) })
      : trpc.policies.create.mutationOptions({ onSuccess: (p) => onSaved(p.name) }),
  );
  const problems = errorProblems(save.error);
  const err = (path: string) => problems.find((p) => p.path === path)?.message ?? null;
  const submit = () => {
    const input = toInput(form);
    if (policy) (save.mutate as (v: { id: string; policy: unknown }) => void)({ id: policy.id, policy: input });
    else (save.mutate as (v: unknown) => void)(input);
  };
  const setRule = (i: number, patch: Partial<FormState["valueRules"][number]>) =>
    set({ valueRules: form.valueRules.map((v, j) => (j === i ? { ...v, ...patch } : v)) });

  return (
    <Dialog
      open
      onOpenChange={(open) => (open ? null : onClose())}
      title={policy ? `Edit “${policy.name}”` : "Add a policy"}
      description="Missions may ask for more than this, never for less."
      className="w-[min(94vw,680px)]"
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={save.isPending} onClick={submit}>
            Save policy
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        <div className="space-y-1.5">
          <Label htmlFor="policy-name">Name</Label>
          <Input id="policy-name" value={form.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={!!err("name")} placeholder="Refund limits" />
          <FieldError>{err("name")}</FieldError>
        </div>
        <div className="grid gap-3 sm:grid-cols-2">
          <div className="space-y-1.5">
            <Label htmlFor="policy-scope">Applies to</Label>
            <Select id="policy-scope" value={form.scope} onChange={(e) => set({ scope: e.target.value as PolicyScope, target: "" })}>
              <option value="tool">One tool</option>
              <option value="tool_class">A kind of tool</option>
              <option value="approval_steps">Every Approval step</option>
            </Select>
          </div>
          {form.scope === "tool" ? (
            <div className="space-y-1.5">
              <Label htmlFor="policy-target">Tool</Label>
              <Input id="policy-target" list="policy-tools" value={form.target} onChange={(e) => set({ target: e.target.value })} aria-invalid={!!err("target")} placeholder="commerce.issue_refund" />
              <datalist id="policy-tools">
                {(toolRefs.data ?? []).map((r) => (
                  <option key={r} value={r} />
                ))}
              </datalist>
              <FieldError>{err("target")}</FieldError>
            </div>
          ) : form.scope === "tool_class" ? (
            <div className="space-y-1.5">
              <Label htmlFor="policy-target">Kind of tool</Label>
              <Select id="policy-target" value={form.target} onChange={(e) => set({ target: e.target.value })} aria-invalid={!!err("target")}>
                <option value="">Choose…</option>
                {TOOL_CLASSES.map((c) => (
                  <option key={c} value={c}>
                    {CLASS_WORDS[c]}
                  </option>
                ))}
              </Select>
              <FieldError>{err("target")}</FieldError>
            </div>
          ) : null}
        </div>
        <div className="grid gap-3 sm:grid-cols-3">
          <div className="space-y-1.5">
            <Label htmlFor="policy-role">Who decides</Label>
            <Select id="policy-role" value={form.approverRole} onChange={(e) => set({ approverRole: e.target.value as FormState["approverRole"] })}>
              <option value="approver">Approvers (or admins)</option>
              <option value="admin">Admins only</option>
            </Select>
          </div>
          <div className="space-y-1.5">
            <Label htmlFor="policy-approvals">Approvals needed</Label>
            <Input id="policy-approvals" type="number" min={1} max={10} value={form.requiredApprovals} onChange={(e) => set({ requiredApprovals: e.target.value })} aria-invalid={!!err("rules.requiredApprovals")} />
            <FieldError>{err("rules.requiredApprovals")}</FieldError>
          </div>
          <div className="space-y-1.5">
            <Label htmlFor="policy-timeout">Longest wait</Label>
            <Input id="policy-timeout" value={form.maxTimeout} onChange={(e) => set({ maxTimeout: e.target.value })} aria-invalid={!!err("rules.maxTimeout")} placeholder="no cap (e.g. 24h)" />
            <FieldError>{err("rules.maxTimeout")}</FieldError>
          </div>
        </div>
        <div className="grid gap-2 sm:grid-cols-2">
          <Check id="policy-sod" checked={form.separationOfDuties} onChange={(v) => set({ separationOfDuties: v })}>
            Not the run&apos;s starter or the version&apos;s author
          </Check>
          <Check id="policy-reason" checked={form.reasonOnReject} onChange={(v) => set({ reasonOnReject: v })}>
            A rejection needs a reason
          </Check>
          <Check id="policy-auto" checked={form.allowAutoApprove} onChange={(v) => set({ allowAutoApprove: v })}>
            May be approved automatically at timeout
          </Check>
          <Check id="policy-enabled" checked={form.enabled} onChange={(v) => set({ enabled: v })}>
            Policy is on
          </Check>
        </div>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">Bounds on the values</legend>
          <p className="text-xs text-slate-500">An expression over the values being approved, e.g. <code>amount &lt;= 500</code>. When it does not hold…</p>
          {form.valueRules.map((v, i) => (
            <div key={i} className="space-y-1.5 rounded-md border border-slate-200 p-3" data-testid="value-rule">
              <div className="flex gap-2">
                <Input aria-label={`Bound ${i + 1}`} value={v.expression} onChange={(e) => setRule(i, { expression: e.target.value })} aria-invalid={!!err(`rules.valueRules[${i}].expression`)} placeholder="amount <= 500" className="font-mono" />
                <Button variant="ghost" size="icon" aria-label={`Remove bound ${i + 1}`} onClick={() => set({ valueRules: form.valueRules.filter((_, j) => j !== i) })}>
                  <X />
                </Button>
              </div>
              <FieldError>{err(`rules.valueRules[${i}].expression`)}</FieldError>
              <div className="flex flex-wrap items-center gap-2">
                <Select aria-label={`When bound ${i + 1} does not hold`} value={v.action} onChange={(e) => setRule(i, { action: e.target.value as FormState["valueRules"][number]["action"] })} className="w-auto">
                  <option value="refuse">refuse the approval</option>
                  <option value="approvers">ask for more approvers</option>
                  <option value="admin">ask for an admin</option>
                </Select>
                {v.action === "approvers" ? (
                  <Input aria-label={`Approvers needed when bound ${i + 1} does not hold`} type="number" min={1} max={10} value={v.approvers} onChange={(e) => setRule(i, { approvers: e.target.value })} className="w-20" />
                ) : null}
                <Input aria-label={`Message for bound ${i + 1}`} value={v.message} onChange={(e) => setRule(i, { message: e.target.value })} placeholder="What approvers are told" className="min-w-48 flex-1" />
              </div>
              <FieldError>{err(`rules.valueRules[${i}].otherwise.requiredApprovals`)}</FieldError>
            </div>
          ))}
          <Button variant="secondary" size="sm" onClick={() => set({ valueRules: [...form.valueRules, { expression: "", action: "refuse", approvers: "2", message: "" }] })}>
            <Plus /> Add a bound
          </Button>
        </fieldset>
        {save.error && !problems.length ? <FieldError>{save.error.message}</FieldError> : null}
        {problems
          .filter((p) => !SHOWN.test(p.path))
          .map((p) => (
            <FieldError key={p.path}>{`${p.path}: ${p.message}`}</FieldError>
          ))}
      </div>
    </Dialog>
  );
}
