import { describe, expect, it } from "vitest";
import { governanceChanges, governanceJson, governanceView, governsNothing, MAX_CHANGE_LINES } from "./governance";
import type { MissionGraph, MissionNode, NodeData, NodeKind } from "./schema";
import { refundMission } from "./templates/refund";
import { largeMission } from "./bench";

/** The refund mission with one node's data changed. */
function withData<K extends NodeKind>(graph: MissionGraph, id: string, change: (d: NodeData<K>) => Partial<NodeData<K>>): MissionGraph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) => (n.id === id ? ({ ...n, data: { ...n.data, ...change(n.data as NodeData<K>) } } as MissionNode) : n)),
  };
}

const refund = refundMission();

describe("governanceView", () => {
  it("leaves out what does not govern: positions, labels, instructions, models, verdicts, trigger fields, portal text", () => {
    let g: MissionGraph = { ...refund, name: "Renamed", description: "Other words" };
    g = { ...g, nodes: g.nodes.map((n) => ({ ...n, position: { x: n.position.x + 50, y: 3 } })) };
    g = withData<"worker">(g, "ground", () => ({ instructions: "Be brief.", model: "other:model", maxSteps: 3, outputs: [], label: "Look" }));
    g = withData<"approval">(g, "refund", () => ({ label: "OK?", title: "Another title" }));
    g = withData<"verdict">(g, "verdict", () => ({ summary: '"x"' }));
    g = withData<"trigger">(g, "trigger", (d) => ({ fields: d.fields.map((f) => ({ ...f, label: "Changed" })), portal: { slug: "refunds", title: "Hi", intro: "There" } }));
    g = { ...g, edges: [...g.edges].reverse().map((e, i) => ({ ...e, id: `renumbered${i}` })) };
    expect(governanceJson(g)).toBe(governanceJson(refund));
    expect(governanceChanges(refund, g)).toEqual([]);
  });

  it("keeps what does: tools, action arguments, branch expressions, approval rules, channels, edges", () => {
    const v = governanceView(refund);
    expect(v.triggers.trigger).toEqual({ channels: ["api", "manual", "portal"], portalSlug: "refunds" });
    expect(v.workers.ground?.tools).toEqual(["commerce.get_order", "commerce.get_payment", "knowledge.search_policies"]);
    expect(v.actions.issue_refund?.args.amount).toBe("refund.values.amount");
    expect(v.conditions.gate?.branches).toEqual([{ id: "denied", expression: 'reason.decision == "deny"' }]);
    expect(v.approvals.refund).toMatchObject({ approverRole: "approver", separationOfDuties: true, requiredApprovals: 1, escalateTo: null });
    expect(v.edges).toContain("gate|denied|verdict");
  });

  it("ignores the order a Worker lists its tools in, but not the order of a condition's branches", () => {
    const reordered = withData<"worker">(refund, "ground", (d) => ({ tools: [...d.tools].reverse() }));
    expect(governanceJson(reordered)).toBe(governanceJson(refund));
    const twoBranches = withData<"condition">(refund, "gate", (d) => ({ branches: [...d.branches, { id: "small", label: "", expression: "reason.amount < 10" }] }));
    const swapped = withData<"condition">(twoBranches, "gate", (d) => ({ branches: [...d.branches].reverse() }));
    expect(governanceChanges(twoBranches, swapped)).toEqual(['Condition "Denied?": branch order denied, small → small, denied']);
  });
});

describe("governanceChanges", () => {
  it("says who decides an approval now, and its other rules", () => {
    const g = withData<"approval">(refund, "refund", () => ({ approverRole: "builder", separationOfDuties: false, requiredApprovals: 2, onTimeout: "escalate", escalateTo: "admin" }));
    expect(governanceChanges(refund, g)).toEqual([
      'Approval "Approve refund": who decides approver → builder',
      'Approval "Approve refund": approvals needed 1 → 2',
      'Approval "Approve refund": separation of duties on → off',
      'Approval "Approve refund": on timeout reject → escalate',
      'Approval "Approve refund": escalate to none → admin',
    ]);
  });

  it("names changed, new and removed proposed values", () => {
    const g = withData<"approval">(refund, "refund", (d) => ({
      proposed: [
        { ...d.proposed[0]!, expression: "trigger.amount", editable: false },
        { name: "note", label: "", type: "string" as const, expression: '"x"', editable: true },
      ],
    }));
    expect(governanceChanges(refund, g)).toEqual([
      'Approval "Approve refund": proposed value amount reason.amount → trigger.amount',
      'Approval "Approve refund": proposed value amount no longer editable',
      'Approval "Approve refund": new proposed value note = "x" (editable)',
      'Approval "Approve refund": removed proposed value currency',
      'Approval "Approve refund": removed proposed value rationale',
    ]);
  });

  it("names an action's tool and argument changes", () => {
    const g = withData<"action">(refund, "issue_refund", (d) => ({ tool: "commerce.refund_all", args: { ...d.args, amount: "reason.amount", extra: "1" } }));
    expect(governanceChanges(refund, g)).toEqual([
      'Action "Issue refund": tool commerce.issue_refund → commerce.refund_all',
      'Action "Issue refund": argument amount refund.values.amount → reason.amount',
      'Action "Issue refund": new argument extra = 1',
    ]);
  });

  it("names a Worker's new and removed tools", () => {
    const g = withData<"worker">(refund, "reason", () => ({ tools: ["crm.delete_customer"] }));
    expect(governanceChanges(refund, g)).toEqual(['Worker "Propose a decision": new tool crm.delete_customer', 'Worker "Propose a decision": removed tool crm.get_history']);
  });

  it("names a changed condition branch", () => {
    const g = withData<"condition">(refund, "gate", () => ({ branches: [{ id: "denied", label: "", expression: "true" }] }));
    expect(governanceChanges(refund, g)).toEqual(['Condition "Denied?": branch denied reason.decision == "deny" → true']);
  });

  it("names connections added and removed, by step id and port", () => {
    const g: MissionGraph = { ...refund, edges: [...refund.edges.filter((e) => e.target !== "refund"), { id: "skip", source: "gate", sourceHandle: "else", target: "issue_refund" }] };
    const lines = governanceChanges(refund, g);
    expect(lines).toContain("New connection gate (else) → issue_refund");
    expect(lines).toContain("Removed connection gate (else) → refund");
  });

  it("names a new Call mission step, the mission it runs and its input, and what changed in it", () => {
    const call: MissionNode = {
      id: "escalate",
      kind: "call",
      position: { x: 0, y: 0 },
      data: { label: "Escalate", missionId: "m-123", missionName: "Escalate ticket", version: "latest", input: [{ field: "amount", expression: "trigger.amount" }] },
    };
    const g: MissionGraph = { ...refund, nodes: [...refund.nodes, call], edges: [...refund.edges, { id: "esc", source: "gate", sourceHandle: "else", target: "escalate" }] };
    expect(governanceChanges(refund, g)).toEqual([
      'New Call mission "Escalate": runs mission "Escalate ticket" (m-123) (its latest published version); input amount = trigger.amount',
      "New connection gate (else) → escalate",
    ]);
    const pinned = withData<"call">(g, "escalate", () => ({ missionId: "m-456", missionName: "Refund check", version: 3, input: [{ field: "amount", expression: "1" }, { field: "note", expression: "'x'" }] }));
    expect(governanceChanges(g, pinned)).toEqual([
      'Call mission "Escalate": mission "Escalate ticket" (m-123) → "Refund check" (m-456)',
      'Call mission "Escalate": version latest → 3',
      'Call mission "Escalate": input amount trigger.amount → 1',
      'Call mission "Escalate": new input note = \'x\'',
    ]);
    expect(governanceChanges(pinned, refund)).toContain('Removed Call mission "Escalate"');
    // Without a Call the view has no `calls`: the hashes of missions saved before the kind stay the same.
    expect(governanceView(refund)).not.toHaveProperty("calls");
  });

  it("names exposure: the portal channel and its address", () => {
    const off = withData<"trigger">(refund, "trigger", () => ({ channels: ["manual" as const] }));
    expect(governanceChanges(off, refund)).toEqual(["Trigger: now on the api channel", "Trigger: now on the public portal (refunds)"]);
    expect(governanceChanges(refund, off)).toEqual(["Trigger: no longer on the api channel", "Trigger: no longer on the public portal"]);
    const moved = withData<"trigger">(refund, "trigger", (d) => ({ portal: { ...d.portal!, slug: "money" } }));
    expect(governanceChanges(refund, moved)).toEqual(["Trigger: portal address refunds → money"]);
  });

  it("names removed steps and lists every governing step of a first version", () => {
    const g: MissionGraph = { ...refund, nodes: refund.nodes.filter((n) => n.id !== "refund") };
    expect(governanceChanges(refund, g)).toContain('Removed Approval "Approve refund"');
    const first = governanceChanges(null, refund);
    expect(first).toContain("New Trigger: now on the api channel; now on the manual channel; now on the public portal (refunds)");
    expect(first.find((l) => l.startsWith('New Approval "Approve refund"'))).toMatch(/who decides approver, approvals needed 1, separation of duties on/);
    expect(first.find((l) => l.startsWith('New Action "Issue refund"'))).toMatch(/calls commerce\.issue_refund; argument orderId = trigger\.orderId/);
    expect(first.at(-1)).toMatch(/^\d+ connections between steps: trigger → ground/);
  });

  it("keeps the list of a huge first version short", () => {
    const lines = governanceChanges(null, largeMission(1500));
    expect(lines).toHaveLength(MAX_CHANGE_LINES);
    expect(lines.at(-1)).toMatch(/^…and \d+ more changes$/);
  });
});

describe("governsNothing", () => {
  it("is true only without tools, approvals and the portal", () => {
    expect(governsNothing(refund)).toBe(false);
    const bare: MissionGraph = { ...refund, nodes: refund.nodes.filter((n) => n.kind === "trigger" || n.kind === "verdict" || n.kind === "condition") };
    expect(governsNothing(bare)).toBe(false); // still on the portal
    const offPortal = withData<"trigger">(bare, "trigger", () => ({ channels: ["manual" as const, "api" as const] }));
    expect(governsNothing(offPortal)).toBe(true);
    const ground = refund.nodes.find((n) => n.id === "ground");
    if (ground?.kind !== "worker") throw new Error("the refund mission has no ground Worker");
    const withWorker: MissionGraph = { ...offPortal, nodes: [...offPortal.nodes, { ...ground, data: { ...ground.data, tools: [] } }] };
    expect(governsNothing(withWorker)).toBe(true);
    expect(governsNothing(withData<"worker">(withWorker, "ground", () => ({ tools: ["crm.get_history"] })))).toBe(false);
  });
});

describe("automatic channels (schedule, webhook)", () => {
  const inert: MissionGraph = {
    format: refund.format,
    name: "Digest",
    description: "",
    nodes: [
      { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: { label: "Trigger", fields: [], channels: ["manual"] } },
      { id: "verdict", kind: "verdict", position: { x: 200, y: 0 }, data: { label: "Verdict", outcomes: ["done"], outcome: '"done"', summary: '"ok"' } },
    ],
    edges: [{ id: "e", source: "trigger", target: "verdict" }],
  };
  const on = (g: MissionGraph, data: Partial<NodeData<"trigger">>) => withData<"trigger">(g, "trigger", () => data);

  it("a trigger that gains a schedule or a webhook governs something: a second person publishes it", () => {
    expect(governsNothing(inert)).toBe(true);
    const scheduled = on(inert, { channels: ["manual", "schedule"], schedule: { cron: "0 8 * * 1-5", timezone: "Europe/Paris", input: {} } });
    const hooked = on(inert, { channels: ["manual", "webhook"], webhook: { mapping: {} } });
    expect(governsNothing(scheduled)).toBe(false);
    expect(governsNothing(hooked)).toBe(false);
    expect(governanceChanges(inert, scheduled)).toEqual(["Trigger: now on a schedule (0 8 * * 1-5 Europe/Paris)"]);
    expect(governanceChanges(inert, hooked)).toEqual(["Trigger: now on an inbound webhook (each field from body.<field>)"]);
  });

  it("when a schedule fires, with what input, and how a webhook's body is mapped are governance; off, they are not in the view", () => {
    const scheduled = on(inert, { channels: ["schedule"], schedule: { cron: "0 8 * * 1-5", timezone: "Europe/Paris", input: {} } });
    const hourly = on(inert, { channels: ["schedule"], schedule: { cron: "0 * * * *", timezone: "Europe/Paris", input: { queue: "billing" } } });
    expect(governanceChanges(scheduled, hourly)).toEqual(['Trigger: schedule 0 8 * * 1-5 Europe/Paris → 0 * * * * Europe/Paris with input {"queue":"billing"}']);
    const mapped = on(inert, { channels: ["webhook"], webhook: { mapping: { ticket: "body.data.id" } } });
    expect(governanceChanges(on(inert, { channels: ["webhook"], webhook: { mapping: {} } }), mapped)).toEqual(["Trigger: webhook mapping each field from body.<field> → ticket = body.data.id"]);
    // A schedule kept in the document while its channel is off changes nothing, and old views keep their shape.
    const dormant = on(inert, { schedule: { cron: "* * * * *", timezone: "UTC", input: {} } });
    expect(governanceJson(dormant)).toBe(governanceJson(inert));
    expect(governanceView(inert).triggers.trigger).toEqual({ channels: ["manual"], portalSlug: null });
  });
});

describe("exposure as an MCP tool", () => {
  const exposed = (name: string | null, description = "Asks for a refund") =>
    withData<"trigger">(refund, "trigger", () => ({ tool: name === null ? undefined : { name, description } }));

  it("the tool's name is governance and named for the reviewer; its description is wording", () => {
    expect(governanceChanges(refund, exposed("request_refund"))).toEqual(["Trigger: now an MCP tool for AI assistants (request_refund)"]);
    expect(governanceChanges(exposed("request_refund"), exposed("refund_order"))).toEqual(["Trigger: MCP tool name request_refund → refund_order"]);
    expect(governanceChanges(exposed("request_refund"), refund)).toEqual(["Trigger: no longer an MCP tool (was request_refund)"]);
    expect(governanceJson(exposed("request_refund", "Other words"))).toBe(governanceJson(exposed("request_refund")));
    // Versions that never exposed a tool keep their view (and hash).
    expect(governanceView(refund).triggers.trigger).not.toHaveProperty("tool");
  });

  it("a mission an assistant can start governs something: a second person publishes it", () => {
    const plain: MissionGraph = {
      ...refund,
      nodes: [{ ...refund.nodes[0]!, data: { ...(refund.nodes[0]!.data as NodeData<"trigger">), channels: ["manual", "api"] } } as MissionNode, refund.nodes.at(-1)!],
      edges: [{ id: "e", source: "trigger", target: "verdict" }],
    };
    expect(governsNothing(plain)).toBe(true);
    expect(governsNothing(withData<"trigger">(plain, "trigger", () => ({ tool: { name: "ask", description: "" } })))).toBe(false);
  });
});
