import {
  actionDataSchema,
  approvalDataSchema,
  conditionDataSchema,
  MISSION_FORMAT,
  triggerDataSchema,
  verdictDataSchema,
  workerDataSchema,
  type MissionEdge,
  type MissionGraph,
  type MissionNode,
} from "@/lib/mission/schema";
import type { z } from "zod";

// Small builders for hand-made missions in tests and benchmarks: defaults from the schema, so a
// test states only what it is about.

let x = 0;
const at = () => ({ x: (x += 200), y: 0 });

export const node = {
  trigger: (id: string, data: z.input<typeof triggerDataSchema> = {}): MissionNode => ({ id, kind: "trigger", position: at(), data: triggerDataSchema.parse(data) }),
  worker: (id: string, data: z.input<typeof workerDataSchema> = {}): MissionNode => ({ id, kind: "worker", position: at(), data: workerDataSchema.parse(data) }),
  action: (id: string, data: z.input<typeof actionDataSchema>): MissionNode => ({ id, kind: "action", position: at(), data: actionDataSchema.parse(data) }),
  condition: (id: string, data: z.input<typeof conditionDataSchema>): MissionNode => ({ id, kind: "condition", position: at(), data: conditionDataSchema.parse(data) }),
  approval: (id: string, data: z.input<typeof approvalDataSchema> = {}): MissionNode => ({ id, kind: "approval", position: at(), data: approvalDataSchema.parse(data) }),
  verdict: (id: string, data: z.input<typeof verdictDataSchema> = {}): MissionNode => ({ id, kind: "verdict", position: at(), data: verdictDataSchema.parse(data) }),
};

/** `"a->b"`, or `"c:yes->d"` for a source port. */
export function edges(...specs: string[]): MissionEdge[] {
  return specs.map((s, i) => {
    const [from, to] = s.split("->") as [string, string];
    const [source, sourceHandle] = from.split(":") as [string, string | undefined];
    return { id: `e${i}_${source}_${to}`, source, target: to, ...(sourceHandle ? { sourceHandle } : {}) };
  });
}

export function mission(name: string, nodes: MissionNode[], edgeList: MissionEdge[]): MissionGraph {
  return { format: MISSION_FORMAT, name, description: "", nodes, edges: edgeList };
}

/** trigger → n-2 always-true conditions → verdict: n nodes that do nothing but move on. */
export function noopChain(n: number): MissionGraph {
  const nodes: MissionNode[] = [node.trigger("start")];
  const links: string[] = [];
  let prev = "start";
  for (let i = 1; i <= n - 2; i++) {
    const id = `c${i}`;
    nodes.push(node.condition(id, { branches: [{ id: "go", expression: "true" }] }));
    links.push(`${prev}${prev === "start" ? "" : ":go"}->${id}`);
    prev = id;
  }
  nodes.push(node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "'no-op'" }));
  links.push(`${prev}${prev === "start" ? "" : ":go"}->done`);
  return mission(`no-op ${n}`, nodes, edges(...links));
}
