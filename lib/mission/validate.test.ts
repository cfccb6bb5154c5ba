import { describe, expect, it } from "vitest";
import { NODE_KIND_NAMES } from "./node-kinds";
import { MAX_DOCUMENT_BYTES, type MissionGraph } from "./schema";
import { refundMission } from "./templates/refund";
import { parseMissionDocument, validateForRun, validateMission, type Problem } from "./validate";

type Loose = { id: string; kind: string; position: unknown; data: Record<string, unknown> };

/** The refund mission with one change applied. */
function refundWith(change: (g: MissionGraph, node: (id: string) => Loose) => void): unknown {
  const g = structuredClone(refundMission());
  change(g, (id) => {
    const n = g.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n as unknown as Loose;
  });
  return g;
}

function problems(input: unknown): Problem[] {
  return validateMission(input).problems;
}

describe("validateMission", () => {
  it("accepts the refund mission and returns it with defaults filled", () => {
    const result = validateMission(refundMission());
    expect(result.problems).toEqual([]);
    expect(result.graph?.nodes.find((n) => n.id === "ground")?.data).toMatchObject({ maxSteps: 8 });
  });

  it("maps zod issues to paths and node ids", () => {
    const ps = problems(refundWith((_, node) => (node("ground").data.maxSteps = 0)));
    expect(ps).toEqual([{ path: "nodes[1].data.maxSteps", nodeId: "ground", message: expect.stringMatching(/>=\s?1/) }]);
  });

  it("maps edge issues to edge ids and says what is missing", () => {
    const ps = problems(refundWith((g) => delete (g.edges[2] as Partial<(typeof g.edges)[2]>)?.target));
    expect(ps).toContainEqual({ path: "edges[2].target", edgeId: "e-reason-gate", message: "is required" });
  });

  it("still returns the graph when the shape is right but the mission has problems", () => {
    const result = validateMission(refundWith((g) => g.edges.shift()));
    expect(result.graph?.nodes).toHaveLength(8);
    expect(result.problems.length).toBeGreaterThan(0);
  });

  it("returns no graph when the shape is wrong", () => {
    expect(validateMission(refundWith((g) => (g.name = ""))).graph).toBeUndefined();
  });

  it("reports duplicate node ids", () => {
    const ps = problems(refundWith((g) => g.nodes.push({ ...structuredClone(g.nodes[1]!), position: { x: 5, y: 5 } })));
    expect(ps).toContainEqual({ nodeId: "ground", path: "nodes[8].id", message: 'duplicate step id "ground" (also nodes[1])' });
  });

  it("reports duplicate edge ids", () => {
    const ps = problems(refundWith((g) => (g.edges[3]!.id = "e-trigger-ground")));
    expect(ps).toEqual([{ edgeId: "e-trigger-ground", path: "edges[3].id", message: 'duplicate edge id "e-trigger-ground" (also edges[0])' }]);
  });

  it("reports unknown kinds, listing the known ones", () => {
    const ps = problems(refundWith((_, node) => (node("gate").kind = "switch")));
    expect(ps).toEqual([
      {
        path: "nodes[3].kind",
        nodeId: "gate",
        message: `unknown kind "switch": the known kinds are ${NODE_KIND_NAMES.join(", ")}`,
      },
    ]);
  });

  it("reports dangling edges at the end that is missing", () => {
    const ps = problems(refundWith((g) => g.edges.push({ id: "e-x", source: "crm_note", target: "ghost" })));
    expect(ps).toEqual([{ edgeId: "e-x", path: "edges[9].target", message: 'connects to "ghost", which is not a step in this mission' }]);
  });

  it("reports edges into the trigger", () => {
    const ps = problems(refundWith((g) => g.edges.push({ id: "e-back", source: "ground", target: "trigger" })));
    expect(ps).toEqual([
      { edgeId: "e-back", nodeId: "trigger", path: "edges[9].target", message: 'the trigger "trigger" starts the run and cannot have incoming connections' },
    ]);
  });

  it("reports edges out of a verdict", () => {
    const ps = problems(refundWith((g) => g.edges.push({ id: "e-on", source: "verdict", target: "crm_note" })));
    expect(ps).toEqual([{ edgeId: "e-on", nodeId: "verdict", path: "edges[9].source", message: 'the verdict "verdict" ends the run and cannot connect onwards' }]);
  });

  it("reports a sourceHandle that is not one of the source's ports", () => {
    const unknown = problems(refundWith((g) => (g.edges[3]!.sourceHandle = "maybe")));
    expect(unknown).toEqual([
      { edgeId: "e-gate-denied-verdict", nodeId: "gate", path: "edges[3].sourceHandle", message: '"gate" has no output port "maybe"; its ports are denied, else' },
    ]);
    const missing = problems(refundWith((g) => delete g.edges[5]!.sourceHandle));
    expect(missing[0]).toMatchObject({ path: "edges[5].sourceHandle", message: 'choose which output of "refund" this connection leaves from: approved, rejected' });
    const extra = problems(refundWith((g) => (g.edges[0]!.sourceHandle = "yes")));
    expect(extra[0]).toMatchObject({ path: "edges[0].sourceHandle", message: '"trigger" has a single output; port "yes" does not exist' });
  });

  it("reports the same connection drawn twice", () => {
    const ps = problems(refundWith((g) => g.edges.push({ id: "e-again", source: "trigger", target: "ground" })));
    expect(ps).toEqual([{ edgeId: "e-again", path: "edges[9]", message: "the same connection is already edges[0]" }]);
  });

  it("reports cycles, naming the nodes in them", () => {
    const ps = problems(refundWith((g) => g.edges.push({ id: "e-loop", source: "crm_note", target: "reason" })));
    expect(ps).toContainEqual({
      nodeId: "reason",
      path: "nodes[2]",
      message: "these steps form a cycle, so none of them could ever run: reason → gate → refund → issue_refund → crm_note → reason",
    });
  });

  it("reports nodes no trigger reaches", () => {
    const ps = problems(
      refundWith((g) => g.nodes.push({ id: "orphan", kind: "worker", position: { x: 0, y: 0 }, data: { label: "", instructions: "", model: "", tools: [], outputs: [], maxSteps: 8 } })),
    );
    expect(ps).toEqual([{ nodeId: "orphan", path: "nodes[8]", message: "this step is disconnected and will never run: orphan" }]);
  });

  it("reports a mission with no trigger (and not every node as disconnected)", () => {
    const ps = problems(
      refundWith((g) => {
        g.nodes.shift();
        g.edges.shift();
        for (const n of g.nodes) if (n.kind === "action") n.data.args = {};
        if (g.nodes[6]?.kind === "verdict") g.nodes[6].data.summary = "";
      }),
    );
    expect(ps).toEqual([{ path: "nodes", message: "add a trigger: every mission starts with exactly one" }]);
  });

  it("reports more than one trigger", () => {
    const ps = problems(
      refundWith((g) => {
        g.nodes.push({ ...structuredClone(g.nodes[0]!), id: "second" });
        g.edges.push({ id: "e-second", source: "second", target: "ground" });
      }),
    );
    expect(ps).toEqual([{ nodeId: "second", path: "nodes[8]", message: 'a mission has exactly one trigger; remove this one or "trigger"' }]);
  });

  it("reports a mission with no verdict", () => {
    const ps = problems(
      refundWith((g) => {
        g.nodes.pop();
        g.edges = g.edges.filter((e) => e.target !== "verdict");
      }),
    );
    expect(ps).toEqual([{ path: "nodes", message: "add a verdict: every mission ends with one" }]);
  });

  it("reports expressions that do not parse, with their position", () => {
    const ps = problems(refundWith((_, node) => ((node("gate").data.branches as { expression: string }[])[0]!.expression = 'reason.decision == "deny')));
    expect(ps).toEqual([
      { nodeId: "gate", path: "nodes[3].data.branches[0].expression", message: "the expression does not parse: Unterminated string (at column 20)" },
    ]);
  });

  it("reports expressions that refer to a node that does not exist", () => {
    const ps = problems(refundWith((_, node) => ((node("issue_refund").data.args as Record<string, string>).orderId = "checkout.orderId")));
    expect(ps).toEqual([{ nodeId: "issue_refund", path: "nodes[5].data.args.orderId", message: 'refers to "checkout", which is not a step in this mission' }]);
  });

  it("reports expressions that read a node that is not upstream", () => {
    const ps = problems(refundWith((_, node) => ((node("refund").data.proposed as { expression: string }[])[0]!.expression = "crm_note.id")));
    expect(ps).toEqual([
      {
        nodeId: "refund",
        path: "nodes[4].data.proposed[0].expression",
        message: 'refers to "crm_note", which does not run before "refund": an expression can read only the trigger and steps upstream of it',
      },
    ]);
  });

  it("reports expressions that read their own node", () => {
    const ps = problems(refundWith((_, node) => ((node("gate").data.branches as { expression: string }[])[0]!.expression = 'gate.branch == "x"')));
    expect(ps[0]?.message).toBe('refers to "gate", its own step: an expression can read only the trigger and steps that run before it');
  });

  it("reports skipped checks on nodes that are not upstream", () => {
    const ps = problems(refundWith((_, node) => (node("verdict").data.summary = '"nothing" in skipped ? "a" : "b"')));
    expect(ps).toEqual([{ nodeId: "verdict", path: "nodes[7].data.summary", message: 'checks whether "nothing" was skipped, which is not a step in this mission' }]);
  });

  it("reports an action with no tool", () => {
    const ps = problems(refundWith((_, node) => (node("crm_note").data.tool = "")));
    expect(ps).toEqual([{ nodeId: "crm_note", path: "nodes[6].data.tool", message: "choose the tool this action calls" }]);
  });

  it("reports duplicated verdict outcomes", () => {
    const ps = problems(refundWith((_, node) => (node("verdict").data.outcomes = ["approve", "partial", "deny", "partial"])));
    expect(ps).toEqual([{ nodeId: "verdict", path: "nodes[7].data.outcomes[3]", message: 'duplicate outcome "partial" (also at position 2)' }]);
  });

  it("reports duplicate worker output names", () => {
    const ps = problems(refundWith((_, node) => ((node("reason").data.outputs as { name: string }[])[2]!.name = "amount")));
    expect(ps).toEqual([{ nodeId: "reason", path: "nodes[2].data.outputs[2].name", message: 'duplicate output name "amount" (also at position 2)' }]);
  });

  it("reports duplicate trigger field names", () => {
    const ps = problems(refundWith((_, node) => ((node("trigger").data.fields as { name: string }[])[2]!.name = "email")));
    expect(ps).toEqual([{ nodeId: "trigger", path: "nodes[0].data.fields[2].name", message: 'duplicate field name "email" (also at position 2)' }]);
  });

  it("reports duplicate condition branch ids", () => {
    const ps = problems(
      refundWith((_, node) => (node("gate").data.branches as unknown[]).push({ id: "denied", label: "", expression: "reason.amount > 100" })),
    );
    expect(ps).toEqual([{ nodeId: "gate", path: "nodes[3].data.branches[1].id", message: 'duplicate branch id "denied" (also at position 1)' }]);
  });

  it("reports an approval that escalates to nobody", () => {
    const ps = problems(refundWith((_, node) => (node("refund").data.onTimeout = "escalate")));
    expect(ps).toEqual([{ nodeId: "refund", path: "nodes[4].data.escalateTo", message: "choose the role the decision escalates to when it times out" }]);
    expect(problems(refundWith((_, node) => Object.assign(node("refund").data, { onTimeout: "escalate", escalateTo: "admin" })))).toEqual([]);
  });

  it("reports node ids that expressions could not name", () => {
    const reserved = problems(refundWith((_, node) => (node("crm_note").id = "int")));
    expect(reserved).toContainEqual({ nodeId: "int", path: "nodes[6].id", message: '"int" is a reserved word in expressions; choose another id' });
    const skipped = problems(refundWith((_, node) => (node("crm_note").id = "skipped")));
    expect(skipped).toContainEqual({ nodeId: "skipped", path: "nodes[6].id", message: '"skipped" is the list of skipped steps in expressions; choose another id' });
    const trigger = problems(refundWith((_, node) => (node("trigger").id = "start", node("crm_note").id = "trigger")));
    expect(trigger).toContainEqual({ nodeId: "trigger", path: "nodes[6].id", message: '"trigger" names the run input in expressions; only the trigger may use it' });
  });

  it("reports verdict expressions that name an outcome not listed", () => {
    const ps = problems(refundWith((_, node) => (node("verdict").data.outcomes = ["approve", "deny"])));
    expect(ps).toEqual([{ nodeId: "verdict", path: "nodes[7].data.outcome", message: 'can give "partial", which is not one of the outcomes: approve, deny' }]);
  });

  it("reports a verdict with several outcomes and no expression to choose", () => {
    const ps = problems(refundWith((_, node) => (node("verdict").data.outcome = "")));
    expect(ps).toEqual([{ nodeId: "verdict", path: "nodes[7].data.outcome", message: "write the expression that picks the outcome (one of approve, partial, deny)" }]);
  });

  it("reports empty required expressions", () => {
    const ps = problems(refundWith((_, node) => ((node("issue_refund").data.args as Record<string, string>).amount = " ")));
    expect(ps).toEqual([{ nodeId: "issue_refund", path: "nodes[5].data.args.amount", message: "write an expression for this argument" }]);
  });

  it("reports an enum output without values and a portal trigger without an address", () => {
    const ps = problems(
      refundWith((_, node) => {
        delete (node("reason").data.outputs as { values?: string[] }[])[0]!.values;
        delete (node("trigger").data.portal as { slug?: string }).slug;
      }),
    );
    expect(ps).toEqual([
      { nodeId: "trigger", path: "nodes[0].data.portal.slug", message: "set a portal address (slug) to offer this trigger on the portal" },
      { nodeId: "reason", path: "nodes[2].data.outputs[0].values", message: "list the allowed values of this enum output" },
    ]);
  });

  it("warns about unknown tools when told which tools exist, without making them problems (a connector may come later)", () => {
    const tools = ["commerce.get_order", "commerce.get_payment", "knowledge.search_policies", "crm.get_history", "commerce.issue_refund"];
    const result = validateMission(refundMission(), { tools });
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([
      { nodeId: "crm_note", path: "nodes[6].data.tool", message: 'unknown tool "crm.add_note": no enabled connector offers it yet, so a run fails when it gets here' },
    ]);
    expect(validateMission(refundMission(), { tools: [...tools, "crm.add_note"] }).warnings).toEqual([]);
    expect(validateMission(refundMission()).warnings).toEqual([]);
  });

  it("reports an approval whose approved output leads nowhere (the step after it was deleted)", () => {
    const ps = problems(
      refundWith((g) => {
        g.nodes = g.nodes.filter((n) => n.id !== "issue_refund" && n.id !== "crm_note");
        g.edges = g.edges.filter((e) => !["issue_refund", "crm_note"].includes(e.source) && !["issue_refund", "crm_note"].includes(e.target));
      }),
    );
    expect(ps).toEqual([
      {
        nodeId: "refund",
        path: "nodes[4]",
        message: 'the "Approved" output of "refund" leads nowhere: connect it to the step that should follow an approval, or the run ends there without a verdict',
      },
    ]);
    // Its rejected output may end the run; only approving into nothing is a mistake.
    const noRejected = problems(refundWith((g) => (g.edges = g.edges.filter((e) => e.id !== "e-refund-rejected-verdict"))));
    expect(noRejected).toEqual([]);
  });

  it("accepts an action's rejected output, and no other named output", () => {
    const withRejected = refundWith((g) => g.edges.push({ id: "e-note-rejected", source: "crm_note", sourceHandle: "rejected", target: "verdict" }));
    expect(problems(withRejected)).toEqual([]);
    const ps = problems(refundWith((g) => g.edges.push({ id: "e-note-maybe", source: "crm_note", sourceHandle: "maybe", target: "verdict" })));
    expect(ps).toEqual([{ edgeId: "e-note-maybe", nodeId: "crm_note", path: "edges[9].sourceHandle", message: '"crm_note" has no output port "maybe"; its ports are the default one (no port named), rejected' }]);
  });

  it("reports every problem at once, structural ones included when the shape is broken", () => {
    const ps = problems(
      refundWith((g, node) => {
        node("ground").data.maxSteps = "many";
        node("crm_note").data.tool = "";
        g.edges.push({ id: "e-loop", source: "crm_note", target: "refund" });
        g.edges.push({ id: "e-x", source: "gate", target: "nobody", sourceHandle: "denied" });
      }),
    );
    expect(ps.map((p) => p.path)).toEqual(["nodes[1].data.maxSteps", "edges[10].target", "nodes[4]", "nodes[6].data.tool"]);
  });

  it("keeps the structure around a node whose kind is unknown", () => {
    const ps = problems(refundWith((_, node) => (node("ground").kind = "lookup")));
    expect(ps.map((p) => p.path)).toEqual(["nodes[1].kind"]);
  });

  it("rejects input that is not an object", () => {
    expect(problems([])).toEqual([{ path: "", message: "a mission document must be a JSON object, not an array" }]);
    expect(problems("x")).toEqual([{ path: "", message: "a mission document must be a JSON object, not a string" }]);
  });

  it("validateForRun blocks on the same problems", () => {
    expect(validateForRun(refundMission())).toEqual([]);
    const broken = refundMission();
    broken.edges.shift();
    expect(validateForRun(broken).length).toBeGreaterThan(0);
  });
});

describe("parseMissionDocument", () => {
  it("parses and validates a JSON document", () => {
    const result = parseMissionDocument(JSON.stringify(refundMission()));
    expect(result.problems).toEqual([]);
    expect(result.graph).toEqual(refundMission());
  });

  it("accepts a byte order mark", () => {
    expect(parseMissionDocument(`\uFEFF${JSON.stringify(refundMission())}`).problems).toEqual([]);
  });

  it("refuses documents over the size limit, naming the limit", () => {
    const text = JSON.stringify({ ...refundMission(), description: "é".repeat(MAX_DOCUMENT_BYTES / 2) });
    const result = parseMissionDocument(text);
    expect(result.graph).toBeUndefined();
    expect(result.problems).toEqual([{ path: "", message: expect.stringMatching(/^the document is too large: 1,00\d,\d{3} bytes, and the limit is 1,000,000 bytes$/) }]);
  });

  it("says where JSON syntax breaks", () => {
    const text = '{\n  "format": "steward.mission/v1",\n  "name": "x",\n  "nodes": [}\n';
    const [p] = parseMissionDocument(text).problems;
    expect(p?.path).toBe("");
    expect(p?.message).toBe('the document is not valid JSON: at line 4, column 13 expected a value but found "}"');
  });

  it("says when the document ends too early", () => {
    const [p] = parseMissionDocument('{"format": "steward.mission/v1", "nodes": [').problems;
    expect(p?.message).toBe("the document is not valid JSON: it ends too early (expected a value)");
  });

  it("refuses an empty document", () => {
    expect(parseMissionDocument("  \n").problems).toEqual([{ path: "", message: "the document is empty: expected a mission JSON object" }]);
  });
});
