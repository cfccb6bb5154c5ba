"use client";

import { CHANNELS, type TriggerData } from "@/lib/mission/schema";
import { useEditorStoreApi } from "../store/editor-context";
import { CheckboxField, Section, TextAreaField, TextField } from "./fields";

type Update = (patch: Partial<TriggerData>, key: string) => void;

/** A tool name from the mission's name: "Refund adjudication" → `refund_adjudication`. */
function toolNameFrom(missionName: string): string {
  const name = missionName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+|_+$/g, "")
    .slice(0, 64);
  return name || "mission";
}

/**
 * "Expose as a tool": offers the mission to AI assistants through Steward's MCP server. A tool
 * call is an API call by the key's owner, so turning it on turns on the API channel too.
 */
export function TriggerToolSection({ data, update }: { data: TriggerData; update: Update }) {
  const store = useEditorStoreApi();
  const expose = (on: boolean) => {
    if (!on) return update({ tool: undefined }, "tool");
    const channels = CHANNELS.filter((c) => c === "api" || data.channels.includes(c));
    update({ tool: { name: toolNameFrom(store.getState().graph.name), description: store.getState().graph.description ?? "" }, channels }, "tool");
  };
  return (
    <Section title="AI assistants" description="Offer this mission as a tool of Steward's MCP server (/api/mcp).">
      <CheckboxField
        label="Expose as a tool"
        hint="An assistant with an API key starts runs as the key's owner; they wait on the same approvals. Changing this needs a reviewer to publish."
        checked={!!data.tool}
        onChange={expose}
      />
      {data.tool ? (
        <div className="space-y-2 rounded-lg border border-slate-200 p-3" data-testid="tool-settings">
          <TextField
            label="Tool name"
            mono
            value={data.tool.name}
            path="tool.name"
            testId="tool-name"
            hint="Lowercase letters, digits and underscores; assistants call it by this name."
            onChange={(v) => update({ tool: { description: "", ...data.tool, name: v } }, "tool.name")}
          />
          <TextAreaField
            label="Tool description"
            rows={3}
            value={data.tool.description}
            path="tool.description"
            hint="What the tool does and when to use it: the assistant reads this to decide."
            onChange={(v) => update({ tool: { name: "", ...data.tool, description: v } }, "tool.description")}
          />
        </div>
      ) : null}
    </Section>
  );
}
