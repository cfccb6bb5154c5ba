"use client";

import { useContext, useId, useState } from "react";
import { outcomesFromLabels, type LabelledOutcomes } from "@/lib/mission/identifiers";
import { outcomeLabel, type VerdictData } from "@/lib/mission/schema";
import { Input } from "@/components/ui/input";
import { ExpressionField, Field, FormContext, Section, useFieldProblem } from "./fields";
import type { FormProps } from "./form-props";

function labelsText(data: Pick<VerdictData, "outcomes" | "outcomeLabels">): string {
  return data.outcomes.map((o) => outcomeLabel(data, o)).join(", ");
}

function quoted(outcomes: readonly string[]): string {
  return outcomes.map((o) => `"${o}"`).join(", ");
}

/**
 * Outcomes as people want to read them, separated by commas ("auto-approved, partial, deny"); each
 * gets an identifier for expressions, shown below. What is typed stays as typed while editing.
 */
function OutcomesField({ data, onChange }: { data: VerdictData; onChange: (next: LabelledOutcomes) => void }) {
  const id = useId();
  const { readOnly } = useContext(FormContext);
  const problem = [useFieldProblem("outcomes*"), useFieldProblem("outcomeLabels*")].filter(Boolean).join("; ") || null;
  const current = labelsText(data);
  const [text, setText] = useState(current);
  const [shown, setShown] = useState(current);
  // Changed from elsewhere (undo, import): show the new outcomes.
  if (shown !== current) {
    setShown(current);
    setText(current);
  }
  const derived = data.outcomes.some((o) => outcomeLabel(data, o) !== o);
  return (
    <Field
      label="Outcomes"
      htmlFor={id}
      problem={problem}
      hint={
        <>
          The possible results of a run, as people should read them, separated by commas.
          {data.outcomes.length ? (
            <span className="mt-0.5 block" data-testid="outcome-identifiers">
              {derived ? "Expressions give them as " : "Expressions give them as they are: "}
              <code className="font-mono text-slate-700">{quoted(data.outcomes)}</code>
            </span>
          ) : null}
        </>
      }
    >
      <Input
        id={id}
        value={text}
        disabled={readOnly}
        className="h-8 text-sm"
        placeholder="approve, partial, deny"
        aria-invalid={!!problem}
        onChange={(e) => {
          setText(e.target.value);
          const next = outcomesFromLabels(e.target.value.split(","), data);
          setShown(labelsText(next));
          onChange(next);
        }}
      />
    </Field>
  );
}

export function VerdictForm({ data, update }: FormProps<"verdict">) {
  return (
    <Section title="Outcome">
      <OutcomesField
        data={data}
        onChange={({ outcomes, outcomeLabels }) => update({ outcomes, outcomeLabels: Object.keys(outcomeLabels).length ? outcomeLabels : undefined }, "outcomes")}
      />
      <ExpressionField
        label="Outcome expression"
        value={data.outcome}
        path="outcome"
        placeholder={data.outcomes.length ? `"${data.outcomes[0]}"` : '"approve"'}
        hint={`Evaluates to one of: ${quoted(data.outcomes) || "—"}.`}
        onChange={(v) => update({ outcome: v }, "outcome")}
      />
      <ExpressionField label="Summary" value={data.summary} path="summary" placeholder='"Refunded order " + trigger.orderId' hint="A sentence for people, built from earlier steps." onChange={(v) => update({ summary: v }, "summary")} />
    </Section>
  );
}
