"use client";

import { useContext, useId, useState } from "react";
import type { RunBudget } from "@/lib/mission/schema";
import { Input } from "@/components/ui/input";
import { Field, FormContext, useFieldProblem } from "./fields";

/**
 * A run budget's two limits, each optional (an empty box: no limit). `path` is where the budget
 * sits in the form's data (`budget`, `portal.budget`), so the validator's problems land here.
 */
export function BudgetFields({ budget, path, onChange }: { budget: RunBudget | undefined; path: string; onChange: (budget: RunBudget | undefined) => void }) {
  const set = (patch: Partial<RunBudget>) => {
    const next: RunBudget = { ...budget, ...patch };
    if (next.tokens === undefined) delete next.tokens;
    if (next.cost === undefined) delete next.cost;
    onChange(Object.keys(next).length ? next : undefined);
  };
  return (
    <div className="grid grid-cols-2 gap-2" data-testid={`budget-${path}`}>
      <OptionalNumber label="Token budget" value={budget?.tokens} path={`${path}.tokens`} whole placeholder="no limit" onChange={(tokens) => set({ tokens })} />
      <OptionalNumber label="Cost budget (USD)" value={budget?.cost} path={`${path}.cost`} placeholder="no limit" onChange={(cost) => set({ cost })} />
    </div>
  );
}

/** A number that may be left empty. What is typed stays in the box; only a valid number (or empty) is committed. */
function OptionalNumber({
  label,
  value,
  path,
  whole = false,
  placeholder,
  onChange,
}: {
  label: string;
  value: number | undefined;
  path: string;
  whole?: boolean;
  placeholder: string;
  onChange: (value: number | undefined) => void;
}) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const problem = useFieldProblem(path);
  const [text, setText] = useState(value === undefined ? "" : String(value));
  const [shown, setShown] = useState(value);
  const [typo, setTypo] = useState<string | null>(null);
  if (shown !== value) {
    setShown(value);
    setText(value === undefined ? "" : String(value));
  }
  return (
    <Field label={label} htmlFor={id} problem={problem ?? typo} path={path}>
      <Input
        id={id}
        type="number"
        inputMode={whole ? "numeric" : "decimal"}
        min={0}
        step={whole ? 1 : "any"}
        value={text}
        placeholder={placeholder}
        disabled={readOnly}
        aria-invalid={!!(problem ?? typo)}
        className="h-8"
        onChange={(e) => {
          const raw = e.target.value;
          setText(raw);
          if (raw.trim() === "") {
            setTypo(null);
            setShown(undefined);
            onChange(undefined);
            return;
          }
          const n = Number(raw);
          const ok = Number.isFinite(n) && n > 0 && (!whole || Number.isInteger(n));
          setTypo(ok ? null : whole ? "must be a whole number above 0" : "must be an amount above 0");
          if (ok) {
            setShown(n);
            onChange(n);
          }
        }}
      />
    </Field>
  );
}
