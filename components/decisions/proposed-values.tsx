"use client";

import { Lock, Pencil, Undo2 } from "lucide-react";
import type { DecisionField } from "@/server/db/schema";
import type { ValueRule } from "@/lib/decisions/value-rules";
import { showValue } from "@/lib/decisions/value-rules";
import { FieldError, Input, Select, Textarea } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";

/** A short hint from the tool's schema: "more than 0 · at most 500". */
export function ruleHint(rule: ValueRule | undefined): string | null {
  if (!rule) return null;
  const parts: string[] = [];
  if (rule.minimum !== undefined) parts.push(`at least ${rule.minimum}`);
  if (rule.exclusiveMinimum !== undefined) parts.push(`more than ${rule.exclusiveMinimum}`);
  if (rule.maximum !== undefined) parts.push(`at most ${rule.maximum}`);
  if (rule.exclusiveMaximum !== undefined) parts.push(`less than ${rule.exclusiveMaximum}`);
  if (rule.integer) parts.push("whole number");
  if (rule.maxLength !== undefined) parts.push(`up to ${rule.maxLength} characters`);
  if (rule.enum) parts.push(`one of ${rule.enum.map((e) => String(e)).join(", ")}`);
  return parts.length ? parts.join(" · ") : null;
}

function isLong(field: DecisionField, value: unknown): boolean {
  return field.type === "json" || (field.type === "string" && typeof value === "string" && (value.length > 70 || value.includes("\n")));
}

/**
 * The proposed values as a form: editable ones as inputs (with what was proposed beside an edit
 * and a way back to it), the others read-only with a lock. `texts` holds what the inputs show.
 */
export function ProposedValues({
  fields,
  proposed,
  editable,
  rules,
  texts,
  errors,
  readOnly,
  onChange,
  onReset,
  changed,
}: {
  fields: DecisionField[];
  proposed: Record<string, unknown>;
  editable: string[];
  rules: Record<string, ValueRule>;
  texts: Record<string, string>;
  errors: Record<string, string>;
  readOnly: boolean;
  onChange: (name: string, text: string) => void;
  onReset: (name: string) => void;
  changed: Set<string>;
}) {
  const shown = fields.length ? fields : Object.keys(proposed).map((name): DecisionField => ({ name, label: name, type: "json" }));
  if (!shown.length) return <p className="text-sm text-slate-500">Nothing to fill in: this decision is a plain yes or no.</p>;
  return (
    <div className="divide-y divide-slate-100" data-testid="proposed-values">
      {shown.map((f) => {
        const canEdit = !readOnly && editable.includes(f.name);
        const rule = rules[f.name];
        const hint = ruleHint(rule);
        const id = `value-${f.name}`;
        const error = errors[f.name];
        const isChanged = changed.has(f.name);
        const value = proposed[f.name];
        return (
          <div key={f.name} className="grid gap-1.5 py-3 @xl:grid-cols-[180px_minmax(0,1fr)] @xl:gap-4" data-testid="proposed-value" data-field={f.name}>
            <div className="@xl:pt-1.5">
              <label htmlFor={id} className="flex items-center gap-1.5 text-sm font-medium text-slate-800">
                {f.label || f.name}
                {editable.includes(f.name) ? (
                  <Pencil className="size-3 text-slate-400" aria-label="editable" />
                ) : (
                  <Lock className="size-3 text-slate-400" aria-label="not editable" />
                )}
              </label>
              {rule?.description ? <p className="mt-0.5 text-xs text-slate-500">{rule.description}</p> : null}
            </div>
            <div className="min-w-0">
              {canEdit ? (
                <>
                  <div className="flex items-start gap-2">
                    {f.type === "boolean" ? (
                      <Select id={id} value={texts[f.name] ?? ""} onChange={(e) => onChange(f.name, e.target.value)} className={cn("w-40", isChanged && "border-amber-400 bg-amber-50/40")}>
                        <option value="true">Yes</option>
                        <option value="false">No</option>
                      </Select>
                    ) : rule?.enum && f.type === "string" ? (
                      <Select id={id} value={texts[f.name] ?? ""} onChange={(e) => onChange(f.name, e.target.value)} className={cn("w-56", isChanged && "border-amber-400 bg-amber-50/40")}>
                        {rule.enum.map((e) => (
                          <option key={String(e)} value={String(e)}>
                            {String(e)}
                          </option>
                        ))}
                      </Select>
                    ) : isLong(f, value) ? (
                      <Textarea
                        id={id}
                        value={texts[f.name] ?? ""}
                        onChange={(e) => onChange(f.name, e.target.value)}
                        aria-invalid={error ? true : undefined}
                        rows={f.type === "json" ? 5 : 3}
                        className={cn(f.type === "json" && "font-mono text-xs", isChanged && "border-amber-400 bg-amber-50/40")}
                      />
                    ) : (
                      <Input
                        id={id}
                        value={texts[f.name] ?? ""}
                        onChange={(e) => onChange(f.name, e.target.value)}
                        inputMode={f.type === "number" ? "decimal" : undefined}
                        aria-invalid={error ? true : undefined}
                        className={cn(f.type === "number" ? "w-48 tabular-nums" : "", isChanged && "border-amber-400 bg-amber-50/40")}
                      />
                    )}
                    {isChanged ? (
                      <button
                        type="button"
                        onClick={() => onReset(f.name)}
                        className="mt-1 inline-flex shrink-0 items-center gap-1 rounded px-1.5 py-1 text-xs text-slate-600 hover:bg-slate-100"
                        title="Back to the proposed value"
                      >
                        <Undo2 className="size-3.5" /> Undo
                      </button>
                    ) : null}
                  </div>
                  {isChanged ? (
                    <p className="mt-1 text-xs text-amber-800">
                      Proposed: <span className="font-medium">{showValue(value)}</span>
                    </p>
                  ) : null}
                  {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
                  <FieldError id={`${id}-error`}>{error ?? null}</FieldError>
                </>
              ) : (
                <div className={cn("rounded-md bg-slate-50 px-3 py-1.5 text-sm text-slate-900 ring-1 ring-inset ring-slate-200", f.type === "json" && "font-mono text-xs")} id={id}>
                  {f.type === "boolean" ? (value ? "Yes" : "No") : <span className="whitespace-pre-wrap break-words">{showValue(value)}</span>}
                </div>
              )}
            </div>
          </div>
        );
      })}
    </div>
  );
}
