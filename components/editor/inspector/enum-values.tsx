"use client";

import { useContext, useId, useState } from "react";
import { Input } from "@/components/ui/input";
import { Field, FormContext, useFieldProblem } from "./fields";

/** Comma-separated values, kept as typed until the field loses focus. */
export function EnumValues({ values, path, onChange }: { values: readonly string[]; path: string; onChange: (values: string[]) => void }) {
  const [text, setText] = useState(values.join(", "));
  const [shown, setShown] = useState(values);
  if (shown !== values && shown.join(",") !== values.join(",")) {
    setShown(values);
    setText(values.join(", "));
  }
  const problem = useFieldProblem(`${path}*`);
  const id = useId();
  const { readOnly } = useContext(FormContext);
  return (
    <Field label="Allowed values" htmlFor={id} hint="Separate with commas." problem={problem} path={path}>
      <Input
        id={id}
        value={text}
        disabled={readOnly}
        className="h-8 font-mono text-xs"
        placeholder="approve, partial, deny"
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
