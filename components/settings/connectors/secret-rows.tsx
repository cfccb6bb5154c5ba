"use client";

import { Lock, Plus, Trash2, Undo2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { FieldError, Input } from "@/components/ui/input";
import { cn } from "@/components/ui/cn";
import { newRow, type SecretRow } from "./connector-form-state";

/**
 * Env vars or headers. Values are write-only: a stored one shows only its mask, with "Replace"
 * (type a new value) and "Remove"; the browser never receives the value itself.
 */
export function SecretRows({
  label,
  hint,
  rows,
  onChange,
  namePlaceholder,
  valuePlaceholder,
  problemFor,
  sectionProblem,
  testId,
}: {
  label: string;
  hint: string;
  rows: SecretRow[];
  onChange: (rows: SecretRow[]) => void;
  namePlaceholder: string;
  valuePlaceholder: string;
  problemFor: (name: string) => string | null;
  sectionProblem: string | null;
  testId: string;
}) {
  const set = (key: string, patch: Partial<SecretRow>) => onChange(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <fieldset className="space-y-2" data-testid={testId}>
      <div className="flex items-center justify-between">
        <legend className="text-sm font-medium text-slate-700">{label}</legend>
        <Button type="button" variant="ghost" size="sm" onClick={() => onChange([...rows, newRow()])} data-testid={`${testId}-add`}>
          <Plus /> Add
        </Button>
      </div>
      <p className="text-xs text-slate-500">{hint}</p>
      {rows.length === 0 ? <p className="rounded-md border border-dashed border-slate-200 px-3 py-2 text-xs text-slate-400">None.</p> : null}
      <ul className="space-y-2">
        {rows.map((r, i) => {
          const problem = problemFor(r.name);
          const stored = r.masked !== null;
          return (
            <li key={r.key} className="space-y-1" data-testid={`${testId}-row`}>
              <div className="flex items-center gap-2">
                <Input
                  aria-label={`${label} name ${i + 1}`}
                  value={r.name}
                  placeholder={namePlaceholder}
                  readOnly={stored}
                  onChange={(e) => set(r.key, { name: e.target.value })}
                  className={cn("w-2/5 font-mono text-xs", stored && "bg-slate-50 text-slate-600")}
                  aria-invalid={!!problem}
                />
                {stored && r.mode !== "replace" ? (
                  <div
                    className={cn(
                      "flex h-9 flex-1 items-center gap-1.5 rounded-md border border-slate-200 bg-slate-50 px-3 font-mono text-xs text-slate-500",
                      r.mode === "remove" && "text-red-600 line-through",
                    )}
                    data-testid="masked-value"
                  >
                    <Lock className="size-3 shrink-0" aria-hidden />
                    {r.masked}
                  </div>
                ) : (
                  <Input
                    aria-label={`${label} value ${i + 1}`}
                    type="password"
                    autoComplete="new-password"
                    value={r.value}
                    placeholder={stored ? "New value (blank keeps the stored one)" : valuePlaceholder}
                    onChange={(e) => set(r.key, { value: e.target.value })}
                    className="flex-1 font-mono text-xs"
                    aria-invalid={!!problem}
                  />
                )}
                {stored ? (
                  r.mode === "keep" ? (
                    <>
                      <Button type="button" variant="secondary" size="sm" onClick={() => set(r.key, { mode: "replace", value: "" })}>
                        Replace
                      </Button>
                      <Button type="button" variant="ghost" size="icon" aria-label={`Remove ${r.name}`} onClick={() => set(r.key, { mode: "remove" })}>
                        <Trash2 />
                      </Button>
                    </>
                  ) : (
                    <Button type="button" variant="ghost" size="sm" onClick={() => set(r.key, { mode: "keep", value: "" })} aria-label={`Keep the stored ${r.name}`}>
                      <Undo2 /> Keep
                    </Button>
                  )
                ) : (
                  <Button type="button" variant="ghost" size="icon" aria-label={`Remove row ${i + 1}`} onClick={() => onChange(rows.filter((x) => x.key !== r.key))}>
                    <Trash2 />
                  </Button>
                )}
              </div>
              {r.mode === "remove" ? <p className="text-xs text-red-600">Removed when you save.</p> : null}
              <FieldError>{problem ? `${r.name || "This name"} ${problem}` : null}</FieldError>
            </li>
          );
        })}
      </ul>
      <FieldError>{sectionProblem}</FieldError>
    </fieldset>
  );
}
