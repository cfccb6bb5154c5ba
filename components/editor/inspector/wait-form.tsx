"use client";

import { waitDurationMs } from "@/lib/mission/kinds/wait";
import { ExpressionField, Section, SelectField, TextField } from "./fields";
import type { FormProps } from "./form-props";

const MODES = [
  { value: "duration", label: "For a while" },
  { value: "until", label: "Until a time" },
] as const;

/** "1h" → "1 hour", for the hint under the duration. */
function spelled(duration: string): string | null {
  const ms = waitDurationMs(duration);
  if (ms === null) return null;
  const m = /^(\d+)(s|m|h|d)$/.exec(duration.trim());
  const n = Number(m?.[1]);
  const unit = { s: "second", m: "minute", h: "hour", d: "day" }[m?.[2] as "s" | "m" | "h" | "d"];
  return `${n} ${unit}${n === 1 ? "" : "s"} after the step is reached`;
}

export function WaitForm({ nodeId, data, update }: FormProps<"wait">) {
  return (
    <Section title="Wait" description={`The run goes on when the time comes; later steps read ${nodeId}.until and ${nodeId}.wokeAt.`}>
      <SelectField label="Wait" value={data.mode} path="mode" options={MODES} onChange={(mode) => update({ mode }, "mode")} />
      {data.mode === "duration" ? (
        <TextField
          label="Duration"
          mono
          value={data.duration}
          path="duration"
          placeholder="1h"
          hint={spelled(data.duration) ?? "30s, 15m, 24h, 7d…"}
          onChange={(duration) => update({ duration }, "duration")}
        />
      ) : (
        <ExpressionField
          label="Until"
          value={data.until}
          path="until"
          placeholder='timestamp(trigger.due_date + "T09:00:00Z")'
          hint="A timestamp, or an ISO 8601 date such as 2026-12-07T08:00:00Z (a time already past goes on at once)."
          onChange={(until) => update({ until }, "until")}
        />
      )}
    </Section>
  );
}
