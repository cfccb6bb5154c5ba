"use client";

import { useContext, useId, useState } from "react";
import { X } from "lucide-react";
import { OUTPUT_TYPES, toolRefSchema, type OutputField } from "@/lib/mission/schema";
import { Input, Select } from "@/components/ui/input";
import { useCatalog } from "./catalog";
import { AddButton, FormContext, NumberField, RowList, Section, SelectField, TextAreaField, TextField, useFieldProblem } from "./fields";
import { EnumValues } from "./enum-values";
import type { FormProps } from "./form-props";
import { NO_CONNECTORS, ToolBadge } from "./tool-badge";

export const NO_MODELS = "No models registered yet — an admin adds them in Settings → Models.";

function uniqueName(outputs: readonly OutputField[]): string {
  for (let i = outputs.length + 1; ; i++) if (!outputs.some((o) => o.name === `output${i}`)) return `output${i}`;
}

/** Tool references as chips; new ones from the registered connectors, or typed when there are none. */
function ToolPicker({ tools, onChange }: { tools: readonly string[]; onChange: (tools: string[]) => void }) {
  const catalog = useCatalog();
  const { readOnly } = useContext(FormContext);
  const problem = useFieldProblem("tools*");
  const id = useId();
  const [typed, setTyped] = useState("");
  const [typedError, setTypedError] = useState<string | null>(null);
  const byRef = new Map(catalog.tools.map((t) => [t.ref, t]));
  const available = catalog.tools.filter((t) => !tools.includes(t.ref));

  function addTyped() {
    const ref = typed.trim();
    const parsed = toolRefSchema.safeParse(ref);
    if (!parsed.success) {
      setTypedError(`Tool ${parsed.error.issues[0]?.message ?? "is not valid"}`);
      return;
    }
    if (!tools.includes(ref)) onChange([...tools, ref]);
    setTyped("");
    setTypedError(null);
  }

  return (
    <div className="space-y-2">
      {tools.length ? (
        <ul className="space-y-1" aria-label="Allowed tools">
          {tools.map((ref) => (
            <li key={ref} className="flex items-center gap-2 rounded-md border border-slate-200 bg-white px-2 py-1">
              <code className="min-w-0 flex-1 truncate font-mono text-xs text-slate-800">{ref}</code>
              <ToolBadge tool={byRef.get(ref)} />
              {readOnly ? null : (
                <button type="button" className="rounded p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700" aria-label={`Remove tool ${ref}`} onClick={() => onChange(tools.filter((t) => t !== ref))}>
                  <X className="size-3.5" />
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-xs text-slate-500">No tools: the Worker can only reason over its inputs.</p>
      )}
      {problem ? <p className="text-xs text-red-600">{problem}</p> : null}
      {readOnly ? null : catalog.loaded && catalog.tools.length ? (
        <Select
          aria-label="Add a tool"
          value=""
          className="h-8 py-0"
          onChange={(e) => {
            if (e.target.value) onChange([...tools, e.target.value]);
          }}
        >
          <option value="">Add a tool…</option>
          {available.map((t) => (
            <option key={t.ref} value={t.ref}>
              {t.ref} — {t.readOnly ? "read-only" : "state-changing"}
              {t.enabled ? "" : " (connector off)"}
            </option>
          ))}
        </Select>
      ) : (
        <div className="space-y-1.5 rounded-md border border-dashed border-slate-300 p-2.5">
          {catalog.loaded ? <p className="text-xs text-slate-600">{NO_CONNECTORS}</p> : null}
          <div className="flex gap-1.5">
            <Input
              id={id}
              aria-label="Tool reference"
              value={typed}
              placeholder="connector.tool"
              className="h-8 font-mono text-xs"
              onChange={(e) => setTyped(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  addTyped();
                }
              }}
            />
            <button type="button" onClick={addTyped} className="shrink-0 rounded-md border border-slate-300 bg-white px-2.5 text-xs font-medium text-slate-700 hover:bg-slate-50">
              Add tool
            </button>
          </div>
          {typedError ? <p className="text-xs text-red-600">{typedError}</p> : <p className="text-[11px] text-slate-500">Or name one by reference now and register its connector later.</p>}
        </div>
      )}
    </div>
  );
}

function ModelPicker({ value, onChange }: { value: string; onChange: (model: string) => void }) {
  const catalog = useCatalog();
  if (catalog.loaded && catalog.models.length) {
    const known = catalog.models.some((m) => m.id === value);
    return (
      <SelectField
        label="Model"
        value={value}
        path="model"
        options={[
          { value: "", label: "Default model" },
          ...catalog.models.map((m) => ({ value: m.id, label: m.label })),
          ...(value && !known ? [{ value, label: `${value} (not registered)` }] : []),
        ]}
        onChange={onChange}
      />
    );
  }
  return (
    <div className="space-y-1.5">
      <TextField label="Model" mono value={value} path="model" placeholder="Default model" onChange={onChange} />
      {catalog.loaded ? (
        <p className="rounded-md border border-dashed border-slate-300 p-2 text-xs text-slate-600">{NO_MODELS} Until then, leave this empty for the default model or type a model id.</p>
      ) : null}
    </div>
  );
}

export function WorkerForm({ nodeId, data, update }: FormProps<"worker">) {
  const setOutput = (i: number, patch: Partial<OutputField>, key: string) =>
    update({ outputs: data.outputs.map((o, j) => (j === i ? { ...o, ...patch } : o)) }, `outputs.${i}.${key}`);
  return (
    <>
      <Section title="Instructions">
        <TextAreaField label="Instructions" rows={6} value={data.instructions} path="instructions" placeholder="What this Worker should find out or decide, and how." onChange={(v) => update({ instructions: v }, "instructions")} />
        <ModelPicker value={data.model} onChange={(v) => update({ model: v }, "model")} />
        <NumberField label="Step limit" min={1} max={50} value={data.maxSteps} path="maxSteps" hint="Most tool calls and reasoning steps per run." onChange={(n) => update({ maxSteps: n }, "maxSteps")} />
      </Section>
      <Section title="Tools" description="What it may call. State-changing calls wait in the Decision Queue.">
        <ToolPicker tools={data.tools} onChange={(tools) => update({ tools }, "tools")} />
      </Section>
      <Section
        title="Outputs"
        description={`What it returns; later steps read them as ${nodeId}.<name>.`}
        action={
          <AddButton testId="add-output" onClick={() => update({ outputs: [...data.outputs, { name: uniqueName(data.outputs), type: "string", description: "" }] }, "outputs")}>
            Add output
          </AddButton>
        }
      >
        <RowList
          testId="output"
          items={data.outputs}
          empty="No outputs yet. Add the values later steps need."
          itemLabel={(o) => `output ${o.name}`}
          onRemove={(i) => update({ outputs: data.outputs.filter((_, j) => j !== i) }, "outputs")}
          render={(o, i) => (
            <>
              <div className="grid grid-cols-[1fr_8.5rem] gap-2">
                <TextField label="Name" mono value={o.name} path={`outputs[${i}].name`} onChange={(v) => setOutput(i, { name: v }, "name")} />
                <SelectField
                  label="Type"
                  value={o.type}
                  path={`outputs[${i}].type`}
                  options={OUTPUT_TYPES.map((t) => ({ value: t, label: t }))}
                  onChange={(v) => setOutput(i, { type: v, values: v === "enum" ? (o.values ?? []) : undefined }, "type")}
                />
              </div>
              <TextField label="Description" value={o.description} path={`outputs[${i}].description`} placeholder="Tells the model what to return" onChange={(v) => setOutput(i, { description: v }, "description")} />
              {o.type === "enum" ? (
                <EnumValues values={o.values ?? []} path={`outputs[${i}].values`} onChange={(values) => setOutput(i, { values }, "values")} />
              ) : null}
            </>
          )}
        />
      </Section>
    </>
  );
}
