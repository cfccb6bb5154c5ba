"use client";

import { ArrowRight } from "lucide-react";
import type { DecisionField } from "@/server/db/schema";
import { showValue, type ValueChange } from "@/lib/decisions/value-rules";

/** The values of a decided decision, with what the approver changed struck through beside the new value. */
export function FinalValues({ fields, values, changes, approved }: { fields: DecisionField[]; values: Record<string, unknown>; changes: ValueChange[]; approved: boolean }) {
  const names = fields.length ? fields : Object.keys(values).map((name): DecisionField => ({ name, label: name, type: "json" }));
  const byName = new Map(changes.map((c) => [c.name, c]));
  return (
    <dl className="divide-y divide-slate-100" data-testid="final-values">
      {names.map((f) => {
        const c = byName.get(f.name);
        return (
          <div key={f.name} className="grid gap-1 py-2.5 @xl:grid-cols-[180px_minmax(0,1fr)] @xl:gap-4">
            <dt className="text-sm font-medium text-slate-700">{f.label || f.name}</dt>
            <dd className="min-w-0 text-sm text-slate-900">
              {c ? (
                <span className="flex flex-wrap items-center gap-2">
                  <span className="rounded bg-red-50 px-1.5 py-0.5 text-red-800 line-through decoration-red-400">{showValue(c.from)}</span>
                  <ArrowRight className="size-3.5 text-slate-400" />
                  <span className="rounded bg-emerald-50 px-1.5 py-0.5 font-medium text-emerald-800">{showValue(c.to)}</span>
                  <span className="text-xs text-slate-500">changed by the approver</span>
                </span>
              ) : (
                <span className="whitespace-pre-wrap break-words">{showValue(values[f.name])}</span>
              )}
            </dd>
          </div>
        );
      })}
      {!approved ? <p className="pt-2 text-xs text-slate-500">These values were proposed; nothing was done with them.</p> : null}
    </dl>
  );
}
