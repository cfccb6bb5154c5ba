"use client";

import { expressionsRead, followsLabel, identifierFromLabel } from "@/lib/mission/identifiers";
import { nodeExprFields } from "@/lib/mission/node-kinds";
import { CHANNELS, FIELD_TYPES, type InputField, type MissionGraph, type TriggerData } from "@/lib/mission/schema";
import { useEditorStoreApi } from "../store/editor-context";
import { BudgetFields } from "./budget-fields";
import { AddButton, CheckboxField, NumberField, RowList, Section, SelectField, TextAreaField, TextField, useFieldProblem } from "./fields";
import type { FormProps } from "./form-props";
import { browserTimeZone, ScheduleSection, WebhookSection } from "./trigger-channels";
import { TriggerToolSection } from "./trigger-tool";

const CHANNEL_TEXT: Record<(typeof CHANNELS)[number], { label: string; hint: string }> = {
  manual: { label: "Manual", hint: "Started by a builder from the mission page" },
  portal: { label: "Portal", hint: "A public form at /p/<address>" },
  api: { label: "API", hint: "POST /api/v1/missions/<id>/runs with an API key" },
  schedule: { label: "Schedule", hint: "Runs by itself at the times you set (a cron in a time zone)" },
  webhook: { label: "Webhook", hint: "Another system POSTs signed JSON to this mission's URL" },
};

const TEXT_TYPES = new Set(["string", "text", "email"]);

function uniqueName(fields: readonly InputField[]): string {
  for (let i = fields.length + 1; ; i++) if (!fields.some((f) => f.name === `field${i}`)) return `field${i}`;
}

/** The name a new input has until it gets a label (uniqueName's, or the fallback of an emptied label). */
const PLACEHOLDER_NAME = /^field\d*(_\d+)?$/;

/**
 * The name of input `i` once its label reads `label`: derived from the label ("Order number" →
 * `order_number`) while it still follows the label, kept once typed by hand or read by an
 * expression (renaming it then would break that expression).
 */
function nameForLabel(graph: MissionGraph, triggerId: string, fields: readonly InputField[], i: number, label: string): string {
  const f = fields[i] as InputField;
  const taken = fields.filter((_, j) => j !== i).map((o) => o.name);
  const options = { taken, fallback: "field" };
  if (!followsLabel({ id: f.name, label: f.label }, { ...options, placeholder: PLACEHOLDER_NAME })) return f.name;
  const expressions = graph.nodes.flatMap((n) => nodeExprFields(n).map((e) => e.expression));
  if (expressionsRead(expressions, [triggerId, "trigger"], f.name)) return f.name;
  return identifierFromLabel(label, options);
}

export function TriggerForm({ nodeId, data, update }: FormProps<"trigger">) {
  const store = useEditorStoreApi();
  const channelProblem = useFieldProblem("channels*");
  const setField = (i: number, patch: Partial<InputField>, key: string) =>
    update({ fields: data.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)) }, `fields.${i}.${key}`);
  const setLabel = (i: number, label: string) => setField(i, { label, name: nameForLabel(store.getState().graph, nodeId, data.fields, i, label) }, "label");
  const setChannel = (channel: TriggerData["channels"][number], on: boolean) => {
    const channels = CHANNELS.filter((c) => (c === channel ? on : data.channels.includes(c)));
    const patch: Partial<TriggerData> = { channels };
    if (channel === "portal" && on && !data.portal) patch.portal = { title: "", intro: "" };
    if (channel === "schedule" && on && !data.schedule) patch.schedule = { cron: "0 8 * * 1-5", timezone: browserTimeZone(), input: {} };
    if (channel === "webhook" && on && !data.webhook) patch.webhook = { mapping: {} };
    update(patch, "channels");
  };
  return (
    <>
      <Section title="Who can start it" description="The channels that may start a run.">
        <div className="space-y-2">
          {CHANNELS.map((c) => (
            <CheckboxField key={c} label={CHANNEL_TEXT[c].label} hint={CHANNEL_TEXT[c].hint} checked={data.channels.includes(c)} onChange={(on) => setChannel(c, on)} />
          ))}
        </div>
        {channelProblem ? <p className="text-xs text-red-600">{channelProblem}</p> : null}
        {data.channels.includes("portal") ? (
          <div className="space-y-2 rounded-lg border border-slate-200 p-3">
            <TextField
              label="Portal address"
              value={data.portal?.slug ?? ""}
              path="portal.slug"
              mono
              placeholder="refunds"
              hint="Lowercase letters, digits and dashes."
              onChange={(v) => update({ portal: { title: "", intro: "", ...data.portal, slug: v || undefined } }, "portal.slug")}
            />
            <TextField label="Portal title" value={data.portal?.title ?? ""} path="portal.title" onChange={(v) => update({ portal: { intro: "", ...data.portal, title: v } }, "portal.title")} />
            <TextAreaField label="Portal intro" rows={2} value={data.portal?.intro ?? ""} path="portal.intro" onChange={(v) => update({ portal: { title: "", ...data.portal, intro: v } }, "portal.intro")} />
            <p className="text-xs text-slate-500">Budget of each portal run (visitors cannot set one; the mission’s budget still caps it).</p>
            <BudgetFields
              budget={data.portal?.budget}
              path="portal.budget"
              onChange={(budget) => {
                const { budget: _old, ...portal } = { title: "", intro: "", ...data.portal };
                void _old;
                update({ portal: budget ? { ...portal, budget } : portal }, "portal.budget");
              }}
            />
          </div>
        ) : null}
        {data.channels.includes("schedule") ? <ScheduleSection data={data} update={update} /> : null}
        {data.channels.includes("webhook") ? <WebhookSection data={data} update={update} /> : null}
      </Section>
      <TriggerToolSection data={data} update={update} />
      <Section
        title="Inputs"
        description="What a run is started with; later steps read them as trigger.<name>."
        action={
          <AddButton testId="add-input-field" onClick={() => update({ fields: [...data.fields, { name: uniqueName(data.fields), label: "", type: "string", required: true, description: "" }] }, "fields")}>
            Add input
          </AddButton>
        }
      >
        <RowList
          testId="input"
          items={data.fields}
          empty="No inputs yet. Add the values a run needs, like an order number."
          itemLabel={(f) => `input ${f.name}`}
          onRemove={(i) => update({ fields: data.fields.filter((_, j) => j !== i) }, "fields")}
          onMove={(from, to) => {
            const fields = data.fields.slice();
            const [moved] = fields.splice(from, 1);
            if (moved) fields.splice(to, 0, moved);
            update({ fields }, "fields");
          }}
          render={(f, i) => (
            <>
              <div className="grid grid-cols-[1fr_8.5rem] gap-2">
                <TextField label="Label" value={f.label} path={`fields[${i}].label`} placeholder="e.g. Order number" onChange={(v) => setLabel(i, v)} />
                <SelectField
                  label="Type"
                  value={f.type}
                  path={`fields[${i}].type`}
                  options={FIELD_TYPES.map((t) => ({ value: t, label: t }))}
                  onChange={(v) => setField(i, { type: v, ...(TEXT_TYPES.has(v) ? {} : { maxLength: undefined }) }, "type")}
                />
              </div>
              <TextField
                label="Name"
                mono
                value={f.name}
                path={`fields[${i}].name`}
                testId={`input-name-${i}`}
                hint={
                  <>
                    Read as <code className="font-mono text-slate-700">trigger.{f.name || "…"}</code> in expressions, and the key API calls send.
                  </>
                }
                onChange={(v) => setField(i, { name: v }, "name")}
              />
              <CheckboxField label="Required" checked={f.required} onChange={(v) => setField(i, { required: v }, "required")} />
              {TEXT_TYPES.has(f.type) ? (
                <NumberField
                  label="Maximum length (optional)"
                  value={f.maxLength ?? 0}
                  min={0}
                  max={100_000}
                  path={`fields[${i}].maxLength`}
                  hint="0 means no limit."
                  onChange={(n) => setField(i, { maxLength: n > 0 ? n : undefined }, "maxLength")}
                />
              ) : null}
            </>
          )}
        />
      </Section>
    </>
  );
}
