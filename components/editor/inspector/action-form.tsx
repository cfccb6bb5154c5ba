"use client";

import { useContext, useId, useState } from "react";
import { toolRefSchema } from "@/lib/mission/schema";
import { Input } from "@/components/ui/input";
import { useCatalog } from "./catalog";
import { AddButton, ExpressionField, Field, FormContext, Section, SelectField, TextField } from "./fields";
import type { FormProps } from "./form-props";
import { NO_CONNECTORS, ToolBadge } from "./tool-badge";

/** Renames one key of a record, keeping the order of the others. */
function renameKey(args: Record<string, string>, from: string, to: string): Record<string, string> {
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k === from ? to : k, v]));
}

function uniqueArg(args: Record<string, string>): string {
  for (let i = Object.keys(args).length + 1; ; i++) if (!(`arg${i}` in args)) return `arg${i}`;
}

/** An argument name edited in place: committed on blur so a half-typed name never clobbers another. */
function ArgName({ name, taken, onRename }: { name: string; taken: (n: string) => boolean; onRename: (to: string) => void }) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const [text, setText] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    const to = text.trim();
    if (to === name) return setError(null);
    if (!to) return setError("Argument name must not be empty");
    if (taken(to)) return setError(`There is already an argument ${to}`);
    setError(null);
    onRename(to);
  };
  return (
    <Field label="Argument name" htmlFor={id} problem={error}>
      <Input
        id={id}
        value={text}
        disabled={readOnly}
        className="h-8 font-mono text-xs"
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
        }}
      />
    </Field>
  );
}

export function ActionForm({ data, update }: FormProps<"action">) {
  const catalog = useCatalog();
  const tool = catalog.tools.find((t) => t.ref === data.tool);
  const properties = tool?.inputSchema?.properties ?? {};
  const required = new Set(tool?.inputSchema?.required ?? []);
  const schemaArgs = Object.keys(properties);
  const extraArgs = Object.keys(data.args).filter((k) => !(k in properties));
  const setArg = (name: string, expression: string) => update({ args: { ...data.args, [name]: expression } }, `args.${name}`);

  return (
    <>
      <Section title="Tool" description="The one connector tool this action calls. It changes data, so each call waits for a decision unless the tool is read-only.">
        {catalog.loaded && catalog.tools.length ? (
          <SelectField
            label="Tool"
            value={data.tool}
            path="tool"
            options={[
              { value: "", label: "Choose a tool…" },
              ...catalog.tools.map((t) => ({ value: t.ref, label: `${t.ref} — ${t.readOnly ? "read-only" : "state-changing"}` })),
              ...(data.tool && !tool ? [{ value: data.tool, label: `${data.tool} (not registered)` }] : []),
            ]}
            onChange={(v) => update({ tool: v }, "tool")}
          />
        ) : (
          <div className="space-y-1.5">
            <TextField
              label="Tool"
              mono
              value={data.tool}
              path="tool"
              placeholder="connector.tool"
              hint={data.tool && !toolRefSchema.safeParse(data.tool).success ? undefined : "Written as <connector>.<tool>, e.g. commerce.issue_refund."}
              onChange={(v) => update({ tool: v.trim() }, "tool")}
            />
            {catalog.loaded ? <p className="rounded-md border border-dashed border-slate-300 p-2 text-xs text-slate-600">{NO_CONNECTORS}</p> : null}
          </div>
        )}
        {data.tool ? (
          <div className="flex items-center gap-2 text-xs text-slate-600">
            <ToolBadge tool={tool} />
            {tool?.description ? <span className="truncate">{tool.description}</span> : null}
          </div>
        ) : null}
      </Section>
      <Section
        title="Arguments"
        description="Each argument's value is an expression over the trigger and earlier steps."
        action={
          <AddButton testId="add-argument" onClick={() => update({ args: { ...data.args, [uniqueArg(data.args)]: "" } }, "args")}>
            Add argument
          </AddButton>
        }
      >
        {schemaArgs.length === 0 && extraArgs.length === 0 ? (
          <p className="rounded-md border border-dashed border-slate-200 px-3 py-3 text-center text-xs text-slate-500">
            {tool ? "This tool takes no arguments." : "No arguments yet. Add one per tool argument."}
          </p>
        ) : null}
        <ul className="space-y-2">
          {schemaArgs.map((name) => (
            <li key={name} className="rounded-lg border border-slate-200 bg-slate-50/60 p-2.5" data-testid={`arg-${name}`}>
              <ExpressionField
                label={`${name}${required.has(name) ? " (required)" : ""}`}
                value={data.args[name] ?? ""}
                path={`args.${name}`}
                hint={[properties[name]?.type, properties[name]?.description].filter(Boolean).join(" · ") || undefined}
                onChange={(v) => setArg(name, v)}
              />
            </li>
          ))}
          {extraArgs.map((name) => (
            <li key={name} className="space-y-2 rounded-lg border border-slate-200 bg-slate-50/60 p-2.5" data-testid={`arg-${name}`}>
              <ArgName name={name} taken={(n) => n in data.args} onRename={(to) => update({ args: renameKey(data.args, name, to) }, `args.${name}.name`)} />
              <ExpressionField label={`Value of ${name}`} value={data.args[name] ?? ""} path={`args.${name}`} placeholder="trigger.orderId" onChange={(v) => setArg(name, v)} />
              <div className="flex justify-end">
                <FormRemove
                  label={`Remove argument ${name}`}
                  onClick={() => update({ args: Object.fromEntries(Object.entries(data.args).filter(([k]) => k !== name)) }, "args")}
                />
              </div>
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}

function FormRemove({ label, onClick }: { label: string; onClick: () => void }) {
  const { readOnly } = useContext(FormContext);
  if (readOnly) return null;
  return (
    <button type="button" aria-label={label} onClick={onClick} className="rounded px-1.5 py-0.5 text-xs text-red-600 hover:bg-red-50">
      Remove
    </button>
  );
}
