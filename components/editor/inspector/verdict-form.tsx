"use client";

import { useContext, useId, useState } from "react";
import { Input } from "@/components/ui/input";
import { ExpressionField, Field, FormContext, Section, useFieldProblem } from "./fields";
import type { FormProps } from "./form-props";

/** Outcomes as comma-separated identifiers, kept as typed while editing. */
function OutcomesField({ outcomes, onChange }: { outcomes: readonly string[]; onChange: (outcomes: string[]) => void }) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const problem = useFieldProblem("outcomes*");
  const [text, setText] = useState(outcomes.join(", "));
  const [shown, setShown] = useState(outcomes);
  if (shown !== outcomes && shown.join(",") !== outcomes.join(",")) {
    setShown(outcomes);
    setText(outcomes.join(", "));
  }
  return (
    <Field label="Outcomes" htmlFor={id} hint="The possible results of a run, separated by commas." problem={problem}>
      <Input
        id={id}
        value={text}
        disabled={readOnly}
        className="h-8 font-mono text-xs"
        placeholder="approve, partial, deny"
        aria-invalid={!!problem}
        onChange={(e) => {
          setText(e.target.value);
          const next = e.target.value.split(",").map((v) => v.trim()).filter(Boolean);
          setShown(next);
          onChange(next);
        }}
      />
    </Field>
  );
}

export function VerdictForm({ data, update }: FormProps<"verdict">) {
  return (
    <Section title="Outcome">
      <OutcomesField outcomes={data.outcomes} onChange={(outcomes) => update({ outcomes }, "outcomes")} />
      <ExpressionField
        label="Outcome expression"
        value={data.outcome}
        path="outcome"
        placeholder={`${data.outcomes.length ? `"${data.outcomes[0]}"` : '"approve"'}`}
        hint={`Evaluates to one of: ${data.outcomes.join(", ") || "—"}.`}
        onChange={(v) => update({ outcome: v }, "outcome")}
      />
      <ExpressionField label="Summary" value={data.summary} path="summary" placeholder='"Refunded order " + trigger.orderId' hint="A sentence for people, built from earlier steps." onChange={(v) => update({ summary: v }, "summary")} />
    </Section>
  );
}
