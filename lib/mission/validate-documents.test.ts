import { describe, expect, it } from "vitest";
import { NODE_KIND_NAMES } from "./node-kinds";
import { MAX_DOCUMENT_BYTES, MISSION_FORMAT, type MissionGraph } from "./schema";
import { refundMission } from "./templates/refund";
import { parseMissionDocument } from "./validate";

/**
 * Malformed documents as an importer would send them (JSON text), each breaking one thing, each
 * asserting the exact path, the node or edge it names and what the message says.
 */

type Loose = { id: string; kind: string; position: unknown; data: Record<string, unknown> };
type Doc = MissionGraph & Record<string, unknown>;

function refund(change: (g: Doc, node: (id: string) => Loose) => void): string {
  const g = structuredClone(refundMission()) as Doc;
  change(g, (id) => {
    const n = g.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n as unknown as Loose;
  });
  return JSON.stringify(g);
}

/** The smallest valid mission: trigger → verdict. */
function tiny(change: (g: Doc) => void = () => {}): string {
  const g: Doc = {
    format: MISSION_FORMAT,
    name: "Tiny",
    description: "",
    nodes: [
      { id: "start", kind: "trigger", position: { x: 0, y: 0 }, data: { label: "Start", fields: [], channels: ["api"] } },
      { id: "end", kind: "verdict", position: { x: 200, y: 0 }, data: { label: "End", outcomes: ["done"], outcome: "", summary: "" } },
    ],
    edges: [{ id: "e1", source: "start", target: "end" }],
  };
  change(g);
  return JSON.stringify(g);
}

interface Case {
  name: string;
  text: string;
  path: string;
  nodeId?: string;
  edgeId?: string;
  message: RegExp;
}

const CASES: Case[] = [
  // Not a mission document
  { name: "empty text", text: "", path: "", message: /^the document is empty/ },
  { name: "prose", text: "refund everything", path: "", message: /not valid JSON: at line 1, column 1 expected a value but found "r"/ },
  { name: "truncated", text: tiny().slice(0, 40), path: "", message: /not valid JSON: it ends too early/ },
  { name: "trailing comma", text: '{"format": "steward.mission/v1",}', path: "", message: /line 1, column 33 expected a property name/ },
  { name: "single quotes", text: "{'format': 1}", path: "", message: /expected a property name in double quotes but found "'"/ },
  { name: "two documents", text: `${tiny()}\n${tiny()}`, path: "", message: /line 2, column 1 expected the end of the document/ },
  { name: "a JSON array", text: "[]", path: "", message: /must be a JSON object, not an array/ },
  { name: "a JSON string", text: '"mission"', path: "", message: /must be a JSON object, not a string/ },
  { name: "JSON null", text: "null", path: "", message: /must be a JSON object, not null/ },
  { name: "over the size limit", text: tiny((g) => (g.description = "x".repeat(MAX_DOCUMENT_BYTES))), path: "", message: /too large: .* the limit is 1,000,000 bytes/ },
  { name: "multi-byte text over the limit", text: tiny((g) => (g.description = "€".repeat(MAX_DOCUMENT_BYTES / 3 + 10))), path: "", message: /too large/ },

  // Top level
  { name: "wrong format", text: tiny((g) => (g.format = "n8n" as never)), path: "format", message: /must be "steward\.mission\/v1"/ },
  { name: "name missing", text: tiny((g) => delete (g as Partial<Doc>).name), path: "name", message: /^is required$/ },
  { name: "name blank", text: tiny((g) => (g.name = "   ")), path: "name", message: /must not be empty/ },
  { name: "name not a string", text: tiny((g) => (g.name = 12 as never)), path: "name", message: /expected string, received number/ },
  { name: "description too long", text: tiny((g) => (g.description = "d".repeat(5_001))), path: "description", message: /5000/ },
  { name: "nodes an object", text: tiny((g) => (g.nodes = {} as never)), path: "nodes", message: /expected array/ },
  { name: "edges missing", text: tiny((g) => delete (g as Partial<Doc>).edges), path: "edges", message: /^is required$/ },

  // Nodes
  { name: "node is a string", text: tiny((g) => ((g.nodes as unknown[])[1] = "end")), path: "nodes[1]", message: /expected object/ },
  { name: "node id missing", text: refund((_, n) => delete (n("reason") as Partial<Loose>).id), path: "nodes[2].id", message: /^is required$/ },
  { name: "node id with a dash", text: refund((_, n) => (n("reason").id = "re-ason")), path: "nodes[2].id", nodeId: "re-ason", message: /letter or _/ },
  { name: "node id too long", text: refund((_, n) => (n("reason").id = "r".repeat(65))), path: "nodes[2].id", message: /64/ },
  { name: "duplicate node id", text: refund((_, n) => (n("crm_note").id = "issue_refund")), path: "nodes[6].id", nodeId: "issue_refund", message: /duplicate step id "issue_refund" \(also nodes\[5\]\)/ },
  { name: "reserved node id", text: refund((_, n) => (n("crm_note").id = "null")), path: "nodes[6].id", nodeId: "null", message: /reserved word/ },
  { name: "unknown kind", text: refund((_, n) => (n("reason").kind = "llm")), path: "nodes[2].kind", nodeId: "reason", message: new RegExp(`unknown kind "llm": the known kinds are ${NODE_KIND_NAMES.join(", ")}`) },
  { name: "kind missing", text: refund((_, n) => delete (n("reason") as Partial<Loose>).kind), path: "nodes[2].kind", nodeId: "reason", message: /kind is required: one of trigger/ },
  { name: "position not numbers", text: refund((_, n) => (n("gate").position = { x: "1", y: 0 })), path: "nodes[3].position.x", nodeId: "gate", message: /expected number/ },
  { name: "position infinite", text: refund((_, n) => (n("gate").position = { x: 1e400, y: 0 })), path: "nodes[3].position.x", nodeId: "gate", message: /./ },
  { name: "data missing", text: refund((_, n) => delete (n("gate") as Partial<Loose>).data), path: "nodes[3].data", nodeId: "gate", message: /^is required$/ },
  { name: "label too long", text: refund((_, n) => (n("gate").data.label = "l".repeat(121))), path: "nodes[3].data.label", nodeId: "gate", message: /120/ },

  // Trigger
  { name: "no channels", text: refund((_, n) => (n("trigger").data.channels = [])), path: "nodes[0].data.channels", nodeId: "trigger", message: /pick at least one channel/ },
  { name: "unknown channel", text: refund((_, n) => (n("trigger").data.channels = ["email"])), path: "nodes[0].data.channels[0]", nodeId: "trigger", message: /manual.*portal.*api/ },
  { name: "portal slug upper case", text: refund((_, n) => ((n("trigger").data.portal as Record<string, unknown>).slug = "Refunds")), path: "nodes[0].data.portal.slug", nodeId: "trigger", message: /lowercase/ },
  { name: "portal without slug", text: refund((_, n) => (n("trigger").data.portal = { title: "x" })), path: "nodes[0].data.portal.slug", nodeId: "trigger", message: /portal address/ },
  { name: "field type unknown", text: refund((_, n) => ((n("trigger").data.fields as Record<string, unknown>[])[1]!.type = "phone")), path: "nodes[0].data.fields[1].type", nodeId: "trigger", message: /expected one of/ },
  { name: "field name duplicated", text: refund((_, n) => ((n("trigger").data.fields as Record<string, unknown>[])[2]!.name = "orderId")), path: "nodes[0].data.fields[2].name", nodeId: "trigger", message: /duplicate field name "orderId"/ },
  { name: "maxLength on a number", text: refund((_, n) => ((n("trigger").data.fields as Record<string, unknown>[])[2]!.type = "number")), path: "nodes[0].data.fields[2].maxLength", nodeId: "trigger", message: /only text fields/ },

  // Worker
  { name: "tool without connector", text: refund((_, n) => (n("ground").data.tools = ["get_order"])), path: "nodes[1].data.tools[0]", nodeId: "ground", message: /<connector>\.<tool>/ },
  { name: "tool listed twice", text: refund((_, n) => (n("reason").data.tools = ["crm.get_history", "crm.get_history"])), path: "nodes[2].data.tools[1]", nodeId: "reason", message: /duplicate tool/ },
  { name: "maxSteps too high", text: refund((_, n) => (n("ground").data.maxSteps = 51)), path: "nodes[1].data.maxSteps", nodeId: "ground", message: /50/ },
  { name: "output type unknown", text: refund((_, n) => ((n("ground").data.outputs as Record<string, unknown>[])[0]!.type = "money")), path: "nodes[1].data.outputs[0].type", nodeId: "ground", message: /expected one of/ },
  { name: "output name duplicated", text: refund((_, n) => ((n("ground").data.outputs as Record<string, unknown>[])[5]!.name = "currency")), path: "nodes[1].data.outputs[5].name", nodeId: "ground", message: /duplicate output name "currency"/ },
  { name: "enum without values", text: refund((_, n) => ((n("reason").data.outputs as Record<string, unknown>[])[0]!.values = [])), path: "nodes[2].data.outputs[0].values", nodeId: "reason", message: /allowed values/ },

  // Condition
  { name: "no branches", text: refund((_, n) => (n("gate").data.branches = [])), path: "nodes[3].data.branches", nodeId: "gate", message: /at least one branch/ },
  { name: "branch called else", text: refund((_, n) => ((n("gate").data.branches as Record<string, unknown>[])[0]!.id = "else")), path: "nodes[3].data.branches[0].id", nodeId: "gate", message: /fallback port/ },
  { name: "branch expression missing", text: refund((_, n) => delete (n("gate").data.branches as Record<string, unknown>[])[0]!.expression), path: "nodes[3].data.branches[0].expression", nodeId: "gate", message: /^is required$/ },
  { name: "branch expression unparsable", text: refund((_, n) => ((n("gate").data.branches as Record<string, unknown>[])[0]!.expression = "reason.decision = 'deny'")), path: "nodes[3].data.branches[0].expression", nodeId: "gate", message: /does not parse/ },
  { name: "branch reads a later node", text: refund((_, n) => ((n("gate").data.branches as Record<string, unknown>[])[0]!.expression = "refund.approved")), path: "nodes[3].data.branches[0].expression", nodeId: "gate", message: /"refund", which does not run before "gate"/ },

  // Approval
  { name: "timeout without unit", text: refund((_, n) => (n("refund").data.timeout = "72")), path: "nodes[4].data.timeout", nodeId: "refund", message: /duration like/ },
  { name: "unknown approver role", text: refund((_, n) => (n("refund").data.approverRole = "manager")), path: "nodes[4].data.approverRole", nodeId: "refund", message: /expected one of/ },
  { name: "escalate to nobody", text: refund((_, n) => (n("refund").data.onTimeout = "escalate")), path: "nodes[4].data.escalateTo", nodeId: "refund", message: /escalates to/ },
  { name: "proposed value type unknown", text: refund((_, n) => ((n("refund").data.proposed as Record<string, unknown>[])[0]!.type = "money")), path: "nodes[4].data.proposed[0].type", nodeId: "refund", message: /expected one of/ },
  { name: "proposed names duplicated", text: refund((_, n) => ((n("refund").data.proposed as Record<string, unknown>[])[2]!.name = "amount")), path: "nodes[4].data.proposed[2].name", nodeId: "refund", message: /duplicate proposed value name "amount"/ },
  { name: "proposed expression unknown function", text: refund((_, n) => ((n("refund").data.proposed as Record<string, unknown>[])[0]!.expression = "round(reason.amount)")), path: "nodes[4].data.proposed[0].expression", nodeId: "refund", message: /does not parse: .*round/ },

  // Action
  { name: "action tool blank", text: refund((_, n) => (n("issue_refund").data.tool = "")), path: "nodes[5].data.tool", nodeId: "issue_refund", message: /choose the tool/ },
  { name: "action args a list", text: refund((_, n) => (n("issue_refund").data.args = ["trigger.orderId"])), path: "nodes[5].data.args", nodeId: "issue_refund", message: /expected record|expected object/ },
  { name: "action arg unknown node", text: refund((_, n) => ((n("issue_refund").data.args as Record<string, string>).orderId = "order.id")), path: "nodes[5].data.args.orderId", nodeId: "issue_refund", message: /"order", which is not a step/ },
  { name: "action arg unbalanced", text: refund((_, n) => ((n("crm_note").data.args as Record<string, string>).note = '("Refund" + trigger.orderId')), path: "nodes[6].data.args.note", nodeId: "crm_note", message: /does not parse/ },

  // Verdict
  { name: "no outcomes", text: refund((_, n) => (n("verdict").data.outcomes = [])), path: "nodes[7].data.outcomes", nodeId: "verdict", message: /list at least one outcome/ },
  { name: "outcome not an identifier", text: refund((_, n) => (n("verdict").data.outcomes = ["approve", "partial", "deny", "needs review"])), path: "nodes[7].data.outcomes[3]", nodeId: "verdict", message: /identifier/ },
  { name: "outcome duplicated", text: refund((_, n) => (n("verdict").data.outcomes = ["approve", "partial", "deny", "deny"])), path: "nodes[7].data.outcomes[3]", nodeId: "verdict", message: /duplicate outcome "deny"/ },
  { name: "outcome expression names unknown outcome", text: refund((_, n) => (n("verdict").data.outcomes = ["approve", "partial", "reject"])), path: "nodes[7].data.outcome", nodeId: "verdict", message: /can give "deny", which is not one of the outcomes/ },
  { name: "summary with a type clash", text: refund((_, n) => (n("verdict").data.summary = '"Refund " + 1')), path: "nodes[7].data.summary", nodeId: "verdict", message: /does not parse: no such overload: string \+ int/ },

  // Edges and structure
  { name: "edge id empty", text: refund((g) => (g.edges[0]!.id = "")), path: "edges[0].id", message: /must not be empty/ },
  { name: "edge source a number", text: refund((g) => ((g.edges[1] as unknown as Record<string, unknown>).source = 3)), path: "edges[1].source", edgeId: "e-ground-reason", message: /expected string/ },
  { name: "edge to nowhere", text: refund((g) => (g.edges[8]!.target = "archive")), path: "edges[8].target", edgeId: "e-crm_note-verdict", message: /connects to "archive", which is not a step/ },
  { name: "edge from nowhere", text: refund((g) => (g.edges[0]!.source = "webhook")), path: "edges[0].source", edgeId: "e-trigger-ground", message: /connects from "webhook"/ },
  { name: "duplicate edge id", text: refund((g) => (g.edges[8]!.id = "e-ground-reason")), path: "edges[8].id", edgeId: "e-ground-reason", message: /duplicate edge id/ },
  { name: "edge into the trigger", text: refund((g) => g.edges.push({ id: "x", source: "gate", sourceHandle: "denied", target: "trigger" })), path: "edges[9].target", edgeId: "x", nodeId: "trigger", message: /cannot have incoming connections/ },
  { name: "edge out of the verdict", text: refund((g) => g.edges.push({ id: "x", source: "verdict", target: "crm_note" })), path: "edges[9].source", edgeId: "x", nodeId: "verdict", message: /cannot connect onwards/ },
  { name: "condition edge without a port", text: refund((g) => delete g.edges[4]!.sourceHandle), path: "edges[4].sourceHandle", edgeId: "e-gate-else-refund", nodeId: "gate", message: /choose which output of "gate".*denied, else/ },
  { name: "approval edge to an unknown port", text: refund((g) => (g.edges[6]!.sourceHandle = "denied")), path: "edges[6].sourceHandle", edgeId: "e-refund-rejected-verdict", nodeId: "refund", message: /no output port "denied"; its ports are approved, rejected/ },
  { name: "worker edge with a port", text: refund((g) => (g.edges[1]!.sourceHandle = "out")), path: "edges[1].sourceHandle", nodeId: "ground", message: /single output/ },
  { name: "connection drawn twice", text: refund((g) => g.edges.push({ id: "again", source: "ground", target: "reason" })), path: "edges[9]", edgeId: "again", message: /already edges\[1\]/ },
  { name: "two-node cycle", text: refund((g) => g.edges.push({ id: "loop", source: "reason", target: "ground" })), path: "nodes[1]", nodeId: "ground", message: /cycle.*ground → reason → ground/ },
  { name: "self loop", text: refund((g) => g.edges.push({ id: "loop", source: "issue_refund", target: "issue_refund" })), path: "nodes[5]", nodeId: "issue_refund", message: /cycle.*issue_refund → issue_refund/ },
  { name: "disconnected node", text: refund((g) => g.nodes.push({ id: "audit", kind: "action", position: { x: 0, y: 0 }, data: { label: "", tool: "crm.add_note", args: {} } })), path: "nodes[8]", nodeId: "audit", message: /disconnected and will never run: audit/ },
  { name: "no trigger", text: tiny((g) => ((g.nodes = g.nodes.slice(1)), (g.edges = []))), path: "nodes", message: /add a trigger/ },
  { name: "two triggers", text: tiny((g) => (g.nodes.push({ ...structuredClone(g.nodes[0]!), id: "again" }), g.edges.push({ id: "e2", source: "again", target: "end" }))), path: "nodes[2]", nodeId: "again", message: /exactly one trigger/ },
  { name: "no verdict", text: tiny((g) => ((g.nodes = g.nodes.slice(0, 1)), (g.edges = []))), path: "nodes", message: /add a verdict/ },
];

describe("malformed mission documents", () => {
  it("has at least 50 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
  });

  it("accepts the documents the cases start from", () => {
    expect(parseMissionDocument(tiny()).problems).toEqual([]);
    expect(parseMissionDocument(refund(() => {})).problems).toEqual([]);
  });

  it.each(CASES)("$name", (c) => {
    const { graph, problems } = parseMissionDocument(c.text);
    const hit = problems.find((p) => p.path === c.path && c.message.test(p.message));
    expect(hit, `no problem at "${c.path}" matching ${c.message} in ${JSON.stringify(problems, null, 1)}`).toBeDefined();
    if (c.nodeId !== undefined) expect(hit?.nodeId).toBe(c.nodeId);
    if (c.edgeId !== undefined) expect(hit?.edgeId).toBe(c.edgeId);
    // A document with a problem never imports cleanly.
    expect(graph === undefined || problems.length > 0).toBe(true);
  });
});
