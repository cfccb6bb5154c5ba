import { describe, expect, it } from "vitest";
import { validateMission } from "./validate";
import { refundMission } from "./templates/refund";
import type { MissionGraph, TriggerData } from "./schema";

function withTool(change: (t: TriggerData) => Partial<TriggerData>): MissionGraph {
  const g = refundMission();
  return { ...g, nodes: g.nodes.map((n) => (n.kind === "trigger" ? { ...n, data: { ...n.data, ...change(n.data) } } : n)) } as MissionGraph;
}

const problems = (g: MissionGraph) => validateMission(g).problems.filter((p) => p.nodeId === "trigger").map((p) => `${p.path}: ${p.message}`);

describe("a mission exposed as an MCP tool", () => {
  it("takes a lowercase name that is not one of Steward's own tools, needs the API channel, and keeps wait_seconds for itself", () => {
    expect(problems(withTool(() => ({ tool: { name: "request_refund", description: "" } })))).toEqual([]);
    expect(problems(withTool(() => ({ tool: { name: "Request Refund", description: "" } })))).toEqual([
      "nodes[0].data.tool.name: must be 1–64 lowercase letters, digits or underscores, starting with a letter",
    ]);
    expect(problems(withTool(() => ({ tool: { name: "decide", description: "" } })))).toEqual([
      `nodes[0].data.tool.name: "decide" is one of Steward's own MCP tools; pick another name`,
    ]);
    expect(problems(withTool(() => ({ tool: { name: "ask", description: "" }, channels: ["manual"] })))).toEqual([
      "nodes[0].data.channels: a mission exposed as a tool is started through the API: turn on the API channel",
    ]);
    expect(problems(withTool((t) => ({ tool: { name: "ask", description: "" }, fields: [...t.fields, { name: "wait_seconds", label: "", type: "number", required: false, description: "" }] })))).toEqual([
      `nodes[0].data.fields[3].name: "wait_seconds" is how an assistant says how long to wait for the verdict; rename this input`,
    ]);
  });
});
