"use client";

import { useMemo } from "react";
import { useQuery } from "@tanstack/react-query";
import { evaluateExpression, ExpressionBudget } from "@/lib/mission/expressions";
import { computeValues, type ComputedValue } from "@/lib/mission/kinds/transform";
import { OUTPUT_TYPES, type InputField, type MissionGraph, type TransformData } from "@/lib/mission/schema";
import { expressionScope } from "@/lib/mission/scope";
import { useTRPC } from "@/components/trpc-provider";
import { useEditor, useEditorStoreApi } from "../store/editor-context";
import { AddButton, ExpressionField, RowList, Section, SelectField, TextField } from "./fields";
import type { FormProps } from "./form-props";
import { EnumValues } from "./enum-values";

type Value = TransformData["values"][number];

function uniqueName(values: readonly Value[]): string {
  for (let i = values.length + 1; ; i++) if (!values.some((v) => v.name === `value${i}`)) return `value${i}`;
}

export function TransformForm({ nodeId, data, update }: FormProps<"transform">) {
  const setValue = (i: number, patch: Partial<Value>, key: string) => update({ values: data.values.map((v, j) => (j === i ? { ...v, ...patch } : v)) }, `values.${i}.${key}`);
  return (
    <>
      <Section
        title="Values"
        description={`Computed in order from expressions; later steps read them as ${nodeId}.<name>.`}
        action={
          <AddButton testId="add-value" onClick={() => update({ values: [...data.values, { name: uniqueName(data.values), type: "string", description: "", expression: "" }] }, "values")}>
            Add value
          </AddButton>
        }
      >
        <RowList
          testId="value"
          items={data.values}
          empty="No values yet. Add the values later steps need."
          itemLabel={(v) => `value ${v.name}`}
          onRemove={(i) => update({ values: data.values.filter((_, j) => j !== i) }, "values")}
          render={(v, i) => (
            <>
              <div className="grid grid-cols-[1fr_8.5rem] gap-2">
                <TextField label="Name" mono value={v.name} path={`values[${i}].name`} onChange={(name) => setValue(i, { name }, "name")} />
                <SelectField
                  label="Type"
                  value={v.type}
                  path={`values[${i}].type`}
                  options={OUTPUT_TYPES.map((t) => ({ value: t, label: t }))}
                  onChange={(type) => setValue(i, { type, values: type === "enum" ? (v.values ?? []) : undefined }, "type")}
                />
              </div>
              <ExpressionField label="Expression" value={v.expression} path={`values[${i}].expression`} placeholder="trigger.amount * 2.0" onChange={(expression) => setValue(i, { expression }, "expression")} />
              {v.type === "enum" ? <EnumValues values={v.values ?? []} path={`values[${i}].values`} onChange={(values) => setValue(i, { values }, "values")} /> : null}
              <TextField label="Description" value={v.description} path={`values[${i}].description`} placeholder="What it means" onChange={(description) => setValue(i, { description }, "description")} />
            </>
          )}
        />
      </Section>
      <Preview nodeId={nodeId} data={data} />
    </>
  );
}

/** A value of each trigger field's type, for a preview before the mission has run. */
function sampleInput(graph: MissionGraph): Record<string, unknown> {
  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  const fields: readonly InputField[] = trigger?.kind === "trigger" ? trigger.data.fields : [];
  const sample = (f: InputField) => (f.type === "number" ? 1 : f.type === "boolean" ? true : f.type === "email" ? "someone@example.com" : `sample ${f.name}`);
  return Object.fromEntries(fields.map((f) => [f.name, sample(f)]));
}

/**
 * The values as the step would compute them now: from the mission's last run (its input and the
 * outputs its steps recorded), or from sample input when it has not run. Evaluated in the browser
 * with the same bounded CEL evaluation as the engine.
 */
function Preview({ nodeId, data }: { nodeId: string; data: TransformData }) {
  const store = useEditorStoreApi();
  const missionId = useEditor((s) => s.missionId);
  const trpc = useTRPC();
  const runs = useQuery({ ...trpc.runs.list.queryOptions({ missionId, limit: 1 }), staleTime: 30_000, refetchOnWindowFocus: false });
  const lastRunId = runs.data?.items[0]?.id;
  const last = useQuery({ ...trpc.runs.get.queryOptions({ runId: lastRunId ?? "" }), enabled: !!lastRunId, staleTime: 30_000, refetchOnWindowFocus: false });
  const run = last.data?.run;

  const computed: ComputedValue[] = useMemo(() => {
    const graph = store.getState().graph;
    const outputs = new Map((run?.nodes ?? []).filter((n) => n.status === "succeeded").map((n) => [n.nodeId, n.output]));
    const skipped = (run?.nodes ?? []).filter((n) => n.status === "skipped").map((n) => n.nodeId);
    const scope = expressionScope(graph, nodeId, { input: run ? run.input : sampleInput(graph), outputs, skipped });
    const budget = new ExpressionBudget();
    return computeValues(data.values, (_, src) => evaluateExpression(src, scope, budget));
  }, [store, nodeId, data.values, run]);

  if (!data.values.length) return null;
  const source = run ? `From the last run (${run.id.slice(0, 8)}, ${run.status})` : runs.isPending || (lastRunId && last.isPending) ? "Loading the last run…" : "From sample input: this mission has not run yet";
  return (
    <Section title="Preview" description={source}>
      <dl className="space-y-1.5 text-xs" data-testid="transform-preview">
        {computed.map((c, i) => (
          <div key={i} className="rounded-md border border-slate-200 bg-white px-2 py-1.5" data-testid={`transform-preview-${c.name}`}>
            <dt className="font-mono text-slate-600">{c.name}</dt>
            {c.ok ? (
              <dd className="break-words font-mono text-slate-900">{JSON.stringify(c.value)}</dd>
            ) : (
              <dd className="break-words text-red-700" role="status">
                {c.problem}
              </dd>
            )}
          </div>
        ))}
      </dl>
    </Section>
  );
}
