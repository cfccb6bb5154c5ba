"use client";

import type { ConditionData } from "@/lib/mission/schema";
import { renameHandle } from "../graph-ops";
import { useEditorStoreApi } from "../store/editor-context";
import { AddButton, ExpressionField, RowList, Section, TextField } from "./fields";
import type { FormProps } from "./form-props";

type Branch = ConditionData["branches"][number];

function uniqueId(branches: readonly Branch[]): string {
  for (let i = branches.length + 1; ; i++) if (!branches.some((b) => b.id === `branch${i}`)) return `branch${i}`;
}

export function ConditionForm({ nodeId, data, update }: FormProps<"condition">) {
  const store = useEditorStoreApi();
  const setBranch = (i: number, patch: Partial<Branch>, key: string) =>
    update({ branches: data.branches.map((b, j) => (j === i ? { ...b, ...patch } : b)) }, `branches.${i}.${key}`);
  // A branch id is also its output port: connections leaving it move with the rename.
  const renameBranch = (i: number, id: string) => {
    const from = data.branches[i]?.id;
    if (from === undefined) return;
    const next = { ...data, branches: data.branches.map((b, j) => (j === i ? { ...b, id } : b)) };
    const s = store.getState();
    s.commit(renameHandle(s.graph, nodeId, from, id, next), { coalesce: `${nodeId}:branches.${i}.id` });
  };
  return (
    <Section
      title="Branches"
      description="Checked in order; the run takes the first whose expression is true, otherwise Else."
      action={
        <AddButton testId="add-branch" onClick={() => update({ branches: [...data.branches, { id: uniqueId(data.branches), label: "", expression: "" }] }, "branches")}>
          Add branch
        </AddButton>
      }
    >
      <RowList
          testId="branch"
        items={data.branches}
        empty="No branches yet: every run would go to Else."
        itemLabel={(b) => `branch ${b.id}`}
        onRemove={(i) => update({ branches: data.branches.filter((_, j) => j !== i) }, "branches")}
        onMove={(from, to) => {
          const branches = data.branches.slice();
          const [moved] = branches.splice(from, 1);
          if (moved) branches.splice(to, 0, moved);
          update({ branches }, "branches");
        }}
        render={(b, i) => (
          <>
            <div className="grid grid-cols-2 gap-2">
              <TextField label="Branch id" mono value={b.id} path={`branches[${i}].id`} onChange={(v) => renameBranch(i, v)} />
              <TextField label="Branch label" value={b.label} path={`branches[${i}].label`} placeholder={b.id} onChange={(v) => setBranch(i, { label: v }, "label")} />
            </div>
            <ExpressionField
              label="When"
              value={b.expression}
              path={`branches[${i}].expression`}
              placeholder='reason.decision == "deny"'
              onChange={(v) => setBranch(i, { expression: v }, "expression")}
            />
          </>
        )}
      />
      <p className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600">
        <span className="font-medium text-slate-700">Else</span> is taken when no branch matches.
      </p>
    </Section>
  );
}
