"use client";

import { useMemo, useState } from "react";
import type { DecisionField } from "@/server/db/schema";
import { checkValue, diffValues, inputText, parseInput, type ValueChange } from "@/lib/decisions/value-rules";
import type { DecisionDetailData as DecisionDetail } from "./trpc";

function initialTexts(fields: DecisionField[], proposed: Record<string, unknown>, editable: string[]): Record<string, string> {
  return Object.fromEntries(fields.filter((f) => editable.includes(f.name)).map((f) => [f.name, inputText(f, proposed[f.name])]));
}

/**
 * The approver's edits to the proposed values: what each input shows, the typed values it holds,
 * what is wrong with them (locally, and as the server last answered), and what differs from the
 * proposal. A server error on a field is dropped as soon as that field is typed into.
 */
export function useValueEdits(detail: DecisionDetail) {
  const d = detail.decision;
  const [texts, setTexts] = useState(() => initialTexts(d.fields, d.proposed, d.editable));
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});

  const { values, errors } = useMemo(() => {
    const values: Record<string, unknown> = {};
    const errors: Record<string, string> = {};
    for (const f of d.fields) {
      if (!(f.name in texts)) continue;
      const parsed = parseInput(f, texts[f.name] ?? "");
      if (!parsed.ok) {
        errors[f.name] = parsed.message;
        continue;
      }
      values[f.name] = parsed.value;
      const problem = checkValue(f, parsed.value, detail.valueRules[f.name]);
      if (problem) errors[f.name] = problem;
    }
    return { values, errors };
  }, [d.fields, texts, detail.valueRules]);
  const changes: ValueChange[] = useMemo(() => diffValues(d.fields, d.proposed, values), [d.fields, d.proposed, values]);
  const changed = useMemo(() => new Set(changes.map((c) => c.name)), [changes]);

  function edit(name: string, text: string) {
    setTexts((t) => ({ ...t, [name]: text }));
    setServerErrors((e) => {
      const { [name]: _dropped, ...rest } = e;
      return rest;
    });
  }

  function reset(name: string) {
    const f = d.fields.find((x) => x.name === name);
    if (f) setTexts((t) => ({ ...t, [name]: inputText(f, d.proposed[name]) }));
  }

  return {
    texts,
    errors,
    shownErrors: { ...serverErrors, ...errors },
    hasErrors: Object.keys(errors).length > 0,
    changes,
    changed,
    edit,
    reset,
    setServerErrors,
  };
}

export type ValueEdits = ReturnType<typeof useValueEdits>;
