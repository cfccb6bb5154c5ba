"use client";

import { useQuery } from "@tanstack/react-query";
import { missionGraphSchema, type CallData, type InputField } from "@/lib/mission/schema";
import { useTRPC } from "@/components/trpc-provider";
import { useEditor } from "../store/editor-context";
import { AddButton, ExpressionField, RowList, Section, SelectField } from "./fields";
import type { FormProps } from "./form-props";

type Mapping = CallData["input"][number];

const QUIET = { staleTime: 30_000, refetchOnWindowFocus: false } as const;

/** The called mission's trigger fields, from the version the step would run now. */
function useCalleeFields(missionId: string, version: CallData["version"]) {
  const trpc = useTRPC();
  const missions = useQuery({ ...trpc.missions.list.queryOptions(), ...QUIET });
  const callee = missions.data?.find((m) => m.id === missionId);
  const versions = useQuery({ ...trpc.missions.versions.queryOptions({ id: missionId }), enabled: !!callee, ...QUIET });
  const number = version === "latest" ? (callee?.publishedVersion ?? null) : version;
  const graph = useQuery({ ...trpc.missions.version.queryOptions({ id: missionId, number: number ?? 0 }), enabled: !!callee && number !== null, ...QUIET });
  const parsed = graph.data ? missionGraphSchema.safeParse(graph.data.graph) : null;
  const trigger = parsed?.success ? parsed.data.nodes.find((n) => n.kind === "trigger") : undefined;
  const fields: InputField[] = trigger?.kind === "trigger" ? trigger.data.fields : [];
  // Published versions only: calls run what was reviewed.
  const published = (versions.data ?? []).filter((v) => v.review === null || v.review.status === "published");
  return { missions: missions.data ?? [], callee, published, number, fields, loaded: !!graph.data };
}

export function CallForm({ nodeId, data, update }: FormProps<"call">) {
  const self = useEditor((s) => s.missionId);
  const { missions, callee, published, number, fields, loaded } = useCalleeFields(data.missionId, data.version);
  const setMapping = (i: number, patch: Partial<Mapping>, key: string) => update({ input: data.input.map((m, j) => (j === i ? { ...m, ...patch } : m)) }, `input.${i}.${key}`);
  const unmapped = fields.filter((f) => !data.input.some((m) => m.field === f.name));

  const missionOptions = [
    { value: "", label: "Choose a mission…" },
    ...missions.filter((m) => m.id !== self).map((m) => ({ value: m.id, label: m.publishedVersion === null ? `${m.name} (not published)` : m.name })),
    ...(data.missionId && !callee ? [{ value: data.missionId, label: `${data.missionId} (not found)` }] : []),
  ];
  const versionOptions = [
    { value: "latest", label: callee?.publishedVersion ? `Latest published (now v${callee.publishedVersion}), pinned when the run reaches the step` : "Latest published, pinned when the run reaches the step" },
    ...published.map((v) => ({ value: String(v.number), label: `Version ${v.number}${v.published ? " (published)" : ""}` })),
    ...(data.version !== "latest" && !published.some((v) => v.number === data.version) ? [{ value: String(data.version), label: `Version ${data.version}` }] : []),
  ];

  return (
    <>
      <Section title="Mission" description={`Runs as a child run for whoever started this run; later steps read ${nodeId}.verdict, ${nodeId}.outputs and ${nodeId}.runId.`}>
        <SelectField
          label="Mission"
          value={data.missionId}
          path="missionId"
          options={missionOptions}
          onChange={(missionId) => update({ missionId, missionName: missions.find((m) => m.id === missionId)?.name ?? "", version: "latest", input: [] }, "missionId")}
        />
        {data.missionId ? (
          <SelectField
            label="Version"
            value={String(data.version)}
            path="version"
            options={versionOptions}
            hint={number === null ? "This mission has no published version yet: publish one before this mission runs." : undefined}
            onChange={(v) => update({ version: v === "latest" ? "latest" : Number(v) }, "version")}
          />
        ) : null}
      </Section>
      {data.missionId ? (
        <Section
          title="Input"
          description={loaded ? `The fields of ${callee?.name ?? data.missionId}'s trigger (version ${number}), each from an expression.` : "The called mission's trigger fields, each from an expression."}
          action={
            unmapped.length ? (
              <AddButton testId="add-input" onClick={() => update({ input: [...data.input, { field: (unmapped[0] as InputField).name, expression: "" }] }, "input")}>
                Map a field
              </AddButton>
            ) : null
          }
        >
          <RowList
            testId="input"
            items={data.input}
            empty={fields.length ? "No field mapped yet." : "Its trigger has no fields."}
            itemLabel={(m) => `field ${m.field}`}
            onRemove={(i) => update({ input: data.input.filter((_, j) => j !== i) }, "input")}
            render={(m, i) => {
              const field = fields.find((f) => f.name === m.field);
              const choices = [...fields.filter((f) => f.name === m.field || !data.input.some((o) => o.field === f.name)).map((f) => ({ value: f.name, label: `${f.label || f.name} (${f.type}${f.required ? ", required" : ""})` }))];
              if (!field) choices.push({ value: m.field, label: `${m.field} (not a field of its trigger)` });
              return (
                <>
                  <SelectField label="Field" value={m.field} path={`input[${i}].field`} options={choices} onChange={(f) => setMapping(i, { field: f }, "field")} />
                  <ExpressionField label="Value" value={m.expression} path={`input[${i}].expression`} placeholder="trigger.orderId" onChange={(expression) => setMapping(i, { expression }, "expression")} />
                </>
              );
            }}
          />
        </Section>
      ) : null}
    </>
  );
}
