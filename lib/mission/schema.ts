import { z } from "zod";

/**
 * The Mission graph: the JSON that builders draw, the API imports and exports, and runs pin.
 * One zod schema, the source of truth for the DB column type, the API and the editor forms.
 */

export const MISSION_FORMAT = "steward.mission/v1";
export const MAX_NODES = 2_000;
export const MAX_EDGES = 4_000;
/** Largest mission document accepted by import, in bytes of JSON. */
export const MAX_DOCUMENT_BYTES = 1_000_000;

/** Node ids double as names in expressions (`reason.amount`), so they must be identifiers. */
export const nodeIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must start with a letter or _ and contain only letters, digits and _");

const identifier = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an identifier (letters, digits, _; not starting with a digit)");

/** A CEL expression. Syntax is checked by the validator, not the schema, so drafts can hold broken ones. */
export const expressionSchema = z.string().max(4_000, "must be at most 4000 characters");

/** `connector.tool`, e.g. `commerce.issue_refund`. */
export const toolRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_.:/-]+$/, "must be <connector>.<tool>, e.g. commerce.get_order");

/** Durations like `30s`, `15m`, `24h`, `7d`. */
export const durationSchema = z.string().regex(/^\d+(s|m|h|d)$/, "must be a duration like 30s, 15m, 24h or 7d");

export const ROLES = ["admin", "builder", "approver", "viewer"] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const CHANNELS = ["manual", "portal", "api"] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

export const FIELD_TYPES = ["string", "text", "number", "boolean", "email"] as const;
export const inputFieldSchema = z.object({
  name: identifier,
  label: z.string().max(200).default(""),
  type: z.enum(FIELD_TYPES),
  required: z.boolean().default(true),
  description: z.string().max(1_000).default(""),
  maxLength: z.number().int().positive().max(100_000).optional(),
});
export type InputField = z.infer<typeof inputFieldSchema>;

export const OUTPUT_TYPES = ["string", "number", "boolean", "enum"] as const;
export const outputFieldSchema = z.object({
  name: identifier,
  type: z.enum(OUTPUT_TYPES),
  description: z.string().max(1_000).default(""),
  /** Allowed values when type is enum. */
  values: z.array(z.string().min(1).max(100)).max(50).optional(),
});
export type OutputField = z.infer<typeof outputFieldSchema>;

const label = z.string().max(120, "must be at most 120 characters");

export const triggerDataSchema = z.object({
  label: label.default("Trigger"),
  fields: z.array(inputFieldSchema).max(50).default([]),
  channels: z.array(channelSchema).min(1, "pick at least one channel").default(["manual", "api"]),
  portal: z
    .object({
      slug: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "must be 2–63 lowercase letters, digits or dashes")
        .optional(),
      title: z.string().max(200).default(""),
      intro: z.string().max(2_000).default(""),
    })
    .optional(),
});

export const workerDataSchema = z.object({
  label: label.default("Worker"),
  instructions: z.string().max(20_000).default(""),
  /** A registered model id; empty means the default model. */
  model: z.string().max(200).default(""),
  tools: z.array(toolRefSchema).max(50).default([]),
  outputs: z.array(outputFieldSchema).max(50).default([]),
  maxSteps: z.number().int().min(1).max(50).default(8),
});

export const actionDataSchema = z.object({
  label: label.default("Action"),
  tool: toolRefSchema.or(z.literal("")).default(""),
  /** Tool argument name → expression giving its value. */
  args: z.record(z.string().min(1).max(100), expressionSchema).default({}),
});

export const conditionBranchSchema = z.object({
  id: identifier,
  label: label.default(""),
  expression: expressionSchema,
});
export const conditionDataSchema = z.object({
  label: label.default("Condition"),
  /** Evaluated in order; the first that is true is taken, else the `else` port. */
  branches: z.array(conditionBranchSchema).max(20).default([]),
});

export const proposedValueSchema = z.object({
  name: identifier,
  label: label.default(""),
  type: z.enum(["string", "number", "boolean"]),
  expression: expressionSchema,
  editable: z.boolean().default(false),
});
export const approvalDataSchema = z.object({
  label: label.default("Approval"),
  title: z.string().max(300).default(""),
  approverRole: roleSchema.default("approver"),
  proposed: z.array(proposedValueSchema).max(30).default([]),
  reasonRequiredOnReject: z.boolean().default(true),
  requiredApprovals: z.number().int().min(1).max(10).default(1),
  /** Whoever started the run or saved this version may not approve. */
  separationOfDuties: z.boolean().default(false),
  timeout: durationSchema.default("24h"),
  onTimeout: z.enum(["reject", "approve", "escalate"]).default("reject"),
  escalateTo: roleSchema.optional(),
});

export const verdictDataSchema = z.object({
  label: label.default("Verdict"),
  outcomes: z.array(identifier).min(1, "list at least one outcome").max(20).default(["approve", "deny"]),
  /** Expression evaluating to one of the outcomes. */
  outcome: expressionSchema.default(""),
  /** Expression evaluating to a human summary string. */
  summary: expressionSchema.default(""),
});

const position = z.object({ x: z.number().finite(), y: z.number().finite() });
const nodeBase = { id: nodeIdSchema, position };

export const missionNodeSchema = z.discriminatedUnion("kind", [
  z.object({ ...nodeBase, kind: z.literal("trigger"), data: triggerDataSchema }),
  z.object({ ...nodeBase, kind: z.literal("worker"), data: workerDataSchema }),
  z.object({ ...nodeBase, kind: z.literal("action"), data: actionDataSchema }),
  z.object({ ...nodeBase, kind: z.literal("condition"), data: conditionDataSchema }),
  z.object({ ...nodeBase, kind: z.literal("approval"), data: approvalDataSchema }),
  z.object({ ...nodeBase, kind: z.literal("verdict"), data: verdictDataSchema }),
]);

export const missionEdgeSchema = z.object({
  id: z.string().min(1, "must not be empty").max(128),
  source: nodeIdSchema,
  target: nodeIdSchema,
  /** Which output port of the source: a condition branch id or `else`, an approval's `approved` / `rejected`. */
  sourceHandle: z.string().max(64).optional(),
});

export const missionGraphSchema = z.object({
  format: z.literal(MISSION_FORMAT, { error: `must be "${MISSION_FORMAT}"` }),
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  description: z.string().max(5_000).default(""),
  nodes: z.array(missionNodeSchema).max(MAX_NODES, `at most ${MAX_NODES} nodes`),
  edges: z.array(missionEdgeSchema).max(MAX_EDGES, `at most ${MAX_EDGES} edges`),
});

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
export type VerdictData = NodeData<"verdict">;

export function emptyMission(name: string): MissionGraph {
  return { format: MISSION_FORMAT, name, description: "", nodes: [], edges: [] };
}
