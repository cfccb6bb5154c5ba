import { z } from "zod";

/**
 * The Mission graph: the JSON that builders draw, the API imports and exports, and runs pin.
 * One zod schema, the source of truth for the DB column type, the API and the editor forms, in two
 * strictnesses: a version's (every rule) and a draft's (the shape only; see Strictness below).
 */

export const MISSION_FORMAT = "steward.mission/v1";
export const MAX_NODES = 2_000;
export const MAX_EDGES = 4_000;
/** Largest mission document accepted by import, in bytes of JSON. */
export const MAX_DOCUMENT_BYTES = 1_000_000;
/** A For each's bounds: a builder's list cannot make a run start more items, or more at once, than these. */
export const FOR_EACH_MAX_ITEMS = 5_000;
export const FOR_EACH_MAX_CONCURRENCY = 50;

/** Node ids double as names in expressions (`reason.amount`), so they must be identifiers. */
export const nodeIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must start with a letter or _ and contain only letters, digits and _");

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A mission's MCP tool name (`trigger.data.tool.name`). */
export const MCP_TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** A CEL expression. Syntax is checked by the validator, not the schema, so drafts can hold broken ones. */
export const expressionSchema = z.string().max(4_000, "must be at most 4000 characters");

/** `connector.tool`, e.g. `commerce.issue_refund`. */
export const toolRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_.:/-]+$/, "must be <connector>.<tool>, e.g. commerce.get_order");

/** The mission duration grammar, the only one: `30s`, `15m`, `24h`, `7d`. */
const DURATION = /^(\d+)([smhd])$/;
const DURATION_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Durations like `30s`, `15m`, `24h`, `7d`. */
export const durationSchema = z.string().regex(DURATION, "must be a duration like 30s, 15m, 24h or 7d");

/** Milliseconds in a mission duration (`30s`, `15m`, `24h`, `7d`). */
export function missionDurationMs(d: string): number {
  const m = DURATION.exec(d);
  if (!m?.[1] || !m[2]) throw new Error(`Invalid duration ${JSON.stringify(d)}: expected e.g. 30s, 15m, 24h or 7d`);
  return Number(m[1]) * (DURATION_MS[m[2]] ?? 0);
}

export const ROLES = ["admin", "builder", "approver", "viewer"] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const CHANNELS = ["manual", "portal", "api", "schedule", "webhook"] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

export const FIELD_TYPES = ["string", "text", "number", "boolean", "email"] as const;
export const OUTPUT_TYPES = ["string", "number", "boolean", "enum"] as const;

/**
 * How strictly values are checked. A **version** (saved, imported, run) must follow every rule of
 * the format. A **draft** is what the editor has while a person works: it keeps the format's shape
 * (objects, kinds, types, the choices of enums) but not its content rules (patterns, lengths, counts,
 * ranges), so one bad value does not make a save lose every other edit; the validator shows that
 * value in Problems, and saving a version is refused until it is fixed. A draft is still untrusted
 * input: each string is at most DRAFT_MAX_TEXT characters and the whole at most MAX_DRAFT_BYTES.
 */
type Strictness = "version" | "draft";

/** The longest string a draft keeps; a version's limits are lower (and shown in Problems). */
export const DRAFT_MAX_TEXT = 100_000;
/** The largest draft saved, in bytes of JSON (as large as a document the API accepts). */
export const MAX_DRAFT_BYTES = 2_000_000;

/** Why a draft is too large to save, or null. */
export function draftSizeProblem(graph: unknown): string | null {
  const json = JSON.stringify(graph) ?? "";
  // A UTF-16 unit is at most 3 bytes of UTF-8, so most drafts are decided without encoding them.
  if (json.length * 3 <= MAX_DRAFT_BYTES) return null;
  const bytes = new TextEncoder().encode(json).length;
  if (bytes <= MAX_DRAFT_BYTES) return null;
  return `is too large: ${bytes.toLocaleString("en-US")} bytes of JSON, and a draft may have at most ${MAX_DRAFT_BYTES.toLocaleString("en-US")}`;
}

/** The largest token budget a mission or run may set (the run's column is a 32-bit integer). */
export const MAX_TOKEN_BUDGET = 1_000_000_000;
/** The largest cost budget, in the currency of the registered model prices. */
export const MAX_COST_BUDGET = 1_000_000;

function missionSchemas(strictness: Strictness) {
  const draft = strictness === "draft";
  const anyText = z.string().max(DRAFT_MAX_TEXT, `must be at most ${DRAFT_MAX_TEXT.toLocaleString("en-US")} characters`);
  const text = (max: number) => (draft ? anyText : z.string().max(max, `must be at most ${max} characters`));
  /** A string a version requires to match a pattern; a draft keeps any. */
  const patterned = (version: z.ZodString) => (draft ? anyText : version);
  const list = <T extends z.ZodType>(item: T, max: number, maxMessage?: string) => (draft ? z.array(item) : z.array(item).max(max, maxMessage));
  const whole = (min: number, max: number) => (draft ? z.number() : z.number().int().min(min).max(max));

  // The canvas needs every node and edge to have some id; a version needs identifiers.
  const nodeId = draft ? anyText.min(1, "must not be empty") : nodeIdSchema;
  const identifier = patterned(
    z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").regex(IDENTIFIER, "must be an identifier (letters, digits, _; not starting with a digit)"),
  );
  const label = text(120);
  const expression = patterned(expressionSchema);
  const toolRef = patterned(toolRefSchema);

  /** A run's limits: the most tokens, and the most cost (in the currency of the model prices), its model calls may use. */
  const budget = z.object({
    tokens: (draft ? z.number() : z.number().int("must be a whole number").min(1, "must be at least 1").max(MAX_TOKEN_BUDGET, `must be at most ${MAX_TOKEN_BUDGET.toLocaleString("en-US")}`)).optional(),
    cost: (draft ? z.number() : z.number().positive("must be more than 0").max(MAX_COST_BUDGET, `must be at most ${MAX_COST_BUDGET.toLocaleString("en-US")}`)).optional(),
  });

  const inputField = z.object({
    name: identifier,
    label: text(200).default(""),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(true),
    description: text(1_000).default(""),
    maxLength: (draft ? z.number() : z.number().int().positive().max(100_000)).optional(),
  });

  const outputField = z.object({
    name: identifier,
    type: z.enum(OUTPUT_TYPES),
    description: text(1_000).default(""),
    /** Allowed values when type is enum. */
    values: list(patterned(z.string().min(1).max(100)), 50).optional(),
  });

  const triggerData = z.object({
    label: label.default("Trigger"),
    fields: list(inputField, 50).default([]),
    channels: (draft ? z.array(channelSchema) : z.array(channelSchema).min(1, "pick at least one channel")).default(["manual", "api"]),
    portal: z
      .object({
        slug: patterned(z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be 2–63 lowercase letters, digits or dashes")).optional(),
        title: text(200).default(""),
        intro: text(2_000).default(""),
        /** The budget each run started from the portal gets (visitors cannot set one). */
        budget: budget.optional(),
      })
      .optional(),
    /** The `schedule` channel: when it fires (5-field cron in an IANA zone) and the input of each run. */
    schedule: z
      .object({
        cron: text(200).default(""),
        timezone: text(100).default("UTC"),
        input: z.record(identifier, z.union([text(10_000), z.number(), z.boolean()])).default({}),
      })
      .optional(),
    /** The `webhook` channel: trigger field → CEL expression over the request's JSON `body` (default `body.<field>`). */
    webhook: z.object({ mapping: z.record(identifier, expression).default({}) }).optional(),
    /**
     * Offered to AI assistants as a tool of Steward's MCP server (`/api/mcp`, docs/mcp-server.md):
     * the tool's name (governance: what an assistant can start) and what it tells the assistant.
     */
    tool: z
      .object({
        name: patterned(z.string().regex(MCP_TOOL_NAME, "must be 1–64 lowercase letters, digits or underscores, starting with a letter")),
        description: text(1_000).default(""),
      })
      .optional(),
  });

  const workerData = z.object({
    label: label.default("Worker"),
    instructions: text(20_000).default(""),
    /** A registered model id; empty means the default model. */
    model: text(200).default(""),
    tools: list(toolRef, 50).default([]),
    outputs: list(outputField, 50).default([]),
    maxSteps: whole(1, 50).default(8),
  });

  const actionData = z.object({
    label: label.default("Action"),
    tool: (draft ? anyText : toolRefSchema.or(z.literal(""))).default(""),
    /** Tool argument name → expression giving its value. */
    args: z.record(patterned(z.string().min(1).max(100)), expression).default({}),
  });

  const conditionBranch = z.object({
    id: identifier,
    label: label.default(""),
    expression,
  });
  const conditionData = z.object({
    label: label.default("Condition"),
    /** Evaluated in order; the first that is true is taken, else the `else` port. */
    branches: list(conditionBranch, 20).default([]),
  });

  const proposedValue = z.object({
    name: identifier,
    label: label.default(""),
    type: z.enum(["string", "number", "boolean"]),
    expression,
    editable: z.boolean().default(false),
  });
  const approvalData = z.object({
    label: label.default("Approval"),
    title: text(300).default(""),
    approverRole: roleSchema.default("approver"),
    proposed: list(proposedValue, 30).default([]),
    reasonRequiredOnReject: z.boolean().default(true),
    requiredApprovals: whole(1, 10).default(1),
    /** Whoever started the run or saved this version may not approve. */
    separationOfDuties: z.boolean().default(false),
    timeout: patterned(durationSchema).default("24h"),
    onTimeout: z.enum(["reject", "approve", "escalate"]).default("reject"),
    escalateTo: roleSchema.optional(),
  });

  /** A Transform's value: typed like a Worker's output, computed by an expression. */
  const transformValue = outputField.extend({ expression });
  const transformData = z.object({
    label: label.default("Transform"),
    /** Evaluated in order; the output has one key per name. */
    values: list(transformValue, 50).default([]),
  });

  const waitData = z.object({
    label: label.default("Wait"),
    /** `duration`: wait that long after the step is reached; `until`: wait until the time `until` gives. */
    mode: z.enum(["duration", "until"]).default("duration"),
    duration: patterned(durationSchema).default("1h"),
    /** An expression giving a timestamp or an ISO 8601 date string (mode `until`). */
    until: expression.default(""),
  });

  /** A Call mission's input: a field of the called mission's trigger, and the expression that gives it. */
  const callInput = z.object({ field: identifier, expression });
  const callData = z.object({
    label: label.default("Call mission"),
    /** The mission called (its id); it runs as a child run of this one. */
    missionId: text(100).default(""),
    /** The called mission's name when it was picked, for the canvas; runs go by `missionId`. */
    missionName: text(200).default(""),
    /** The version run: a published version's number, or `latest` (the published one when the run reaches the step, then pinned). */
    version: z.union([z.literal("latest"), whole(1, 1_000_000)]).default("latest"),
    input: list(callInput, 50).default([]),
  });

  /** A For each: its body is the steps whose `parentId` is this node (a group on the canvas). */
  const forEachData = z.object({
    label: label.default("For each"),
    /** An expression giving the list to go over; inside the body `item` is the element, `index` its position. */
    items: expression.default(""),
    /** How many items run at once. */
    concurrency: (draft ? z.number() : z.number().int("must be a whole number").min(1, "must be at least 1").max(FOR_EACH_MAX_CONCURRENCY, `must be at most ${FOR_EACH_MAX_CONCURRENCY} items at once`)).default(5),
    /** What a failed item does: `stop` fails the step, `skip` leaves it out of the results, `collect` keeps its error in its place. */
    onFailure: z.enum(["stop", "skip", "collect"]).default("stop"),
    /** The most items a run may give it; a longer list fails the step before any item runs. */
    maxItems: (draft ? z.number() : z.number().int("must be a whole number").min(1, "must be at least 1").max(FOR_EACH_MAX_ITEMS, `must be at most ${FOR_EACH_MAX_ITEMS.toLocaleString("en-US")}`)).default(1_000),
    /** An expression giving each item's result (it reads `item`, `index` and the body's steps); empty: the output of the body's last step. */
    result: expression.default(""),
  });

  const verdictFields = z.object({
    label: label.default("Verdict"),
    /** Identifiers: what the `outcome` expression gives and what the run records. */
    outcomes: (draft ? z.array(identifier) : z.array(identifier).min(1, "list at least one outcome").max(20)).default(["approve", "deny"]),
    /** What people read for an outcome, by identifier, where it differs from the identifier ("auto-approved"). */
    outcomeLabels: z.record(identifier, label).optional(),
    /** Expression evaluating to one of the outcomes. */
    outcome: expression.default(""),
    /** Expression evaluating to a human summary string. */
    summary: expression.default(""),
  });
  const verdictData = draft
    ? verdictFields
    : verdictFields.superRefine((data, ctx) => {
        for (const id of Object.keys(data.outcomeLabels ?? {})) {
          if (!data.outcomes.includes(id)) {
            ctx.addIssue({ code: "custom", path: ["outcomeLabels", id], message: `labels "${id}", which is not one of the outcomes: ${data.outcomes.join(", ")}` });
          }
        }
      });

  const position = z.object({ x: z.number().finite(), y: z.number().finite() });
  /** A step inside a group: the id of the For each whose body it is (React Flow's parentId; its position is then relative to the group). */
  const nodeBase = { id: nodeId, position, parentId: nodeId.optional() };
  const node = z.discriminatedUnion("kind", [
    z.object({ ...nodeBase, kind: z.literal("trigger"), data: triggerData }),
    z.object({ ...nodeBase, kind: z.literal("worker"), data: workerData }),
    z.object({ ...nodeBase, kind: z.literal("action"), data: actionData }),
    z.object({ ...nodeBase, kind: z.literal("condition"), data: conditionData }),
    z.object({ ...nodeBase, kind: z.literal("approval"), data: approvalData }),
    z.object({ ...nodeBase, kind: z.literal("transform"), data: transformData }),
    z.object({ ...nodeBase, kind: z.literal("wait"), data: waitData }),
    z.object({ ...nodeBase, kind: z.literal("call"), data: callData }),
    z.object({ ...nodeBase, kind: z.literal("forEach"), data: forEachData }),
    z.object({ ...nodeBase, kind: z.literal("verdict"), data: verdictData }),
  ]);

  const edge = z.object({
    id: z.string().min(1, "must not be empty").max(draft ? DRAFT_MAX_TEXT : 128),
    source: nodeId,
    target: nodeId,
    /** Which output port of the source: a condition branch id or `else`, an approval's `approved` / `rejected`. */
    sourceHandle: (draft ? anyText : z.string().max(64)).optional(),
  });

  const graph = z.object({
    format: z.literal(MISSION_FORMAT, { error: `must be "${MISSION_FORMAT}"` }),
    // The mission's name in every list, so a draft needs a sound one too (the editor never clears it).
    name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
    description: text(5_000).default(""),
    /** Every run's budget; a run may set a lower one, never a higher one. */
    budget: budget.optional(),
    nodes: list(node, MAX_NODES, `at most ${MAX_NODES} nodes`),
    edges: list(edge, MAX_EDGES, `at most ${MAX_EDGES} edges`),
  });

  return { budget, inputField, outputField, triggerData, workerData, actionData, conditionBranch, conditionData, proposedValue, approvalData, transformValue, transformData, waitData, forEachData, callInput, callData, verdictData, node, edge, graph };
}

const version = missionSchemas("version");

export const runBudgetSchema = version.budget;
export type RunBudget = z.infer<typeof runBudgetSchema>;
export const inputFieldSchema = version.inputField;
export type InputField = z.infer<typeof inputFieldSchema>;
export const outputFieldSchema = version.outputField;
export type OutputField = z.infer<typeof outputFieldSchema>;
export const triggerDataSchema = version.triggerData;
export const workerDataSchema = version.workerData;
export const actionDataSchema = version.actionData;
export const conditionBranchSchema = version.conditionBranch;
export const conditionDataSchema = version.conditionData;
export const proposedValueSchema = version.proposedValue;
export const approvalDataSchema = version.approvalData;
export const transformValueSchema = version.transformValue;
export const transformDataSchema = version.transformData;
export const waitDataSchema = version.waitData;
export const callInputSchema = version.callInput;
export const callDataSchema = version.callData;
export const forEachDataSchema = version.forEachData;
export const verdictDataSchema = version.verdictData;
export const missionNodeSchema = version.node;
export const missionEdgeSchema = version.edge;
/** A mission as saved in a version, imported and run: every rule of the format. */
export const missionGraphSchema = version.graph;
/** A mission as the editor autosaves it: the format's shape, with any values (see Strictness). */
export const missionDraftSchema = missionSchemas("draft").graph;

export type MissionGraph = z.infer<typeof missionGraphSchema>;
export type MissionNode = z.infer<typeof missionNodeSchema>;
export type MissionEdge = z.infer<typeof missionEdgeSchema>;
export type NodeKind = MissionNode["kind"];
export type NodeData<K extends NodeKind> = Extract<MissionNode, { kind: K }>["data"];
export type TriggerData = NodeData<"trigger">;
export type WorkerData = NodeData<"worker">;
export type ActionData = NodeData<"action">;
export type ConditionData = NodeData<"condition">;
export type ApprovalData = NodeData<"approval">;
export type TransformData = NodeData<"transform">;
export type WaitData = NodeData<"wait">;
export type CallData = NodeData<"call">;
export type ForEachData = NodeData<"forEach">;
export type VerdictData = NodeData<"verdict">;

/** What people read for a verdict outcome: its label, else the identifier itself. */
export function outcomeLabel(data: { outcomeLabels?: Readonly<Record<string, string>> | undefined }, outcome: string): string {
  const labels = data.outcomeLabels;
  return (labels && Object.hasOwn(labels, outcome) ? labels[outcome]?.trim() : "") || outcome;
}

/** The labels of every verdict outcome in a mission, by identifier (the first verdict that labels one wins). */
export function outcomeLabelsOf(graph: Pick<MissionGraph, "nodes">): Map<string, string> {
  const labels = new Map<string, string>();
  for (const n of graph.nodes) {
    if (n.kind !== "verdict") continue;
    for (const id of n.data.outcomes) if (!labels.has(id) || labels.get(id) === id) labels.set(id, outcomeLabel(n.data, id));
  }
  return labels;
}

export function emptyMission(name: string): MissionGraph {
  return { format: MISSION_FORMAT, name, description: "", nodes: [], edges: [] };
}
