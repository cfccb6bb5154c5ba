import * as lucide from "lucide-react";
import { describe, expect, it } from "vitest";
import { createNode, edgeTaken, exampleNode, getNodeKind, isNodeKind, nextNodeId, nodeExprFields, nodeKinds, nodeOutputs, portRecord, readableValues, recordedPort } from "./node-kinds";
import { validateMission } from "./validate";
import { MISSION_FORMAT, missionNodeSchema, type NodeKind } from "./schema";

/** The kinds of the schema's union: the registry must have exactly these. */
const ALL: NodeKind[] = missionNodeSchema.options.map((o) => o.shape.kind.value);

describe("the node-kind registry", () => {
  it("has one entry per kind in the schema, in palette order", () => {
    expect(nodeKinds.map((k) => k.kind)).toEqual(["trigger", "worker", "transform", "condition", "approval", "action", "wait", "forEach", "call", "verdict"]);
    expect([...nodeKinds.map((k) => k.kind)].sort()).toEqual([...ALL].sort());
    for (const kind of ALL) expect(getNodeKind(kind).kind).toBe(kind);
  });

  it("describes every kind for builders", () => {
    for (const k of nodeKinds) {
      expect(k.label.length, k.kind).toBeGreaterThan(0);
      expect(k.description, k.kind).toMatch(/^[A-Z].*\.$/);
      expect(k.color, k.kind).toMatch(/^[a-z]+$/);
      // A real lucide-react export, so the palette can render it by name.
      expect(typeof (lucide as Record<string, unknown>)[k.icon], `${k.kind} icon ${k.icon}`).toBe("object");
    }
    expect(nodeKinds.map((k) => k.icon)).toEqual(["Zap", "Bot", "Calculator", "GitBranch", "ShieldCheck", "Wrench", "Hourglass", "Repeat", "Workflow", "Flag"]);
  });

  it("gives default data that the schema accepts", () => {
    for (const k of nodeKinds) {
      const node = createNode(k.kind, "n", { x: 1, y: 2 });
      expect(missionNodeSchema.parse(node), k.kind).toEqual(node);
      expect(k.schema.parse({}), k.kind).toEqual(k.defaultData());
    }
  });

  it("knows which kinds accept inputs and which change state", () => {
    expect(nodeKinds.filter((k) => !k.inputs).map((k) => k.kind)).toEqual(["trigger"]);
    expect(nodeKinds.filter((k) => k.stateChanging).map((k) => k.kind)).toEqual(["approval", "action"]);
  });

  it("lists output ports", () => {
    const condition = createNode("condition", "c", { x: 0, y: 0 });
    condition.data.branches = [
      { id: "big", label: "Big order", expression: "trigger.amount > 100" },
      { id: "vip", label: "", expression: "trigger.vip" },
    ];
    expect(nodeOutputs(condition)).toEqual([
      { id: "big", label: "Big order", handle: "big" },
      { id: "vip", label: "vip", handle: "vip" },
      { id: "else", label: "Else", handle: "else" },
    ]);
    expect(nodeOutputs(createNode("approval", "a", { x: 0, y: 0 })).map((p) => p.handle)).toEqual(["approved", "rejected"]);
    expect(nodeOutputs(createNode("verdict", "v", { x: 0, y: 0 }))).toEqual([]);
    for (const kind of ["trigger", "worker"] as const) {
      expect(nodeOutputs(createNode(kind, "x", { x: 0, y: 0 }))).toEqual([{ id: "out", label: "Next", handle: undefined }]);
    }
    // An action goes on when its tool was called, and may go elsewhere when its decision is rejected.
    expect(nodeOutputs(createNode("action", "x", { x: 0, y: 0 }))).toEqual([
      { id: "out", label: "Done", handle: undefined },
      { id: "rejected", label: "Rejected", handle: "rejected" },
    ]);
  });

  it("says which edges a node takes, by the port it completed through", () => {
    // An action that called its tool takes its default edges, not the rejected one; a rejected one only that.
    expect([edgeTaken("action", undefined, undefined), edgeTaken("action", "rejected", undefined)]).toEqual([true, false]);
    expect([edgeTaken("action", undefined, "rejected"), edgeTaken("action", "rejected", "rejected")]).toEqual([false, true]);
    // An approval edge drawn without a port is the approved path.
    expect([edgeTaken("approval", undefined, "approved"), edgeTaken("approval", undefined, "rejected"), edgeTaken("approval", "rejected", "rejected")]).toEqual([true, false, true]);
    expect([edgeTaken("condition", "big", "big"), edgeTaken("condition", "else", "big")]).toEqual([true, false]);
    expect(edgeTaken("worker", undefined, undefined)).toBe(true);
  });

  it("takes nothing from a node that chooses its port while the record does not say which (the run overlay before its Observations)", () => {
    expect([edgeTaken("condition", "big", null), edgeTaken("condition", "else", null), edgeTaken("approval", undefined, null)]).toEqual([false, false, false]);
    // A kind with a default port goes on through it.
    expect([edgeTaken("action", undefined, null), edgeTaken("action", "rejected", null), edgeTaken("worker", undefined, null)]).toEqual([true, false, true]);
  });

  it("reads the port a node took from its status Observation, as every run since the first wrote it", () => {
    expect(recordedPort({ status: "succeeded", branch: "big" })).toBe("big");
    expect(recordedPort({ status: "succeeded", decision: "approved", decisionId: "d" })).toBe("approved");
    expect(recordedPort({ status: "succeeded", decision: "expired" })).toBe("rejected");
    expect(recordedPort({ status: "succeeded", decision: "rejected", port: "rejected", tool: "crm.add_note" })).toBe("rejected");
    expect(recordedPort({ status: "succeeded", tool: "crm.add_note" })).toBeUndefined();
    // What a re-run copies is only what names the port: no decision id of another run.
    expect(portRecord({ status: "succeeded", decision: "approved", decisionId: "d" })).toEqual({ decision: "approved" });
  });

  it("gives every kind a summary, readable values and an example that validates", () => {
    const nodes = nodeKinds.map((k, i) => exampleNode(k.kind, `n${i}`, { x: i * 300, y: 0 }, i ? `n${i - 1}` : "n0"));
    for (const node of nodes) expect(getNodeKind(node.kind).summary(node.data as never), node.kind).not.toBe("");
    const edges = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]?.id as string, target: n.id, ...(nodeOutputs(nodes[i] as never)[0]?.handle ? { sourceHandle: nodeOutputs(nodes[i] as never)[0]?.handle } : {}) }));
    expect(validateMission({ format: MISSION_FORMAT, name: "Every kind", description: "", nodes, edges }).problems).toEqual([]);
    const worker = exampleNode("worker", "w", { x: 0, y: 0 }, "trigger");
    expect(readableValues(worker)).toEqual([{ path: "amount", detail: "number" }]);
  });

  it("lists the expressions each node evaluates", () => {
    const action = createNode("action", "a", { x: 0, y: 0 });
    action.data.args = { orderId: "trigger.orderId", blank: "" };
    expect(nodeExprFields(action)).toEqual([{ path: ["args", "orderId"], expression: "trigger.orderId" }]);
    const approval = createNode("approval", "p", { x: 0, y: 0 });
    approval.data.proposed = [{ name: "amount", label: "", type: "number", expression: "reason.amount", editable: true }];
    expect(nodeExprFields(approval)).toEqual([{ path: ["proposed", 0, "expression"], expression: "reason.amount" }]);
    const verdict = createNode("verdict", "v", { x: 0, y: 0 });
    verdict.data.outcome = '"approve"';
    expect(nodeExprFields(verdict)).toEqual([{ path: ["outcome"], expression: '"approve"' }]);
    expect(nodeExprFields(createNode("worker", "w", { x: 0, y: 0 }))).toEqual([]);
  });

  it("looks kinds up safely", () => {
    expect(getNodeKind("webhook")).toBeUndefined();
    expect(getNodeKind("toString")).toBeUndefined();
    expect(isNodeKind("approval")).toBe(true);
    expect(isNodeKind(3)).toBe(false);
  });

  it("suggests unused ids for new nodes", () => {
    expect(nextNodeId(["trigger", "verdict"], "worker")).toBe("worker");
    expect(nextNodeId(["worker", "worker_2"], "worker")).toBe("worker_3");
  });
});
