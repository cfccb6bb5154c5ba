import { getTemplate } from "@/lib/mission/templates";
import { MAX_DOCUMENT_BYTES, type MissionGraph } from "@/lib/mission/schema";

export interface MalformedCase {
  name: string;
  /** A JSON string (as uploaded) or a value (as posted). */
  document: string | unknown;
  /** The problem path must start with this (omit to accept any path). */
  path?: string;
  message: RegExp;
}

function refund(): MissionGraph {
  const t = getTemplate("refund");
  if (!t) throw new Error("refund template missing");
  return t.graph();
}

/** The refund mission with one change applied: each case breaks exactly one thing. */
function broken(change: (g: Record<string, unknown> & MissionGraph) => void): unknown {
  const g = structuredClone(refund()) as Record<string, unknown> & MissionGraph;
  change(g);
  return g;
}

function node(g: MissionGraph, id: string) {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id}`);
  return n as unknown as { id: string; kind: string; position: unknown; data: Record<string, unknown> };
}

function idx(g: MissionGraph, id: string) {
  return g.nodes.findIndex((x) => x.id === id);
}

export const MALFORMED_DOCUMENTS: MalformedCase[] = [
  // Not a mission document at all
  { name: "empty string", document: "", message: /empty|JSON/i },
  { name: "not JSON", document: "this is not json", message: /JSON/i },
  { name: "truncated JSON", document: '{"format": "steward.mission/v1", "name": "x", "nodes": [', message: /JSON/i },
  { name: "JSON array", document: "[]", message: /object|expected/i },
  { name: "JSON number", document: "42", message: /object|expected/i },
  { name: "JSON null", document: "null", message: /object|expected/i },
  { name: "over the size limit", document: JSON.stringify({ format: "steward.mission/v1", name: "x", description: "a".repeat(MAX_DOCUMENT_BYTES + 10), nodes: [], edges: [] }), message: /too large|limit|exceeds/i },
  // Top level
  { name: "wrong format", document: broken((g) => (g.format = "n8n/v1" as never)), path: "format", message: /steward\.mission\/v1/ },
  { name: "missing format", document: broken((g) => delete (g as Partial<MissionGraph>).format), path: "format", message: /./ },
  { name: "name missing", document: broken((g) => delete (g as Partial<MissionGraph>).name), path: "name", message: /./ },
  { name: "name empty", document: broken((g) => (g.name = "")), path: "name", message: /empty/i },
  { name: "name a number", document: broken((g) => (g.name = 7 as never)), path: "name", message: /string|expected/i },
  { name: "name too long", document: broken((g) => (g.name = "n".repeat(300))), path: "name", message: /200/ },
  { name: "nodes not an array", document: broken((g) => (g.nodes = {} as never)), path: "nodes", message: /array|expected/i },
  { name: "edges missing", document: broken((g) => delete (g as Partial<MissionGraph>).edges), path: "edges", message: /./ },
  { name: "edges a string", document: broken((g) => (g.edges = "a->b" as never)), path: "edges", message: /array|expected/i },
  // Nodes
  { name: "node without id", document: broken((g) => delete (node(g, "ground") as Partial<{ id: string }>).id), path: `nodes[1].id`, message: /./ },
  { name: "node id with spaces", document: broken((g) => (node(g, "ground").id = "ground truth")), path: "nodes[1].id", message: /letter|identifier|_/i },
  { name: "node id starting with a digit", document: broken((g) => (node(g, "ground").id = "1ground")), path: "nodes[1].id", message: /letter|identifier/i },
  { name: "duplicate node id", document: broken((g) => (node(g, "reason").id = "ground")), message: /duplicate/i },
  { name: "unknown kind", document: broken((g) => (node(g, "ground").kind = "webhook")), path: "nodes[1]", message: /kind|webhook/i },
  { name: "kind missing", document: broken((g) => delete (node(g, "ground") as Partial<{ kind: string }>).kind), path: "nodes[1]", message: /kind|./i },
  { name: "position missing", document: broken((g) => delete (node(g, "ground") as Partial<{ position: unknown }>).position), path: "nodes[1].position", message: /./ },
  { name: "position x a string", document: broken((g) => (node(g, "ground").position = { x: "10", y: 0 })), path: "nodes[1].position.x", message: /number|expected/i },
  { name: "data missing", document: broken((g) => delete (node(g, "ground") as Partial<{ data: unknown }>).data), path: "nodes[1].data", message: /./ },
  { name: "worker maxSteps zero", document: broken((g) => (node(g, "ground").data.maxSteps = 0)), path: "nodes[1].data.maxSteps", message: /1|small|greater/i },
  { name: "worker maxSteps fractional", document: broken((g) => (node(g, "ground").data.maxSteps = 2.5)), path: "nodes[1].data.maxSteps", message: /int/i },
  { name: "worker tools not refs", document: broken((g) => (node(g, "ground").data.tools = ["get_order"])), path: "nodes[1].data.tools[0]", message: /connector/i },
  { name: "worker output bad type", document: broken((g) => ((node(g, "ground").data.outputs as { type: string }[])[0]!.type = "money")), path: "nodes[1].data.outputs[0].type", message: /./ },
  { name: "worker duplicate output names", document: broken((g) => ((node(g, "ground").data.outputs as { name: string }[])[1]!.name = "orderTotal")), message: /duplicate/i },
  { name: "worker output name with dash", document: broken((g) => ((node(g, "ground").data.outputs as { name: string }[])[0]!.name = "order-total")), path: "nodes[1].data.outputs[0].name", message: /identifier|letter/i },
  { name: "trigger field bad type", document: broken((g) => ((node(g, "trigger").data.fields as { type: string }[])[0]!.type = "date")), path: "nodes[0].data.fields[0].type", message: /./ },
  { name: "trigger duplicate field names", document: broken((g) => ((node(g, "trigger").data.fields as { name: string }[])[1]!.name = "orderId")), message: /duplicate/i },
  { name: "trigger no channels", document: broken((g) => (node(g, "trigger").data.channels = [])), path: "nodes[0].data.channels", message: /channel/i },
  { name: "trigger unknown channel", document: broken((g) => (node(g, "trigger").data.channels = ["fax"])), path: "nodes[0].data.channels[0]", message: /./ },
  { name: "trigger bad portal slug", document: broken((g) => ((node(g, "trigger").data.portal as { slug: string }).slug = "Refunds Here!")), path: "nodes[0].data.portal.slug", message: /lowercase/i },
  { name: "approval bad timeout", document: broken((g) => (node(g, "refund").data.timeout = "3 days")), path: `nodes[4].data.timeout`, message: /duration/i },
  { name: "approval zero approvers", document: broken((g) => (node(g, "refund").data.requiredApprovals = 0)), path: "nodes[4].data.requiredApprovals", message: /./ },
  { name: "approval unknown role", document: broken((g) => (node(g, "refund").data.approverRole = "boss")), path: "nodes[4].data.approverRole", message: /./ },
  { name: "approval escalate without target", document: broken((g) => { node(g, "refund").data.onTimeout = "escalate"; delete node(g, "refund").data.escalateTo; }), message: /escalat/i },
  { name: "action tool not a ref", document: broken((g) => (node(g, "issue_refund").data.tool = "issue refund")), path: "nodes[5].data.tool", message: /connector/i },
  { name: "action without tool", document: broken((g) => (node(g, "issue_refund").data.tool = "")), message: /tool/i },
  { name: "verdict no outcomes", document: broken((g) => (node(g, "verdict").data.outcomes = [])), path: "nodes[7].data.outcomes", message: /outcome/i },
  { name: "verdict duplicate outcomes", document: broken((g) => (node(g, "verdict").data.outcomes = ["approve", "approve"])), message: /duplicate/i },
  // Expressions
  { name: "condition expression does not parse", document: broken((g) => ((node(g, "gate").data.branches as { expression: string }[])[0]!.expression = 'reason.decision == "deny')), message: /./ },
  { name: "approval value expression does not parse", document: broken((g) => ((node(g, "refund").data.proposed as { expression: string }[])[0]!.expression = "reason.amount +")), message: /./ },
  { name: "action arg expression does not parse", document: broken((g) => ((node(g, "issue_refund").data.args as Record<string, string>).orderId = "trigger..orderId")), message: /./ },
  { name: "expression refers to an unknown node", document: broken((g) => ((node(g, "issue_refund").data.args as Record<string, string>).orderId = "checkout.orderId")), message: /checkout/ },
  { name: "expression refers to a downstream node", document: broken((g) => ((node(g, "gate").data.branches as { expression: string }[])[0]!.expression = "refund.approved")), message: /refund/ },
  { name: "condition duplicate branch ids", document: broken((g) => { const b = node(g, "gate").data.branches as { id: string; label: string; expression: string }[]; b.push({ ...b[0]!, expression: "true" }); }), message: /duplicate/i },
  // Edges and structure
  { name: "edge to a missing node", document: broken((g) => (g.edges[0]!.target = "nowhere")), message: /nowhere/ },
  { name: "edge from a missing node", document: broken((g) => (g.edges[0]!.source = "nowhere")), message: /nowhere/ },
  { name: "edge without id", document: broken((g) => delete (g.edges[0] as Partial<{ id: string }>).id), path: "edges[0].id", message: /./ },
  { name: "duplicate edge id", document: broken((g) => (g.edges[1]!.id = g.edges[0]!.id)), message: /duplicate/i },
  { name: "edge into the trigger", document: broken((g) => g.edges.push({ id: "back", source: "ground", target: "trigger" })), message: /trigger|cycle/i },
  { name: "edge out of the verdict", document: broken((g) => g.edges.push({ id: "after", source: "verdict", target: "crm_note" })), message: /verdict|cycle/i },
  { name: "cycle", document: broken((g) => g.edges.push({ id: "loop", source: "reason", target: "ground" })), message: /cycle/i },
  { name: "unknown source handle", document: broken((g) => (g.edges.find((e) => e.source === "gate")!.sourceHandle = "maybe")), message: /maybe|port|handle/i },
  { name: "unreachable node", document: broken((g) => g.nodes.push({ id: "orphan", kind: "action", position: { x: 0, y: 0 }, data: { label: "Orphan", tool: "crm.add_note", args: {} } })), message: /orphan/ },
  { name: "no trigger", document: broken((g) => { g.nodes.splice(idx(g, "trigger"), 1); g.edges = g.edges.filter((e) => e.source !== "trigger"); }), message: /trigger/i },
  { name: "two triggers", document: broken((g) => g.nodes.push({ ...structuredClone(g.nodes[0]!), id: "trigger2" })), message: /trigger/i },
  { name: "no verdict", document: broken((g) => { g.nodes.splice(idx(g, "verdict"), 1); g.edges = g.edges.filter((e) => e.target !== "verdict"); }), message: /verdict/i },
];
