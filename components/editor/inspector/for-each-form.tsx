"use client";

import { useState } from "react";
import { mayBeInGroup } from "@/lib/mission/groups";
import { nodeKinds } from "@/lib/mission/node-kinds";
import { FOR_EACH_MAX_CONCURRENCY, FOR_EACH_MAX_ITEMS } from "@/lib/mission/schema";
import { useEditor } from "../store/editor-context";
import { AddButton, ExpressionField, NumberField, Section, SelectField } from "./fields";
import type { FormProps } from "./form-props";

const POLICIES = [
  { value: "stop", label: "Stop: the step fails" },
  { value: "skip", label: "Skip: leave the item out" },
  { value: "collect", label: "Collect: keep its error in its place" },
] as const;

/** The kinds a For each may hold, in palette order. */
const INSIDE = nodeKinds.filter((k) => mayBeInGroup(k.kind));

export function ForEachForm({ nodeId, data, update }: FormProps<"forEach">) {
  return (
    <>
      <ForEachSettings nodeId={nodeId} data={data} update={update} />
      <StepsInside nodeId={nodeId} />
    </>
  );
}

/** Adds a step inside the group, after its last one (or the "+" on a step inside it). */
function StepsInside({ nodeId }: { nodeId: string }) {
  const addInside = useEditor((s) => s.addInside);
  const readOnly = useEditor((s) => s.readOnly);
  const count = useEditor((s) => s.graph.nodes.filter((n) => n.parentId === nodeId).length);
  const [error, setError] = useState<string | null>(null);
  return (
    <Section title="Steps inside" description={`${count} step${count === 1 ? "" : "s"} run once per item. Add one after the last:`}>
      {!readOnly && (
        <div className="flex flex-wrap gap-1.5">
          {INSIDE.map((k) => (
            <AddButton key={k.kind} testId={`add-inside-${k.kind}`} onClick={() => setError(addInside(nodeId, k.kind))}>
              {k.label}
            </AddButton>
          ))}
        </div>
      )}
      {error && <p className="text-xs text-red-700">{error}</p>}
    </Section>
  );
}

function ForEachSettings({ nodeId, data, update }: FormProps<"forEach">) {
  return (
    <Section
      title="For each"
      description={`The steps inside the group run once per item; they read item and index. Later steps read ${nodeId}, the list of the items' results.`}
    >
      <ExpressionField
        label="Items"
        value={data.items}
        path="items"
        placeholder="tickets.open"
        hint="An expression giving a list."
        onChange={(items) => update({ items }, "items")}
      />
      <NumberField
        label="At once"
        value={data.concurrency}
        path="concurrency"
        min={1}
        max={FOR_EACH_MAX_CONCURRENCY}
        hint={`How many items run at the same time (1–${FOR_EACH_MAX_CONCURRENCY}).`}
        onChange={(concurrency) => update({ concurrency }, "concurrency")}
      />
      <SelectField label="When an item fails" value={data.onFailure} path="onFailure" options={POLICIES} onChange={(onFailure) => update({ onFailure }, "onFailure")} />
      <NumberField
        label="At most items"
        value={data.maxItems}
        path="maxItems"
        min={1}
        max={FOR_EACH_MAX_ITEMS}
        hint={`A longer list fails the step before any item runs (at most ${FOR_EACH_MAX_ITEMS.toLocaleString("en-US")}).`}
        onChange={(maxItems) => update({ maxItems }, "maxItems")}
      />
      <ExpressionField
        label="Result of an item"
        value={data.result}
        path="result"
        placeholder="fmt.line"
        hint="Optional: reads item, index and the steps inside. Empty: the output of the last step inside."
        onChange={(result) => update({ result }, "result")}
      />
    </Section>
  );
}
