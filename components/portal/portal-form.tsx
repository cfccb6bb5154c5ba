"use client";

import { startTransition, useActionState, useRef, useState, type FormEvent } from "react";
import { AlertCircle, ArrowRight, Loader2 } from "lucide-react";
import { cn } from "@/components/ui/cn";
import type { PortalFormState } from "@/server/portal/form-action";
import { fieldProblem, formProblems, labelOf, type PortalField } from "./form-rules";

export const EMPTY_PORTAL_FORM: PortalFormState = { problems: {}, formError: null, values: {} };

const control =
  "block w-full rounded-lg border border-slate-300 bg-white px-3.5 text-[15px] text-slate-900 shadow-sm transition-colors placeholder:text-slate-400 focus:border-[var(--accent)] focus:outline-none focus:ring-4 focus:ring-[var(--accent-soft)] aria-[invalid=true]:border-red-500 aria-[invalid=true]:focus:ring-red-100";

function Field({
  field,
  value,
  error,
  onChange,
  onBlur,
}: {
  field: PortalField;
  value: string;
  error: string | undefined;
  onChange: (v: string) => void;
  onBlur: () => void;
}) {
  const id = `field-${field.name}`;
  const label = labelOf(field);
  const describedBy = [field.description ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name: field.name,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    "aria-required": field.required || undefined,
    "data-testid": `portal-field-${field.name}`,
  } as const;
  const over = field.maxLength ? value.length > field.maxLength : false;

  return (
    <div className="space-y-1.5">
      <div className="flex items-baseline justify-between gap-3">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
          {field.required ? null : <span className="ml-1.5 font-normal text-slate-500">(optional)</span>}
        </label>
        {field.maxLength && field.type === "text" ? (
          <span className={cn("text-xs tabular-nums", over ? "font-medium text-red-600" : "text-slate-400")} aria-live="polite">
            {value.length.toLocaleString("en")} / {field.maxLength.toLocaleString("en")}
          </span>
        ) : null}
      </div>
      {field.description ? (
        <p id={`${id}-hint`} className="text-sm text-slate-500">
          {field.description}
        </p>
      ) : null}
      {field.type === "text" ? (
        <textarea {...common} rows={5} value={value} onChange={(e) => onChange(e.target.value)} onBlur={onBlur} className={cn(control, "min-h-32 py-2.5 leading-relaxed")} />
      ) : field.type === "boolean" ? (
        <div role="radiogroup" aria-labelledby={id} className="flex gap-3" data-testid={`portal-field-${field.name}`}>
          {["true", "false"].map((v) => (
            <label
              key={v}
              className={cn(
                "flex h-11 flex-1 cursor-pointer items-center justify-center rounded-lg border text-sm font-medium transition-colors",
                value === v ? "border-[var(--accent)] bg-[var(--accent-soft)] text-[var(--accent-ink)]" : "border-slate-300 text-slate-700 hover:bg-slate-50",
              )}
            >
              <input type="radio" className="sr-only" name={field.name} value={v} checked={value === v} onChange={() => onChange(v)} onBlur={onBlur} />
              {v === "true" ? "Yes" : "No"}
            </label>
          ))}
        </div>
      ) : (
        <input
          {...common}
          type={field.type === "email" ? "email" : "text"}
          inputMode={field.type === "number" ? "decimal" : field.type === "email" ? "email" : undefined}
          autoComplete={field.type === "email" ? "email" : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onBlur={onBlur}
          className={cn(control, "h-11")}
        />
      )}
      {error ? (
        <p id={`${id}-error`} className="flex items-start gap-1.5 text-sm text-red-600" data-testid={`portal-error-${field.name}`}>
          <AlertCircle className="mt-0.5 size-4 shrink-0" aria-hidden />
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * The public form generated from a trigger's fields. The browser checks it first (same rules and
 * words as the server); the server checks again and answers with the same kind of messages.
 */
export function PortalForm({
  fields,
  action,
  submitLabel = "Send request",
}: {
  fields: PortalField[];
  action: (prev: PortalFormState, form: FormData) => Promise<PortalFormState>;
  submitLabel?: string;
}) {
  const [state, formAction, pending] = useActionState(action, EMPTY_PORTAL_FORM);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, state.values[f.name] ?? ""])));
  const [local, setLocal] = useState<Record<string, string> | null>(null);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [shownState, setShownState] = useState(state);
  const summaryRef = useRef<HTMLDivElement>(null);

  // A new answer from the server replaces what the browser found; edits then clear it field by field.
  if (shownState !== state) {
    setShownState(state);
    setLocal(null);
  }
  const problems: Record<string, string> = local ?? state.problems;
  const formError = local ? null : state.formError;
  const errorOf = (name: string) => problems[name];
  const count = Object.keys(problems).length;

  function change(f: PortalField, v: string) {
    setValues((cur) => ({ ...cur, [f.name]: v }));
    if (touched[f.name] || problems[f.name]) {
      const p = fieldProblem(f, v);
      setLocal((cur) => {
        const next = { ...(cur ?? state.problems) };
        if (p) next[f.name] = p;
        else delete next[f.name];
        return next;
      });
    }
  }

  function blur(f: PortalField) {
    setTouched((cur) => ({ ...cur, [f.name]: true }));
    const v = values[f.name] ?? "";
    if (!v) return;
    const p = fieldProblem(f, v);
    setLocal((cur) => {
      const next = { ...(cur ?? state.problems) };
      if (p) next[f.name] = p;
      else delete next[f.name];
      return next;
    });
  }

  // With JavaScript the form is sent here (no automatic form reset, so a refused form keeps its
  // values); without it, the browser posts to the server action.
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const found = formProblems(fields, values);
    if (!Object.keys(found).length) {
      const data = new FormData(e.currentTarget);
      startTransition(() => formAction(data));
      return;
    }
    setLocal(found);
    setTouched(Object.fromEntries(fields.map((f) => [f.name, true])));
    requestAnimationFrame(() => {
      const first = fields.find((f) => found[f.name]);
      if (first) document.getElementById(`field-${first.name}`)?.focus();
      else summaryRef.current?.focus();
    });
  }

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-6" data-testid="portal-form">
      {count > 0 || formError ? (
        <div ref={summaryRef} tabIndex={-1} role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800 focus:outline-none" data-testid="portal-form-summary">
          <p className="font-medium">{formError ?? (count === 1 ? "One field needs your attention." : `${count} fields need your attention.`)}</p>
        </div>
      ) : null}
      {fields.map((f) => (
        <Field key={f.name} field={f} value={values[f.name] ?? ""} error={errorOf(f.name)} onChange={(v) => change(f, v)} onBlur={() => blur(f)} />
      ))}
      <button
        type="submit"
        disabled={pending}
        className="inline-flex h-12 w-full items-center justify-center gap-2 rounded-lg bg-[var(--accent)] px-5 text-[15px] font-semibold text-[var(--accent-fg)] shadow-sm transition-[filter] hover:brightness-110 focus-visible:outline-none focus-visible:ring-4 focus-visible:ring-[var(--accent-soft)] disabled:opacity-70"
        data-testid="portal-submit"
      >
        {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : null}
        {pending ? "Sending…" : submitLabel}
        {pending ? null : <ArrowRight className="size-4" aria-hidden />}
      </button>
    </form>
  );
}
