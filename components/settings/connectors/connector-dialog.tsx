"use client";

import { useState, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import type { ConnectorDetail, ConnectorView } from "@/server/connectors/service";
import { useTRPC } from "@/components/trpc-provider";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Dialog } from "@/components/ui/dialog";
import { FieldError, Input, Label, Textarea } from "@/components/ui/input";
import {
  TRANSPORT_LABELS,
  emptyForm,
  formFromConnector,
  localProblems,
  problemAt,
  rowProblem,
  toCreateInput,
  toUpdateInput,
  unplacedProblems,
  type ConnectorForm,
  type Problem,
  type Transport,
} from "./connector-form-state";
import { SecretRows } from "./secret-rows";
import { useFieldProblems } from "./use-field-problems";

/** Which problem paths a form field answers for: editing the field hides them until the next save. */
const FIELD_PATHS: Record<keyof ConnectorForm, string> = {
  name: "name",
  transport: "transport",
  command: "stdio.command",
  args: "stdio.args",
  cwd: "stdio.cwd",
  env: "stdio.env",
  url: "http.url",
  headers: "http.headers",
  timeoutMs: "timeoutMs",
};

const PLACED = ["name", "transport", "stdio.command", "stdio.args", "stdio.cwd", "stdio.env", "http.url", "http.headers", "timeoutMs"];

function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: string; error: string | null; children: ReactNode }) {
  return (
    <div className="space-y-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {hint && !error ? <p className="text-xs text-slate-500">{hint}</p> : null}
      <FieldError>{error}</FieldError>
    </div>
  );
}

/**
 * Adds a connector or edits one. On a failed save the dialog stays open with everything typed,
 * each problem on the field it names; nothing stored changes.
 */
export function ConnectorDialog({
  open,
  onOpenChange,
  editing,
  onSaved,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The connector to edit; absent to add one. */
  editing?: ConnectorView;
  onSaved: (c: ConnectorDetail) => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [form, setForm] = useState<ConnectorForm>(() => (editing ? formFromConnector(editing) : emptyForm()));
  const [local, setLocal] = useState<Problem[]>([]);
  const saved = (c: ConnectorDetail) => {
    void qc.invalidateQueries({ queryKey: trpc.connectors.list.queryKey() });
    void qc.invalidateQueries({ queryKey: trpc.connectors.get.queryKey({ id: c.id }) });
    onSaved(c);
  };
  const create = useMutation(
    trpc.connectors.create.mutationOptions({
      onSuccess: (c) => {
        toast.success(`Added ${c.name}`);
        setForm(emptyForm());
        saved(c);
      },
    }),
  );
  const update = useMutation(
    trpc.connectors.update.mutationOptions({
      onSuccess: (c) => {
        toast.success(`Saved ${c.name}`);
        setForm(formFromConnector(c));
        saved(c);
      },
    }),
  );
  const mutation = editing ? update : create;
  // Local problems stand for the whole answer: the form was not sent.
  const fields = useFieldProblems(local.length ? null : mutation.error, local);
  const problems: Problem[] = fields.problems;
  const at = (path: string, prefix = false) => problemAt(problems, path, prefix);
  const set = (patch: Partial<ConnectorForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    for (const key of Object.keys(patch) as (keyof ConnectorForm)[]) fields.edit(FIELD_PATHS[key]);
  };
  const others = unplacedProblems(problems, PLACED);
  const envNames = new Set(form.env.map((r) => r.name.trim()));
  const headerNames = new Set(form.headers.map((r) => r.name.trim()));
  const sectionProblem = (section: string, names: Set<string>) =>
    problems.find((p) => p.path === section || (p.path.startsWith(`${section}.`) && !names.has(p.path.slice(section.length + 1))))?.message ?? null;

  function submit() {
    fields.reset();
    const found = localProblems(form);
    setLocal(found);
    if (found.length) return;
    if (editing) update.mutate({ id: editing.id, ...toUpdateInput(form, editing) });
    else create.mutate(toCreateInput(form));
  }

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      className="w-[min(94vw,680px)]"
      title={editing ? `Edit ${editing.name}` : "Add a connector"}
      description={
        editing
          ? "Changes take effect on the next call: the running server is stopped and started again with the new settings."
          : "An MCP server Workers can call tools on. You test it and approve its tools next."
      }
      footer={
        <>
          <Button variant="secondary" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button disabled={mutation.isPending} onClick={submit} data-testid="connector-save">
            {mutation.isPending ? "Saving…" : editing ? "Save changes" : "Add connector"}
          </Button>
        </>
      }
    >
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Field id="connector-name" label="Name" hint="Lowercase letters, digits, _ and -. Missions name its tools as name.tool." error={at("name")}>
          <Input id="connector-name" value={form.name} placeholder="e.g. crm" onChange={(e) => set({ name: e.target.value })} aria-invalid={!!at("name")} className="font-mono" />
        </Field>

        <div className="space-y-1.5">
          <span className="text-sm font-medium text-slate-700" id="transport-label">
            Transport
          </span>
          <div role="radiogroup" aria-labelledby="transport-label" className="grid grid-cols-3 gap-1 rounded-lg bg-slate-100 p-1">
            {(Object.keys(TRANSPORT_LABELS) as Transport[]).map((t) => (
              <button
                key={t}
                type="button"
                role="radio"
                aria-checked={form.transport === t}
                onClick={() => set({ transport: t })}
                className={cn(
                  "rounded-md px-3 py-1.5 text-sm font-medium transition-colors",
                  form.transport === t ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900",
                )}
              >
                {TRANSPORT_LABELS[t]}
              </button>
            ))}
          </div>
          <FieldError>{at("transport")}</FieldError>
        </div>

        {form.transport === "stdio" ? (
          <>
            <Field id="connector-command" label="Command" hint="The program that starts the server, e.g. node, npx or uvx." error={at("stdio.command") ?? at("stdio")}>
              <Input id="connector-command" value={form.command} placeholder="node" onChange={(e) => set({ command: e.target.value })} aria-invalid={!!at("stdio.command")} className="font-mono" />
            </Field>
            <Field id="connector-args" label="Arguments" hint="One per line, passed as they are (no shell)." error={at("stdio.args", true)}>
              <Textarea
                id="connector-args"
                rows={3}
                value={form.args}
                placeholder={"/path/to/server.js\n--verbose"}
                onChange={(e) => set({ args: e.target.value })}
                aria-invalid={!!at("stdio.args", true)}
                className="font-mono text-xs"
              />
            </Field>
            <SecretRows
              label="Environment"
              hint="Encrypted at rest and never shown again. The server gets these and a minimal PATH/HOME, nothing of Steward's own."
              rows={form.env}
              onChange={(env) => set({ env })}
              namePlaceholder="API_TOKEN"
              valuePlaceholder="value"
              problemFor={(name) => rowProblem(problems, "stdio.env", name)}
              sectionProblem={sectionProblem("stdio.env", envNames)}
              testId="env"
            />
          </>
        ) : (
          <>
            <Field id="connector-url" label="URL" hint={form.transport === "sse" ? "The server's SSE endpoint, e.g. http://localhost:3001/sse." : "The server's MCP endpoint, e.g. https://mcp.example.com/mcp."} error={at("http.url") ?? at("http")}>
              <Input id="connector-url" value={form.url} placeholder="https://" onChange={(e) => set({ url: e.target.value })} aria-invalid={!!at("http.url")} className="font-mono" />
            </Field>
            <SecretRows
              label="Headers"
              hint="Sent with every request, e.g. Authorization. Encrypted at rest and never shown again."
              rows={form.headers}
              onChange={(headers) => set({ headers })}
              namePlaceholder="Authorization"
              valuePlaceholder="Bearer …"
              problemFor={(name) => rowProblem(problems, "http.headers", name)}
              sectionProblem={sectionProblem("http.headers", headerNames)}
              testId="headers"
            />
          </>
        )}

        <Field id="connector-timeout" label="Call timeout (ms)" hint="How long one tool call may take before it fails and is retried. Default 60000." error={at("timeoutMs")}>
          <Input id="connector-timeout" inputMode="numeric" value={form.timeoutMs} onChange={(e) => set({ timeoutMs: e.target.value })} aria-invalid={!!at("timeoutMs")} className="block w-40" />
        </Field>

        {others.length ? (
          <ul className="space-y-1 rounded-md bg-red-50 px-3 py-2" role="alert">
            {others.map((p) => (
              <li key={`${p.path}:${p.message}`} className="text-xs text-red-700">
                {p.path ? <code className="font-mono">{p.path}</code> : null} {p.message}
              </li>
            ))}
          </ul>
        ) : null}
        {mutation.error && !fields.any ? <FieldError>{mutation.error.message}</FieldError> : null}
        {/* Enter in a field submits, as in any form. */}
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
