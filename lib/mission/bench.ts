import { clearExpressionCache } from "./expressions";
import { exampleNode, NODE_KIND_NAMES, nodeOutputs } from "./node-kinds";
import { MISSION_FORMAT, type MissionEdge, type MissionGraph, type MissionNode, type NodeKind } from "./schema";
import { validateMission } from "./validate";

/**
 * A large valid mission and a timing harness for the validator (the editor validates live, so
 * 1,000 nodes / 1,200 edges must stay well under 50 ms). Not a test: timing is machine-dependent,
 * so the benchmark script calls this and reports.
 */
export function largeMission(nodeCount = 1_000, edgeCount = 1_200): MissionGraph {
  if (nodeCount < 3) throw new Error("largeMission: nodeCount must be at least 3");
  const nodes: MissionNode[] = [];
  // Every kind of the registry between the trigger and the verdict, in turn; the first four keep
  // the places they always had (e2e/editor-large.spec.ts edits n2, a condition).
  const first: NodeKind[] = ["worker", "action", "condition", "approval"];
  const middle = [...first, ...NODE_KIND_NAMES.filter((k) => k !== "trigger" && k !== "verdict" && !first.includes(k))];
  const kindAt = (i: number) => (i === 0 ? "trigger" : i === nodeCount - 1 ? "verdict" : (middle[i % middle.length] as NodeKind));
  const id = (i: number) => (i === 0 ? "trigger" : i === nodeCount - 1 ? "verdict" : `n${i}`);
  const position = (i: number) => ({ x: (i % 20) * 260, y: Math.floor(i / 20) * 160 });
  for (let i = 0; i < nodeCount; i++) nodes.push(exampleNode(kindAt(i), id(i), position(i), id(Math.max(i - 1, 0))));
  // The chain leaves each node through its first port; the extra edges through its last.
  const handle = (i: number, alternative: boolean) => {
    const ports = nodeOutputs(nodes[i] as MissionNode);
    return (alternative ? ports[ports.length - 1] : ports[0])?.handle;
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
