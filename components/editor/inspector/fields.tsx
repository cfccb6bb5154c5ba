"use client";

import { createContext, useContext, useId, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { parseExpression } from "@/lib/mission/expressions";
import { cn } from "@/components/ui/cn";
import { Input, Label, Select, Textarea } from "@/components/ui/input";
import { matchSuggestions, tokenBefore, type Suggestion } from "./suggestions";

/** What every field of one node's form needs: its problems by data path, read-only, autocomplete. */
export interface FormContextValue {
  /** Validator messages keyed by the path inside the node's data, e.g. `branches[0].expression`. */
  problems: ReadonlyMap<string, readonly string[]>;
  readOnly: boolean;
  /** Read when the builder types in an expression, so the form does not re-render on every graph change. */
  suggestions: () => readonly Suggestion[];
}

export const FormContext = createContext<FormContextValue>({ problems: new Map(), readOnly: false, suggestions: () => [] });

/** Problems at `path`; a path ending in `*` collects everything under it (`outcomes*`). */
export function useFieldProblem(path: string | undefined): string | null {
  const { problems } = useContext(FormContext);
  if (path === undefined) return null;
  if (path.endsWith("*")) {
    const prefix = path.slice(0, -1);
    const found = [...problems].filter(([k]) => k.startsWith(prefix)).flatMap(([, v]) => v);
    return found.length ? found.join("; ") : null;
  }
  return problems.get(path)?.join("; ") ?? null;
}

export function Section({ title, description, action, children }: { title: string; description?: string; action?: ReactNode; children: ReactNode }) {
  return (
    <section className="space-y-3 border-t border-slate-100 px-4 py-4 first:border-t-0">
      <div className="flex items-start justify-between gap-2">
        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
          {description ? <p className="mt-0.5 text-xs text-slate-500">{description}</p> : null}
        </div>
        {action}
      </div>
      {children}
    </section>
  );
}

export function Field({
  label,
  htmlFor,
  hint,
  problem,
  path,
  children,
  className,
}: {
  label: string;
  htmlFor?: string;
  hint?: ReactNode;
  problem?: string | null;
  /** The field's path in the step's data: a problem naming it puts the cursor here (inspector.tsx). */
  path?: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={cn("space-y-1", className)} data-field={path}>
      <Label htmlFor={htmlFor} className="text-xs">
        {label}
      </Label>
      {children}
      {problem ? (
        <p className="text-xs text-red-600" role="alert">
          {problem}
        </p>
      ) : hint ? (
        <p className="text-xs text-slate-500">{hint}</p>
      ) : null}
    </div>
  );
}

export function TextField({
  label,
  value,
  onChange,
  path,
  placeholder,
  hint,
  mono,
  className,
  testId,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  path?: string;
  placeholder?: string;
  hint?: ReactNode;
  mono?: boolean;
  className?: string;
  testId?: string;
}) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const problem = useFieldProblem(path);
  return (
    <Field label={label} htmlFor={id} hint={hint} problem={problem} path={path} className={className}>
      <Input
        id={id}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        disabled={readOnly}
        aria-invalid={!!problem}
        data-testid={testId}
        className={cn("h-8", mono && "font-mono text-xs")}
      />
    </Field>
  );
}

export function TextAreaField({
  label,
  value,
  onChange,
  path,
  placeholder,
  hint,
  rows = 4,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  path?: string;
  placeholder?: string;
  hint?: ReactNode;
  rows?: number;
}) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const problem = useFieldProblem(path);
  return (
    <Field label={label} htmlFor={id} hint={hint} problem={problem} path={path}>
      <Textarea id={id} value={value} rows={rows} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} disabled={readOnly} aria-invalid={!!problem} />
    </Field>
  );
}

export function NumberField({
  label,
  value,
  onChange,
  path,
  min,
  max,
  hint,
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  path?: string;
  min?: number;
  max?: number;
  hint?: ReactNode;
}) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const problem = useFieldProblem(path);
  // Keep what is typed (an empty box mid-edit) apart from the committed number.
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setText(String(value));
  }
  return (
    <Field label={label} htmlFor={id} hint={hint} problem={problem} path={path}>
      <Input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        value={text}
        disabled={readOnly}
        aria-invalid={!!problem}
        className="h-8"
        onChange={(e) => {
          setText(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value.trim() !== "" && Number.isInteger(n) && (min === undefined || n >= min) && (max === undefined || n <= max)) {
            setShown(n);
            onChange(n);
          }
        }}
        onBlur={() => setText(String(value))}
      />
    </Field>
  );
}

export function CheckboxField({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: string }) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  return (
    <div className="flex items-start gap-2">
      <input id={id} type="checkbox" checked={checked} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} className="mt-0.5 size-4 rounded border-slate-300 accent-brand-600" />
      <div>
        <label htmlFor={id} className="text-sm text-slate-800">
          {label}
        </label>
        {hint ? <p className="text-xs text-slate-500">{hint}</p> : null}
      </div>
    </div>
  );
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  path,
  hint,
  className,
}: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  path?: string;
  hint?: ReactNode;
  className?: string;
}) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const problem = useFieldProblem(path);
  return (
    <Field label={label} htmlFor={id} hint={hint} problem={problem} path={path} className={className}>
      <Select id={id} value={value} disabled={readOnly} onChange={(e) => onChange(e.target.value as T)} aria-invalid={!!problem} className="h-8 py-0">
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
    </Field>
  );
}

/**
 * A CEL expression with autocomplete of what this node can read (trigger inputs, upstream
 * outputs) and an immediate syntax check; the validator's findings show below it too.
 */
export function ExpressionField({
  label,
  value,
  onChange,
  path,
  placeholder,
  hint,
  testId,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  path?: string;
  placeholder?: string;
  hint?: ReactNode;
  testId?: string;
}) {
  const id = useId();
  const { readOnly, suggestions } = useContext(FormContext);
  const problem = useFieldProblem(path);
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const pendingCaret = useRef<number | null>(null);
  const token = caret === null ? { start: 0, token: "" } : tokenBefore(value, caret);
  const matches = useMemo(() => (caret === null || !token.token ? [] : matchSuggestions(suggestions(), token.token)), [suggestions, token.token, caret]);
  const syntax = value.trim() ? parseExpression(value) : null;
  const syntaxError = syntax && !syntax.ok ? `Does not parse: ${syntax.message}` : null;

  function accept(s: Suggestion) {
    const next = value.slice(0, token.start) + s.text + value.slice(caret ?? value.length);
    onChange(next);
    // Placed when React commits the new value, before the next keystroke is handled: a caret set
    // a frame later lands behind whatever a fast typist already typed.
    const at = token.start + s.text.length;
    if (next === value) ref.current?.setSelectionRange(at, at);
    else pendingCaret.current = at;
    setCaret(null);
  }

  useLayoutEffect(() => {
    const at = pendingCaret.current;
    const el = ref.current;
    if (at === null || !el || el.value !== value) return;
    pendingCaret.current = null;
    el.focus();
    el.setSelectionRange(at, at);
  }, [value]);

  return (
    <Field label={label} htmlFor={id} hint={hint} problem={problem ?? syntaxError} path={path}>
      <div className="relative">
        <Textarea
          ref={ref}
          id={id}
          value={value}
          rows={Math.min(6, Math.max(1, Math.ceil(value.length / 38)))}
          placeholder={placeholder}
          spellCheck={false}
          disabled={readOnly}
          aria-invalid={!!(problem ?? syntaxError)}
          aria-autocomplete="list"
          aria-expanded={matches.length > 0}
          data-testid={testId}
          className="min-h-8 resize-y py-1.5 font-mono text-xs leading-5"
          onChange={(e) => {
            onChange(e.target.value);
            setCaret(e.target.selectionStart);
            setActive(0);
          }}
          onClick={(e) => setCaret(e.currentTarget.selectionStart)}
          onBlur={() => setTimeout(() => setCaret(null), 150)}
          onKeyDown={(e) => {
            if (!matches.length) return;
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              setActive((a) => (a + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
            } else if (e.key === "Enter" || e.key === "Tab") {
              const pick = matches[active];
              if (pick) {
                e.preventDefault();
                accept(pick);
              }
            } else if (e.key === "Escape") {
              e.stopPropagation();
              setCaret(null);
            }
          }}
        />
        {matches.length ? (
          <ul role="listbox" className="absolute inset-x-0 top-full z-20 mt-1 max-h-56 overflow-y-auto rounded-md border border-slate-200 bg-white py-1 shadow-lg">
            {matches.map((s, i) => (
              <li
                key={s.text}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(s);
                }}
                className={cn("flex cursor-pointer items-baseline justify-between gap-3 px-2.5 py-1", i === active ? "bg-brand-50" : "hover:bg-slate-50")}
              >
                <code className="font-mono text-xs text-slate-900">{s.text}</code>
                <span className="truncate text-[11px] text-slate-500">{s.detail}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </Field>
  );
}

/** A list of editable rows with add and remove, for fields, outputs, branches, proposed values. */
export function RowList<T>({
  items,
  render,
  onRemove,
  onMove,
  empty,
  itemLabel,
  testId,
}: {
  testId: string;
  items: readonly T[];
  render: (item: T, index: number) => ReactNode;
  onRemove: (index: number) => void;
  onMove?: (from: number, to: number) => void;
  empty: string;
  itemLabel: (item: T, index: number) => string;
}) {
  const { readOnly } = useContext(FormContext);
  if (!items.length) return <p className="rounded-md border border-dashed border-slate-200 px-3 py-3 text-center text-xs text-slate-500">{empty}</p>;
  return (
    <ul className="space-y-2">
      {items.map((item, i) => (
        <li key={i} className="rounded-lg border border-slate-200 bg-slate-50/60 p-2.5" data-testid={`${testId}-${i}`}>
          <div className="space-y-2">{render(item, i)}</div>
          {readOnly ? null : (
            <div className="mt-2 flex justify-end gap-1 text-xs">
              {onMove && i > 0 ? (
                <button type="button" className="rounded px-1.5 py-0.5 text-slate-500 hover:bg-slate-200" onClick={() => onMove(i, i - 1)} aria-label={`Move ${itemLabel(item, i)} up`}>
                  Move up
                </button>
              ) : null}
              <button type="button" className="rounded px-1.5 py-0.5 text-red-600 hover:bg-red-50" onClick={() => onRemove(i)} aria-label={`Remove ${itemLabel(item, i)}`}>
                Remove
              </button>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

export function AddButton({ children, onClick, testId }: { children: ReactNode; onClick: () => void; testId?: string }) {
  const { readOnly } = useContext(FormContext);
  if (readOnly) return null;
  return (
    <button type="button" onClick={onClick} data-testid={testId} className="rounded-md px-2 py-1 text-xs font-medium text-brand-700 hover:bg-brand-50">
      + {children}
    </button>
  );
}
