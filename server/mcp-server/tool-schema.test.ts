import { describe, expect, it } from "vitest";
import type { MissionGraph } from "@/lib/mission/schema";
import type { ToolInfo } from "@/server/connectors/tool-port";
import { edges, mission, node } from "@/server/engine/testing/missions";
import type { ExposedTool } from "./exposed";
import { missionAnnotations, missionInputSchema } from "./tool-schema";

const exposed = (graph: MissionGraph): ExposedTool => ({
  missionId: "m",
  missionName: graph.name,
  name: "t",
  description: "",
  versionId: "v",
  versionNumber: 1,
  fields: [],
  graph,
  revoked: null,
  shadowedBy: null,
});
const info = (ref: string, annotations: ToolInfo["annotations"]): ToolInfo => ({ ref, connector: ref.split(".")[0]!, name: ref.split(".")[1]!, description: "", inputSchema: {}, annotations, policy: "autonomous" });

const lookup = mission(
  "Look up",
  [node.trigger("start"), node.worker("ask", { tools: ["commerce.get_order"] }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
  edges("start->ask", "ask->done"),
);
const note = mission(
  "Note",
  [node.trigger("start"), node.action("note", { tool: "crm.add_note", args: {} }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
  edges("start->note", "note->done"),
);
const nothing = mission("Nothing", [node.trigger("start"), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })], edges("start->done"));

describe("a mission tool's annotations", () => {
  it("are read-only only when every tool it may call says so, and destructive unless each changing tool says it is not", () => {
    expect(missionAnnotations(exposed(nothing), [])).toMatchObject({ readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: false });
    expect(missionAnnotations(exposed(lookup), [info("commerce.get_order", { readOnlyHint: true })])).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: true });
    // A tool the connectors do not describe (or could not be asked about) counts as changing and destructive.
    expect(missionAnnotations(exposed(lookup), null)).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(missionAnnotations(exposed(note), [info("crm.add_note", { destructiveHint: false })])).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(missionAnnotations(exposed(note), [info("crm.add_note", {})])).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });
});

describe("a mission tool's input schema", () => {
  it("is the trigger's fields, with the wait the caller chooses", () => {
    const schema = missionInputSchema([
      { name: "amount", label: "Amount", type: "number", required: true, description: "In EUR" },
      { name: "urgent", label: "", type: "boolean", required: false, description: "" },
    ]);
    expect(schema).toEqual({
      type: "object",
      properties: {
        amount: { type: "number", title: "Amount", description: "In EUR" },
        urgent: { type: "boolean" },
        wait_seconds: expect.objectContaining({ type: "number", minimum: 0, maximum: 30, default: 5 }),
      },
      required: ["amount"],
      additionalProperties: false,
    });
  });
});
