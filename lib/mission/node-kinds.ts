import type { z } from "zod";
import { literalResults } from "./expressions";
import {
  actionDataSchema,
  approvalDataSchema,
  conditionDataSchema,
  triggerDataSchema,
  verdictDataSchema,
  workerDataSchema,
  type MissionNode,
  type NodeData,
  type NodeKind,
} from "./schema";
import { triggerChannelProblems } from "./trigger-channels";

/**
 * THE node-kind registry: the palette, inspector forms, validator, engine handler map and run
 * overlay all read it. Adding a kind = one entry here + one engine handler + one React node.
 */

export type DataPath = (string | number)[];

/** An output port. `handle` is what an edge stores as sourceHandle: undefined for the default port. */
export interface OutputPort {
  id: string;
  label: string;
  handle: string | undefined;
}

export interface ExprField {
  /** Path inside the node's data, e.g. ["branches", 0, "expression"]. */
  path: DataPath;
  expression: string;
}

export interface DataProblem {
  path: DataPath;
  message: string;
}

export interface NodeKindSpec<K extends NodeKind> {
  kind: K;
  label: string;
  /** One plain sentence for builders. */
  description: string;
  /** A lucide-react icon name. */
  icon: string;
  /** A Tailwind color name. */
  color: string;
  schema: z.ZodType<NodeData<K>, unknown>;
  defaultData(): NodeData<K>;
  /** Whether the node accepts incoming edges. */
  inputs: boolean;
  outputs(data: NodeData<K>): OutputPort[];
  /**
   * Whether an edge leaving from `handle` (undefined: the default port) is taken when the node
   * completed through `port` (undefined: its default port).
   */
  takes(handle: string | undefined, port: string | undefined): boolean;
  /** Needs a human decision before it changes anything outside Steward. */
  stateChanging: boolean;
  /** The expressions this node evaluates (empty ones are left out: `check` reports required ones). */
  exprFields(data: NodeData<K>): ExprField[];
  /** Problems within one node's data that the zod schema cannot express. */
  check(data: NodeData<K>): DataProblem[];
}

export type AnyNodeKindSpec = { [K in NodeKind]: NodeKindSpec<K> }[NodeKind];

/**
 * How often the engine tries a node's step before the node fails: 1 + 3 retries. A failure that
 * another try cannot cure (a bad expression, a rejected or withheld tool) is not retried.
 */
export const STEP_RETRIES = 3;
export const STEP_ATTEMPTS = STEP_RETRIES + 1;

export const DEFAULT_PORT: OutputPort = { id: "out", label: "Next", handle: undefined };
export const ELSE_PORT_ID = "else";
export const APPROVED_PORT_ID = "approved";
export const REJECTED_PORT_ID = "rejected";

/** Every edge is taken: the node has one way on. */
const everyEdge = () => true;
/** The edge of the port chosen, by its handle (a condition's branch). */
const edgeOfPort = (handle: string | undefined, port: string | undefined) => port === undefined || handle === port;

function duplicates<T>(items: readonly T[], key: (item: T) => string, path: (index: number) => DataPath, what: string): DataProblem[] {
  const first = new Map<string, number>();
  const out: DataProblem[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    const seen = first.get(k);
    if (seen === undefined) first.set(k, i);
    else out.push({ path: path(i), message: `duplicate ${what} "${k}" (also at position ${seen + 1})` });
  });
  return out;
}

const trigger: NodeKindSpec<"trigger"> = {
  kind: "trigger",
  label: "Trigger",
  description: "Starts a run from a manual start, a portal form, an API call, a schedule or a webhook, with the inputs you define.",
  icon: "Zap",
  color: "sky",
  schema: triggerDataSchema,
  defaultData: () => triggerDataSchema.parse({}),
  inputs: false,
  outputs: () => [DEFAULT_PORT],
  takes: everyEdge,
  stateChanging: false,
  exprFields: () => [],
  check(data) {
    const problems = duplicates(data.fields, (f) => f.name, (i) => ["fields", i, "name"], "field name");
    data.fields.forEach((f, i) => {
      if (f.maxLength !== undefined && f.type !== "string" && f.type !== "text" && f.type !== "email") {
        problems.push({ path: ["fields", i, "maxLength"], message: `only text fields have a maximum length, not ${f.type} fields` });
      }
    });
    if (data.channels.includes("portal") && !data.portal?.slug) {
      problems.push({ path: ["portal", "slug"], message: "set a portal address (slug) to offer this trigger on the portal" });
    }
    problems.push(...triggerChannelProblems(data));
    return problems;
  },
};

const worker: NodeKindSpec<"worker"> = {
  kind: "worker",
  label: "AI Worker",
  description: "An AI agent that follows your instructions, may call the tools you allow, and returns the typed outputs you define.",
  icon: "Bot",
  color: "violet",
  schema: workerDataSchema,
  defaultData: () => workerDataSchema.parse({}),
  inputs: true,
  outputs: () => [DEFAULT_PORT],
  takes: everyEdge,
  stateChanging: false,
  exprFields: () => [],
  check(data) {
    const problems = [
      ...duplicates(data.outputs, (o) => o.name, (i) => ["outputs", i, "name"], "output name"),
      ...duplicates(data.tools, (t) => t, (i) => ["tools", i], "tool"),
    ];
    data.outputs.forEach((o, i) => {
      if (o.type === "enum" && !o.values?.length) problems.push({ path: ["outputs", i, "values"], message: "list the allowed values of this enum output" });
      if (o.values) problems.push(...duplicates(o.values, (v) => v, (j) => ["outputs", i, "values", j], "value"));
    });
    return problems;
  },
};

const action: NodeKindSpec<"action"> = {
  kind: "action",
  label: "Action",
  description: "Calls one tool on a connector with arguments mapped from earlier steps.",
  icon: "Wrench",
  color: "amber",
  schema: actionDataSchema,
  defaultData: () => actionDataSchema.parse({}),
  inputs: true,
  // "rejected" is taken when the action's decision is rejected or expires; unconnected, that fails the run.
  outputs: () => [{ ...DEFAULT_PORT, label: "Done" }, { id: REJECTED_PORT_ID, label: "Rejected", handle: REJECTED_PORT_ID }],
  takes: (handle, port) => (port === REJECTED_PORT_ID ? handle === REJECTED_PORT_ID : handle !== REJECTED_PORT_ID),
  stateChanging: true,
  exprFields: (data) =>
    Object.entries(data.args)
      .filter(([, expression]) => expression.trim() !== "")
      .map(([name, expression]) => ({ path: ["args", name], expression })),
  check(data) {
    const problems: DataProblem[] = [];
    if (!data.tool) problems.push({ path: ["tool"], message: "choose the tool this action calls" });
    for (const [name, expression] of Object.entries(data.args)) {
      if (expression.trim() === "") problems.push({ path: ["args", name], message: "write an expression for this argument" });
    }
    return problems;
  },
};

const condition: NodeKindSpec<"condition"> = {
  kind: "condition",
  label: "Condition",
  description: "Sends the run down the first branch whose expression is true, or down else.",
  icon: "GitBranch",
  color: "slate",
  schema: conditionDataSchema,
  defaultData: () => conditionDataSchema.parse({}),
  inputs: true,
  outputs: (data) => [
    ...data.branches.map((b) => ({ id: b.id, label: b.label || b.id, handle: b.id })),
    { id: ELSE_PORT_ID, label: "Else", handle: ELSE_PORT_ID },
  ],
  takes: edgeOfPort,
  stateChanging: false,
  exprFields: (data) =>
    data.branches
      .map((b, i) => ({ path: ["branches", i, "expression"], expression: b.expression }))
      .filter((f) => f.expression.trim() !== ""),
  check(data) {
    const problems = duplicates(data.branches, (b) => b.id, (i) => ["branches", i, "id"], "branch id");
    if (data.branches.length === 0) problems.push({ path: ["branches"], message: "add at least one branch" });
    data.branches.forEach((b, i) => {
      if (b.id === ELSE_PORT_ID) problems.push({ path: ["branches", i, "id"], message: `"${ELSE_PORT_ID}" is the fallback port; choose another branch id` });
      if (b.expression.trim() === "") problems.push({ path: ["branches", i, "expression"], message: "write the expression that selects this branch" });
    });
    return problems;
  },
};

const approval: NodeKindSpec<"approval"> = {
  kind: "approval",
  label: "Approval",
  description: "Waits in the Decision Queue until an approver approves or rejects, possibly editing the proposed values.",
  icon: "ShieldCheck",
  color: "emerald",
  schema: approvalDataSchema,
  defaultData: () => approvalDataSchema.parse({}),
  inputs: true,
  outputs: () => [
    { id: APPROVED_PORT_ID, label: "Approved", handle: APPROVED_PORT_ID },
    { id: REJECTED_PORT_ID, label: "Rejected", handle: REJECTED_PORT_ID },
  ],
  // An approval edge drawn without a port counts as the approved path.
  takes: (handle, port) => port === undefined || (handle ?? APPROVED_PORT_ID) === port,
  stateChanging: true,
  exprFields: (data) =>
    data.proposed
      .map((p, i) => ({ path: ["proposed", i, "expression"], expression: p.expression }))
      .filter((f) => f.expression.trim() !== ""),
  check(data) {
    const problems = duplicates(data.proposed, (p) => p.name, (i) => ["proposed", i, "name"], "proposed value name");
    data.proposed.forEach((p, i) => {
      if (p.expression.trim() === "") problems.push({ path: ["proposed", i, "expression"], message: "write the expression that proposes this value" });
    });
    if (data.onTimeout === "escalate" && !data.escalateTo) {
      problems.push({ path: ["escalateTo"], message: "choose the role the decision escalates to when it times out" });
    }
    return problems;
  },
};

const verdict: NodeKindSpec<"verdict"> = {
  kind: "verdict",
  label: "Verdict",
  description: "Ends the run with one of the outcomes you list and a summary.",
  icon: "Flag",
  color: "zinc",
  schema: verdictDataSchema,
  defaultData: () => verdictDataSchema.parse({}),
  inputs: true,
  outputs: () => [],
  takes: everyEdge,
  stateChanging: false,
  exprFields: (data) =>
    (["outcome", "summary"] as const)
      .filter((key) => data[key].trim() !== "")
      .map((key) => ({ path: [key], expression: data[key] })),
  check(data) {
    const problems = duplicates(data.outcomes, (o) => o, (i) => ["outcomes", i], "outcome");
    if (data.outcome.trim() === "") {
      if (data.outcomes.length > 1) {
        problems.push({ path: ["outcome"], message: `write the expression that picks the outcome (one of ${data.outcomes.join(", ")})` });
      }
    } else {
      for (const literal of new Set(literalResults(data.outcome))) {
        if (!data.outcomes.includes(literal)) {
          problems.push({ path: ["outcome"], message: `can give "${literal}", which is not one of the outcomes: ${data.outcomes.join(", ")}` });
        }
      }
    }
    return problems;
  },
};

/** In palette order. */
export const nodeKinds: readonly AnyNodeKindSpec[] = [trigger, worker, condition, approval, action, verdict];

const byKind: { [K in NodeKind]: NodeKindSpec<K> } = { trigger, worker, action, condition, approval, verdict };

export const NODE_KIND_NAMES: readonly NodeKind[] = nodeKinds.map((k) => k.kind);

export function isNodeKind(kind: unknown): kind is NodeKind {
  return typeof kind === "string" && Object.hasOwn(byKind, kind);
}

export function getNodeKind<K extends NodeKind>(kind: K): NodeKindSpec<K>;
export function getNodeKind(kind: string): AnyNodeKindSpec | undefined;
export function getNodeKind(kind: string): AnyNodeKindSpec | undefined {
  return isNodeKind(kind) ? (byKind[kind] as AnyNodeKindSpec) : undefined;
}

// A node's spec and data always match by construction; these helpers keep that cast in one place.
type LooseSpec = {
  outputs(data: unknown): OutputPort[];
  exprFields(data: unknown): ExprField[];
  check(data: unknown): DataProblem[];
};
function loose(node: MissionNode): LooseSpec {
  return byKind[node.kind] as unknown as LooseSpec;
}

export function nodeOutputs(node: MissionNode): OutputPort[] {
  return loose(node).outputs(node.data);
}

/** Whether an edge leaving `kind`'s port `handle` is taken when the node completed through `port` (undefined: the default port). */
export function edgeTaken(kind: NodeKind, handle: string | undefined, port: string | undefined): boolean {
  return byKind[kind].takes(handle, port);
}

export function nodeExprFields(node: MissionNode): ExprField[] {
  return loose(node).exprFields(node.data);
}

export function checkNodeData(node: MissionNode): DataProblem[] {
  return loose(node).check(node.data);
}

/** A new node of a kind with default data, for the palette. */
export function createNode<K extends NodeKind>(kind: K, id: string, position: { x: number; y: number }): Extract<MissionNode, { kind: K }> {
  const node: MissionNode = { id, kind, position, data: byKind[kind].defaultData() } as MissionNode;
  return node as Extract<MissionNode, { kind: K }>;
}

/** An unused node id for a new node: `worker`, `worker_2`, … */
export function nextNodeId(existing: Iterable<string>, kind: NodeKind): string {
  const taken = new Set(existing);
  if (!taken.has(kind)) return kind;
  for (let n = 2; ; n++) {
    const id = `${kind}_${n}`;
    if (!taken.has(id)) return id;
  }
}
