"use client";

import { ROLES, type ApprovalData } from "@/lib/mission/schema";
import { AddButton, CheckboxField, ExpressionField, NumberField, RowList, Section, SelectField, TextField } from "./fields";
import type { FormProps } from "./form-props";

type Proposed = ApprovalData["proposed"][number];

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: r[0]?.toUpperCase() + r.slice(1) }));
const TIMEOUT_OPTIONS = [
  { value: "reject", label: "Reject it" },
  { value: "approve", label: "Approve it" },
  { value: "escalate", label: "Escalate to another role" },
] as const;

function uniqueName(items: readonly Proposed[]): string {
  for (let i = items.length + 1; ; i++) if (!items.some((p) => p.name === `value${i}`)) return `value${i}`;
}

export function ApprovalForm({ nodeId, data, update }: FormProps<"approval">) {
  const setProposed = (i: number, patch: Partial<Proposed>, key: string) =>
    update({ proposed: data.proposed.map((p, j) => (j === i ? { ...p, ...patch } : p)) }, `proposed.${i}.${key}`);
  return (
    <>
      <Section title="Decision">
        <TextField label="Title" value={data.title} path="title" placeholder="What the approver decides" onChange={(v) => update({ title: v }, "title")} />
        <div className="grid grid-cols-2 gap-2">
          <SelectField label="Approver role" value={data.approverRole} path="approverRole" options={ROLE_OPTIONS} onChange={(v) => update({ approverRole: v }, "approverRole")} />
          <NumberField label="Approvals needed" min={1} max={10} value={data.requiredApprovals} path="requiredApprovals" onChange={(n) => update({ requiredApprovals: n }, "requiredApprovals")} />
        </div>
        <CheckboxField
          label="Separation of duties"
          hint="Whoever started the run or saved this version may not approve."
          checked={data.separationOfDuties}
          onChange={(v) => update({ separationOfDuties: v }, "separationOfDuties")}
        />
        <CheckboxField label="Reason required on reject" checked={data.reasonRequiredOnReject} onChange={(v) => update({ reasonRequiredOnReject: v }, "reasonRequiredOnReject")} />
      </Section>
      <Section
        title="Proposed values"
        description={`What the approver sees and may edit; later steps read ${nodeId}.values.<name>.`}
        action={
          <AddButton testId="add-proposed" onClick={() => update({ proposed: [...data.proposed, { name: uniqueName(data.proposed), label: "", type: "string", expression: "", editable: false }] }, "proposed")}>
            Add value
          </AddButton>
        }
      >
        <RowList
          testId="proposed"
          items={data.proposed}
          empty="No proposed values: the approver only approves or rejects."
          itemLabel={(p) => `value ${p.name}`}
          onRemove={(i) => update({ proposed: data.proposed.filter((_, j) => j !== i) }, "proposed")}
          render={(p, i) => (
            <>
              <div className="grid grid-cols-[1fr_8.5rem] gap-2">
                <TextField label="Name" mono value={p.name} path={`proposed[${i}].name`} onChange={(v) => setProposed(i, { name: v }, "name")} />
                <SelectField
                  label="Type"
                  value={p.type}
                  path={`proposed[${i}].type`}
                  options={(["string", "number", "boolean"] as const).map((t) => ({ value: t, label: t }))}
                  onChange={(v) => setProposed(i, { type: v }, "type")}
                />
              </div>
              <TextField label="Label" value={p.label} path={`proposed[${i}].label`} onChange={(v) => setProposed(i, { label: v }, "label")} />
              <ExpressionField label="Value" value={p.expression} path={`proposed[${i}].expression`} placeholder="reason.amount" onChange={(v) => setProposed(i, { expression: v }, "expression")} />
              <CheckboxField label="Approver may edit" checked={p.editable} onChange={(v) => setProposed(i, { editable: v }, "editable")} />
            </>
          )}
        />
      </Section>
      <Section title="If nobody decides">
        <div className="grid grid-cols-2 gap-2">
          <TextField label="Timeout" mono value={data.timeout} path="timeout" placeholder="24h" hint="30m, 24h, 7d…" onChange={(v) => update({ timeout: v }, "timeout")} />
          <SelectField label="Then" value={data.onTimeout} path="onTimeout" options={TIMEOUT_OPTIONS} onChange={(v) => update({ onTimeout: v, ...(v === "escalate" ? {} : { escalateTo: undefined }) }, "onTimeout")} />
        </div>
        {data.onTimeout === "escalate" ? (
          <SelectField
            label="Escalate to"
            value={data.escalateTo ?? ""}
            path="escalateTo"
            options={[{ value: "", label: "Choose a role…" }, ...ROLE_OPTIONS]}
            onChange={(v) => update({ escalateTo: v === "" ? undefined : v }, "escalateTo")}
          />
        ) : null}
      </Section>
    </>
  );
}
