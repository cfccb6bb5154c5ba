import type { z } from "zod";
import { literalResults } from "./expressions";
import { SCOPE_INDEX, SCOPE_ITEM } from "./kinds/for-each";
import { durationProblem } from "./kinds/wait";
import {
  outcomeLabel,
  actionDataSchema,
  approvalDataSchema,
  callDataSchema,
  conditionDataSchema,
  forEachDataSchema,
  transformDataSchema,
  triggerDataSchema,
  verdictDataSchema,
  waitDataSchema,
  workerDataSchema,
  type MissionNode,
  type NodeData,
  type NodeKind,
} from "./schema";
import { triggerChannelProblems } from "./trigger-channels";
import { mcpToolProblems } from "./mcp-tool";

/**
 * THE node-kind registry: what every surface needs to know about a kind, written once. The palette,
 * canvas card (summary, ports), validator, expression autocomplete, engine (which edges a node
 * takes), re-run reuse and run overlay (which port a node took) all read it. The React parts (the
 * inspector form, the icon) are in components/editor/kinds.tsx, keyed by kind the same way; the
 * engine's handler in server/engine/nodes/index.ts. docs/architecture.md lists every file a new
 * kind touches.
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
  /**
   * Evaluated inside the node's own group, once per run of its steps (a For each's item result):
   * it reads the group's scope and the steps inside it.
   */
  inGroup?: true;
}

/** What a kind that holds other steps (a group on the canvas) adds: its body runs in its handler. */
export interface GroupSpec<K extends NodeKind> {
  /** Names the steps inside it (and its `inGroup` expressions) read besides other steps: a For each's `item`. */
  scope: readonly { name: string; detail: string }[];
  /** Shown in a corner of the group's box on the canvas: what the box means. */
  caption: string;
  /** A problem of the group as a whole, given how many steps it holds and how many of them are last. */
  check(data: NodeData<K>, body: { steps: number; exits: number }): string | null;
}

/** Another mission's run a step starts as a child run (Inngest's step.invoke), from its data's same-named fields. */
export interface Invocation {
  missionId: string;
  /** The name the step keeps, for people (the id when empty). */
  missionName: string;
  version: number | "latest";
  /** The child's trigger fields, each from an expression. */
  input: readonly { field: string; expression: string }[];
}

export interface DataProblem {
  path: DataPath;
  message: string;
}

/** Something later steps can read from a node's output, offered as autocomplete. */
export interface ReadableValue {
  /** Below the node's id: `amount` for `reason.amount`; "" for the whole output. */
  path: string;
  /** Its type or what it is, shown beside it. */
  detail: string;
}

export interface NodeKindSpec<K extends NodeKind> {
  kind: K;
  label: string;
  /** One plain sentence for builders. */
  description: string;
  /** A lucide-react icon name (components/editor/kinds.tsx draws it; docs/mission-format.md lists it). */
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
  /**
   * The node chooses among its ports (a condition's branches, an approval's decision): until the
   * port it took is known, none of its edges counts as taken.
   */
  choosesPort: boolean;
  /** The one line its canvas card (and the run overlay's) shows under its title: what it is set up to do. */
  summary(data: NodeData<K>): string;
  /** What later steps can read from its output (the engine's output shape), for autocomplete. */
  readable(data: NodeData<K>): ReadableValue[];
  /** A filled-in step that reads `upstream`'s output and validates: the benchmark's large mission is made of these. */
  example(upstream: string): NodeData<K>;
  /** Needs a human decision before it changes anything outside Steward. */
  stateChanging: boolean;
  /** The expressions this node evaluates (empty ones are left out: `check` reports required ones). */
  exprFields(data: NodeData<K>): ExprField[];
  /** Problems within one node's data that the zod schema cannot express. */
  check(data: NodeData<K>): DataProblem[];

  // Capabilities: what generic code asks a kind instead of naming it (docs/architecture.md).
  /** It holds other steps, drawn as a group, that its handler runs (see GroupSpec). */
  group?: GroupSpec<K>;
  /** It may not be inside a group: how the problem names it, with why (`A trigger`, `A For each (they do not nest)`). */
  notInGroup?: string;
  /** It starts another mission's run as its child: which one, with what input. */
  invokes?(data: NodeData<K>): Invocation;
  /** Its output is what the mission computed (not a tool's result): a test case saved from a run expects it. */
  computes?: true;
  /** The connector tools it calls, each with where its data names it. */
  tools?(data: NodeData<K>): { tool: string; path: DataPath }[];
  /** The step is one tool call (an Action): its run panel shows that call, wide. */
  isToolCall?: true;
  /** An AI agent works the step (a Worker): its reasoning streams onto its run card, its trace span is a GenAI agent's. */
  agent?: true;
  /** The step may wait for a person's decision (an Approval, or the gate of an Action's or a Worker's state-changing call): a simulation answers it by the step's id. */
  asksPerson?: true;
  /** The registered model the step calls (a Worker's `model`; "" for the default model): a run may override it. */
  model?(data: NodeData<K>): string;
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

const CHANNEL_LABELS: Record<string, string> = { manual: "manual", portal: "portal", api: "API" };

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

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
  choosesPort: false,
  notInGroup: "A trigger",
  summary: (data) => `${plural(data.fields.length, "input")} · ${data.channels.map((c) => CHANNEL_LABELS[c] ?? c).join(", ") || "no channel"}`,
  // The trigger's fields are offered as `trigger.<field>` (SCOPE_TRIGGER), whatever its id.
  readable: () => [],
  example: () => ({
    label: "Start",
    channels: ["api"],
    fields: [
      { name: "orderId", label: "", type: "string", required: true, description: "" },
      { name: "amount", label: "", type: "number", required: true, description: "" },
    ],
  }),
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
    problems.push(...triggerChannelProblems(data), ...mcpToolProblems(data));
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
  choosesPort: false,
  computes: true,
  agent: true,
  asksPerson: true,
  model: (d) => d.model,
  tools: (data) => data.tools.map((tool, i) => ({ tool, path: ["tools", i] })),
  summary: (data) => [plural(data.outputs.length, "output"), plural(data.tools.length, "tool"), ...(data.model ? [data.model] : [])].join(" · "),
  readable: (data) => data.outputs.map((o) => ({ path: o.name, detail: o.type === "enum" && o.values?.length ? o.values.join("|") : o.type })),
  example: (upstream) => ({
    label: `Worker after ${upstream}`,
    instructions: "Look it up.",
    model: "",
    tools: ["commerce.get_order"],
    outputs: [{ name: "amount", type: "number", description: "" }],
    maxSteps: 8,
  }),
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
  choosesPort: false,
  tools: (data) => (data.tool ? [{ tool: data.tool, path: ["tool"] }] : []),
  isToolCall: true,
  asksPerson: true,
  summary: (data) => (data.tool ? `${data.tool}(${plural(Object.keys(data.args).length, "arg")})` : "No tool chosen"),
  readable: (data) => [{ path: "", detail: `result of ${data.tool || "the tool"}` }],
  example: (upstream) => ({ label: `Action after ${upstream}`, tool: "crm.add_note", args: { orderId: "trigger.orderId", note: `"amount " + string(${upstream}.amount + 1)` } }),
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
  choosesPort: true,
  summary(data) {
    const first = data.branches[0];
    if (!first) return "No branches yet";
    const more = data.branches.length > 1 ? ` (+${data.branches.length - 1} more)` : "";
    return `If ${first.expression || "…"}${more}`;
  },
  readable: () => [],
  example: (upstream) => ({ label: `Condition after ${upstream}`, branches: [{ id: "big", label: "Big", expression: `${upstream}.amount > 10 && trigger.amount < 500.0` }] }),
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
  choosesPort: true,
  asksPerson: true,
  notInGroup: "An approval",
  summary(data) {
    const who = data.requiredApprovals > 1 ? `${data.requiredApprovals} ${data.approverRole}s` : `an ${data.approverRole}`;
    return `${data.title || "Untitled decision"} · ${who} · ${data.timeout}`;
  },
  readable: (data) => [
    { path: "approved", detail: "boolean" },
    { path: "reason", detail: "approver's reason" },
    ...data.proposed.map((p) => ({ path: `values.${p.name}`, detail: `decided ${p.type}` })),
  ],
  example: (upstream) => ({
    label: `Approval after ${upstream}`,
    title: "Approve?",
    approverRole: "approver",
    proposed: [{ name: "amount", label: "", type: "number", expression: "trigger.amount * 2", editable: true }],
    reasonRequiredOnReject: true,
    requiredApprovals: 1,
    separationOfDuties: false,
    timeout: "24h",
    onTimeout: "reject",
  }),
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

const transform: NodeKindSpec<"transform"> = {
  kind: "transform",
  label: "Transform",
  description: "Computes named values from expressions, typed like a Worker's outputs, for later steps to read.",
  icon: "Calculator",
  color: "teal",
  schema: transformDataSchema,
  defaultData: () => transformDataSchema.parse({}),
  inputs: true,
  outputs: () => [DEFAULT_PORT],
  takes: everyEdge,
  choosesPort: false,
  computes: true,
  summary: (data) => (data.values.length ? data.values.map((v) => v.name).join(", ") : "No values yet"),
  readable: (data) => data.values.map((v) => ({ path: v.name, detail: v.type === "enum" && v.values?.length ? v.values.join("|") : v.type })),
  example: (upstream) => ({
    label: `Transform after ${upstream}`,
    values: [
      { name: "doubled", type: "number", description: "", expression: "trigger.amount * 2.0" },
      { name: "size", type: "enum", values: ["big", "small"], description: "", expression: 'trigger.amount > 100.0 ? "big" : "small"' },
    ],
  }),
  stateChanging: false,
  exprFields: (data) =>
    data.values
      .map((v, i) => ({ path: ["values", i, "expression"], expression: v.expression }))
      .filter((f) => f.expression.trim() !== ""),
  check(data) {
    const problems = duplicates(data.values, (v) => v.name, (i) => ["values", i, "name"], "value name");
    if (data.values.length === 0) problems.push({ path: ["values"], message: "add at least one value to compute" });
    data.values.forEach((v, i) => {
      if (v.expression.trim() === "") problems.push({ path: ["values", i, "expression"], message: "write the expression that computes this value" });
      if (v.type === "enum" && !v.values?.length) problems.push({ path: ["values", i, "values"], message: "list the allowed values of this enum value" });
      if (v.values) problems.push(...duplicates(v.values, (x) => x, (j) => ["values", i, "values", j], "value"));
    });
    return problems;
  },
};

const wait: NodeKindSpec<"wait"> = {
  kind: "wait",
  label: "Wait",
  description: "Waits for a while, or until a time computed from earlier steps, then goes on; restarts do not lose the wait.",
  icon: "Hourglass",
  color: "indigo",
  schema: waitDataSchema,
  defaultData: () => waitDataSchema.parse({}),
  inputs: true,
  outputs: () => [DEFAULT_PORT],
  takes: everyEdge,
  choosesPort: false,
  summary: (data) => (data.mode === "until" ? `Until ${data.until || "…"}` : `For ${data.duration}`),
  readable: () => [
    { path: "until", detail: "when it was to wake (ISO time)" },
    { path: "wokeAt", detail: "when it went on (ISO time)" },
  ],
  example: (upstream) => ({ label: `Wait after ${upstream}`, mode: "duration", duration: "1h", until: "" }),
  stateChanging: false,
  exprFields: (data) => (data.mode === "until" && data.until.trim() !== "" ? [{ path: ["until"], expression: data.until }] : []),
  check(data) {
    if (data.mode === "until") return data.until.trim() === "" ? [{ path: ["until"], message: "write the expression that gives the time to wake up" }] : [];
    const problem = durationProblem(data.duration);
    return problem ? [{ path: ["duration"], message: problem }] : [];
  },
};

const forEach: NodeKindSpec<"forEach"> = {
  kind: "forEach",
  label: "For each",
  description: "Runs the steps inside it once per item of a list, some at once, and gives the list of their results.",
  icon: "Repeat",
  color: "orange",
  schema: forEachDataSchema,
  defaultData: () => forEachDataSchema.parse({}),
  inputs: true,
  outputs: () => [DEFAULT_PORT],
  takes: everyEdge,
  choosesPort: false,
  group: {
    scope: [
      { name: SCOPE_ITEM, detail: "the current item" },
      { name: SCOPE_INDEX, detail: "the current position" },
    ],
    caption: "runs once per item",
    check(data, body) {
      // With no steps inside, the result expression alone maps each item.
      if (body.steps === 0 && data.result.trim() === "") return "put at least one step inside the For each (its body runs once per item), or write the result of an item";
      if (body.steps > 0 && body.exits === 0) return "the steps inside the For each have no last step (a step with no connection onwards), so an item could never end";
      return null;
    },
  },
  notInGroup: "A For each (they do not nest)",
  summary: (data) => `Each of ${data.items || "…"} · ${data.concurrency} at once · on failure ${data.onFailure}`,
  readable: () => [{ path: "", detail: "list of the items' results" }],
  // With no steps inside it maps each item by its result expression, so it validates on its own.
  example: (upstream) => ({ label: `For each after ${upstream}`, items: "[1, 2, 3]", concurrency: 2, onFailure: "collect", maxItems: 10, result: "item * 2" }),
  stateChanging: false,
  exprFields: (data) => [
    ...(data.items.trim() !== "" ? [{ path: ["items"], expression: data.items }] : []),
    ...(data.result.trim() !== "" ? [{ path: ["result"], expression: data.result, inGroup: true as const }] : []),
  ],
  check(data) {
    return data.items.trim() === "" ? [{ path: ["items"], message: "write the expression that gives the list to go over" }] : [];
  },
};

const call: NodeKindSpec<"call"> = {
  kind: "call",
  label: "Call mission",
  description: "Runs another mission's published version as a child run with the input you map, and goes on with its verdict and outputs.",
  icon: "Workflow",
  color: "cyan",
  schema: callDataSchema,
  defaultData: () => callDataSchema.parse({}),
  inputs: true,
  outputs: () => [DEFAULT_PORT],
  takes: everyEdge,
  choosesPort: false,
  invokes: (data) => data,
  summary: (data) =>
    data.missionId ? `${data.missionName || data.missionId} · ${data.version === "latest" ? "latest published" : `v${data.version}`} · ${plural(data.input.length, "input")}` : "No mission chosen",
  readable: () => [
    { path: "verdict.outcome", detail: "the child's outcome" },
    { path: "verdict.summary", detail: "the child's summary" },
    { path: "outputs", detail: "the child's step outputs, by step id" },
    { path: "runId", detail: "the child run's id" },
  ],
  example: (upstream) => ({ label: `Call after ${upstream}`, missionId: "m_example", missionName: "Example", version: 1, input: [{ field: "orderId", expression: "trigger.orderId" }] }),
  stateChanging: false,
  exprFields: (data) =>
    data.input.flatMap((m, i) => (m.expression.trim() === "" ? [] : [{ path: ["input", i, "expression"], expression: m.expression }])),
  check(data) {
    const problems = duplicates(data.input, (m) => m.field, (i) => ["input", i, "field"], "input field");
    if (!data.missionId.trim()) problems.push({ path: ["missionId"], message: "choose the mission this step calls" });
    data.input.forEach((m, i) => {
      if (m.expression.trim() === "") problems.push({ path: ["input", i, "expression"], message: `write the expression that gives ${m.field || "this field"}` });
    });
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
  choosesPort: false,
  notInGroup: "A verdict",
  summary: (data) => data.outcomes.map((o) => outcomeLabel(data, o)).join(" / ") || "No outcomes",
  readable: () => [],
  example: (upstream) => ({ label: "Verdict", outcomes: ["approve", "deny"], outcome: `"${upstream}" in skipped ? "deny" : "approve"`, summary: "" }),
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
export const nodeKinds: readonly AnyNodeKindSpec[] = [trigger, worker, transform, condition, approval, action, wait, forEach, call, verdict];

const byKind: { [K in NodeKind]: NodeKindSpec<K> } = { trigger, worker, action, condition, approval, transform, wait, forEach, call, verdict };

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
  summary(data: unknown): string;
  readable(data: unknown): ReadableValue[];
  tools?(data: unknown): { tool: string; path: DataPath }[];
  invokes?(data: unknown): Invocation;
  model?(data: unknown): string;
};
function loose(node: MissionNode): LooseSpec {
  return byKind[node.kind] as unknown as LooseSpec;
}

export function nodeOutputs(node: MissionNode): OutputPort[] {
  return loose(node).outputs(node.data);
}

/**
 * Whether an edge leaving `kind`'s port `handle` is taken when the node completed through `port`
 * (undefined: the default port; null: the record does not say, and then a kind that chooses its
 * port takes nothing). The one rule the interpreter, re-run reuse and the run overlay follow.
 */
export function edgeTaken(kind: NodeKind, handle: string | undefined, port: string | undefined | null): boolean {
  const spec = byKind[kind];
  if (port === null) return !spec.choosesPort && spec.takes(handle, undefined);
  return spec.takes(handle, port);
}

/**
 * The port a node took, from the data of the status Observation that recorded it succeeding:
 * `port` (how every kind names one), or as runs before it wrote: a condition's `branch`, an
 * approval's `decision`. Undefined: its default port.
 */
export function recordedPort(data: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof data.port === "string") return data.port;
  if (typeof data.branch === "string") return data.branch;
  if (typeof data.decision === "string") return data.decision === "approved" ? APPROVED_PORT_ID : REJECTED_PORT_ID;
  return undefined;
}

/** The part of a status Observation's data that recordedPort reads: what a re-run copies onto a node it reuses. */
export function portRecord(data: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["port", "branch", "decision"] as const) {
    const value = data[key];
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

/** The one line a node's card shows under its title: what this node is set up to do. */
export function nodeSummary(node: MissionNode): string {
  return loose(node).summary(node.data);
}

/** What later steps can read from this node's output. */
export function readableValues(node: MissionNode): ReadableValue[] {
  return loose(node).readable(node.data);
}

/** A filled-in node of `kind` reading `upstream`'s output (see NodeKindSpec.example). */
export function exampleNode<K extends NodeKind>(kind: K, id: string, position: { x: number; y: number }, upstream: string): Extract<MissionNode, { kind: K }> {
  const node: MissionNode = { id, kind, position, data: byKind[kind].example(upstream) } as MissionNode;
  return node as Extract<MissionNode, { kind: K }>;
}

/** The connector tools a node calls, each with where its data names it (none for a kind without `tools`). */
export function nodeTools(node: MissionNode): { tool: string; path: DataPath }[] {
  return loose(node).tools?.(node.data) ?? [];
}

/** The mission a node starts as a child run, or undefined for a kind without `invokes`. */
export function nodeInvocation(node: MissionNode): Invocation | undefined {
  return loose(node).invokes?.(node.data);
}

/** The model a node calls ("" for the default model), or undefined for a kind that calls none. */
export function nodeModel(node: MissionNode): string | undefined {
  return loose(node).model?.(node.data);
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
