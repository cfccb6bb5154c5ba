import { clearExpressionCache } from "./expressions";
import { MISSION_FORMAT, type MissionEdge, type MissionGraph, type MissionNode } from "./schema";
import { validateMission } from "./validate";

/**
 * A large valid mission and a timing harness for the validator (the editor validates live, so
 * 1,000 nodes / 1,200 edges must stay well under 50 ms). Not a test: timing is machine-dependent,
 * so the benchmark script calls this and reports.
 */
export function largeMission(nodeCount = 1_000, edgeCount = 1_200): MissionGraph {
  if (nodeCount < 3) throw new Error("largeMission: nodeCount must be at least 3");
  const nodes: MissionNode[] = [];
  const kindAt = (i: number) => (i === 0 ? "trigger" : i === nodeCount - 1 ? "verdict" : (["worker", "action", "condition", "approval"] as const)[i % 4]);
  const id = (i: number) => (i === 0 ? "trigger" : i === nodeCount - 1 ? "verdict" : `n${i}`);
  const position = (i: number) => ({ x: (i % 20) * 260, y: Math.floor(i / 20) * 160 });
  for (let i = 0; i < nodeCount; i++) {
    const prev = id(Math.max(i - 1, 0));
    switch (kindAt(i)) {
      case "trigger":
        nodes.push({ id: id(i), kind: "trigger", position: position(i), data: { label: "Start", channels: ["api"], fields: [{ name: "orderId", label: "", type: "string", required: true, description: "" }, { name: "amount", label: "", type: "number", required: true, description: "" }] } });
        break;
      case "worker":
        nodes.push({ id: id(i), kind: "worker", position: position(i), data: { label: `Worker ${i}`, instructions: "Look it up.", model: "", tools: ["commerce.get_order"], outputs: [{ name: "amount", type: "number", description: "" }], maxSteps: 8 } });
        break;
      case "action":
        nodes.push({ id: id(i), kind: "action", position: position(i), data: { label: `Action ${i}`, tool: "crm.add_note", args: { orderId: "trigger.orderId", note: `"amount " + string(${prev}.amount + 1)` } } });
        break;
      case "condition":
        nodes.push({ id: id(i), kind: "condition", position: position(i), data: { label: `Condition ${i}`, branches: [{ id: "big", label: "Big", expression: `${prev}.amount > 10 && trigger.amount < 500.0` }] } });
        break;
      case "approval":
        nodes.push({ id: id(i), kind: "approval", position: position(i), data: { label: `Approval ${i}`, title: "Approve?", approverRole: "approver", proposed: [{ name: "amount", label: "", type: "number", expression: "trigger.amount * 2", editable: true }], reasonRequiredOnReject: true, requiredApprovals: 1, separationOfDuties: false, timeout: "24h", onTimeout: "reject" } });
        break;
      case "verdict":
        nodes.push({ id: id(i), kind: "verdict", position: position(i), data: { label: "Verdict", outcomes: ["approve", "deny"], outcome: `"${id(2)}" in skipped ? "deny" : "approve"`, summary: "" } });
        break;
    }
  }
  const handle = (i: number, alternative: boolean) => {
    const kind = kindAt(i);
    if (kind === "condition") return alternative ? "big" : "else";
    if (kind === "approval") return alternative ? "rejected" : "approved";
    return undefined;
  };
  const edges: MissionEdge[] = [];
  const edge = (s: number, t: number, alternative: boolean) => {
    const h = handle(s, alternative);
    edges.push({ id: `e${edges.length}`, source: id(s), target: id(t), ...(h ? { sourceHandle: h } : {}) });
  };
  for (let i = 1; i < nodeCount; i++) edge(i - 1, i, false);
  for (let s = 1; edges.length < edgeCount && s + 2 < nodeCount; s++) edge(s, s + 2, true);
  return { format: MISSION_FORMAT, name: `Large mission (${nodeCount} nodes)`, description: "", nodes, edges };
}

export interface ValidationBenchmark {
  nodes: number;
  edges: number;
  problems: number;
  /** First validation after clearing the expression cache. */
  coldMs: number;
  /** Later validations of the same graph (the editor's steady state). */
  meanMs: number;
  maxMs: number;
}

export function benchmarkValidation(iterations = 20, graph: MissionGraph = largeMission()): ValidationBenchmark {
  clearExpressionCache();
  let start = performance.now();
  const problems = validateMission(graph).problems.length;
  const coldMs = performance.now() - start;
  let total = 0;
  let maxMs = 0;
  for (let i = 0; i < iterations; i++) {
    start = performance.now();
    validateMission(graph);
    const ms = performance.now() - start;
    total += ms;
    maxMs = Math.max(maxMs, ms);
  }
  return { nodes: graph.nodes.length, edges: graph.edges.length, problems, coldMs, meanMs: iterations ? total / iterations : coldMs, maxMs };
}
