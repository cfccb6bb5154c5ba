import "server-only";
import { z } from "zod";
import { POLICY_SCOPES, policyInputSchema, policyRulesSchema } from "@/lib/governance/policy";
import { missionGraphSchema } from "@/lib/mission/schema";
import { CONNECTOR_TRANSPORTS, TOOL_POLICIES, TOOL_STATUSES } from "@/server/db/schema/connectors";
import { VERSION_REVIEW_STATUSES } from "@/server/db/schema/governance";

// What the REST routes answer, as zod schemas the OpenAPI document is generated from. Objects
// list the fields integrators rely on, each required and typed; a route may add fields (the
// document does not forbid them). Every REST test's response is validated against these
// (test/openapi-responses.ts), so a change to a route that breaks them fails its tests.

const text = z.string();
const time = z.string().meta({ format: "date-time" });
const nullableTime = time.nullable();
const record = z.record(z.string(), z.unknown());
const reviewStatus = z.enum(VERSION_REVIEW_STATUSES);

export const MissionGraph = missionGraphSchema.meta({ id: "MissionGraph", description: "A mission document (format steward.mission/v1)" });
export const PolicyInput = policyInputSchema.meta({ id: "PolicyInput" });

export const ErrorBody = z
  .object({
    error: z.object({
      code: text,
      message: text,
      reason: text.optional().meta({ description: "the specific case, e.g. separation_of_duties" }),
      problems: z.array(z.object({ path: text, message: text, nodeId: text.optional(), edgeId: text.optional() })).optional(),
    }),
  })
  .meta({ id: "Error", description: "What went wrong: `code`, `message`, and `problems` naming each field" });

export const MissionSummary = z
  .object({
    id: text,
    name: text,
    description: text,
    latestVersion: z.number().int(),
    publishedVersion: z.number().int().nullable().meta({ description: "the version runs use" }),
    awaitingReview: z.number().int().nullable().meta({ description: "the newest version awaiting review, if any" }),
    nodeCount: z.number().int(),
    updatedAt: time,
    archivedAt: nullableTime,
  })
  .meta({ id: "MissionSummary" });

export const VersionReview = z
  .object({
    status: reviewStatus,
    changes: z.array(text),
    decidedBy: text.nullable(),
    decidedAt: nullableTime,
    note: text.nullable(),
  })
  .meta({ id: "VersionReview" });

export const Version = z
  .object({
    id: text,
    number: z.number().int(),
    message: text,
    contentHash: text,
    authorId: text.nullable(),
    authorEmail: text.nullable(),
    createdAt: time,
    review: VersionReview.nullable().meta({ description: "null for versions saved before reviewed publishing" }),
    published: z.boolean().meta({ description: "true for the version runs use" }),
  })
  .meta({ id: "Version" });

export const Mission = z
  .object({
    id: text,
    name: text,
    description: text,
    draft: MissionGraph,
    draftUpdatedAt: time,
    latestVersion: z.number().int(),
    publishedVersion: z.number().int().nullable().meta({ description: "the version runs use; null until one is published" }),
    archivedAt: nullableTime,
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: "Mission" });

export const MissionWithVersions = Mission.extend({ versions: z.array(Version) });
export const ImportedMission = Mission.extend({ warnings: z.array(z.unknown()).optional() });

export const VersionList = z.object({ versions: z.array(Version), publishedVersion: z.number().int().nullable() });

export const SavedVersion = Version.extend({
  unchanged: z.boolean().meta({ description: "true when the graph equals the latest version, which is returned" }),
  review: z.object({ status: reviewStatus, changes: z.array(text), publishedVersion: z.number().int().nullable() }),
});

export const ReviewOutcome = z.object({ missionId: text, number: z.number().int(), status: reviewStatus, publishedVersion: z.number().int().nullable() });

const verdict = z.object({ outcome: text, summary: text }).nullable();

export const RunSummary = z
  .object({
    id: text,
    missionId: text,
    missionName: text,
    versionId: text,
    versionNumber: z.number().int(),
    status: text,
    verdict,
    error: text.nullable(),
    input: record.meta({ description: "over 64 KB: `{ $truncated: { bytes, preview, download } }`" }),
    channel: text,
    startedBy: text.nullable(),
    tokensIn: z.number(),
    tokensOut: z.number(),
    cost: z.number().meta({ description: "USD" }),
    tokenBudget: z.number().int().nullable().meta({ description: "the most tokens the run may use; null: no limit" }),
    costBudget: z.number().nullable().meta({ description: "the most its model calls may cost, USD; null: no limit" }),
    modelOverrides: z.record(z.string(), z.string()).nullable().meta({ description: "Worker step id → the registered model it used instead of its own, for this run only (`?model=` at start); null: none" }),
    createdAt: time,
    startedAt: nullableTime,
    endedAt: nullableTime,
    deadlineAt: nullableTime,
    rerunOf: z.object({ runId: text, fromNodeId: text }).nullable(),
    parent: z.object({ runId: text, nodeId: text }).nullable().meta({ description: "a child run: the run and the Call mission step that started it" }),
    simulated: z.boolean().meta({ description: "a simulation of a test case: nothing state-changing was called; left out of run lists unless asked for" }),
    testCaseId: text.nullable(),
    suiteRunId: text.nullable(),
  })
  .meta({ id: "RunSummary" });

export const RunNode = z
  .object({
    nodeId: text,
    kind: text.nullable(),
    label: text.nullable(),
    status: text,
    output: z.unknown(),
    error: text.nullable(),
    attempt: z.number().int(),
    tokensIn: z.number(),
    tokensOut: z.number(),
    cost: z.number(),
    startedAt: nullableTime,
    endedAt: nullableTime,
    reusedFrom: text.nullable(),
  })
  .meta({ id: "RunNode" });

export const Decision = z
  .object({
    id: text,
    runId: text,
    missionId: text,
    missionName: text,
    nodeId: text,
    kind: z.enum(["approval", "tool"]),
    status: text,
    title: text,
    proposed: record,
    fields: z.array(z.unknown()),
    editable: z.array(text),
    context: record.nullable(),
    finalValues: record.nullable(),
    approverRole: text,
    requiredApprovals: z.number().int(),
    approvals: z.number().int(),
    separationOfDuties: z.boolean(),
    reasonRequired: z.boolean(),
    governance: record.nullable(),
    requestedBy: text.nullable(),
    versionAuthor: text.nullable(),
    reason: text.nullable(),
    decidedBy: text.nullable(),
    dueAt: nullableTime,
    createdAt: time,
    decidedAt: nullableTime,
  })
  .meta({ id: "Decision" });

export const Run = RunSummary.extend({ nodes: z.array(RunNode).meta({ description: "in graph order" }), pendingDecisions: z.array(Decision) }).meta({ id: "Run" });

export const RunList = z.object({ items: z.array(RunSummary), nextCursor: text.nullable() });
export const RunStarted = z.object({ runId: text, status: z.literal("queued"), links: z.object({ run: text }) });
/** A started run not yet ended: queued at once, or the status it had when a wait ran out. */
export const RunAccepted = z.object({ runId: text, status: text, links: z.object({ run: text }) });
export const RunCancelled = z.object({ runId: text, status: z.literal("cancelled") });

export const RunAuditRecord = z.object({
  runId: text,
  run: z.object({ missionId: text, versionId: text, status: text, startedBy: text.nullable(), createdAt: time, endedAt: nullableTime }).nullable(),
  verdict,
  entries: z.array(z.object({ id: z.union([z.number(), text]), action: text }).meta({ description: "an audit entry" })),
});

const person = z.object({ name: text }).nullable();
const block = z.object({ code: z.enum(["not_pending", "role", "separation_of_duties", "already_voted"]), message: text }).nullable();

export const DecisionListItem = z
  .object({
    id: text,
    runId: text,
    runStatus: text,
    missionId: text,
    missionName: text,
    nodeId: text,
    kind: z.enum(["approval", "tool"]),
    status: text,
    title: text,
    summary: text.meta({ description: "what is proposed, in plain words" }),
    asker: record,
    approverRole: text,
    approvals: z.number().int(),
    requiredApprovals: z.number().int(),
    separationOfDuties: z.boolean(),
    dueAt: nullableTime,
    createdAt: time,
    decidedAt: nullableTime,
    decidedBy: person,
    reason: text.nullable(),
    canDecide: z.boolean(),
    blocked: block,
  })
  .meta({ id: "DecisionListItem" });

export const DecisionList = z.object({ decisions: z.array(DecisionListItem), pendingForMe: z.number().int().meta({ description: "pending decisions this user can act on now" }) });

export const DecisionDetail = z.object({
  decision: Decision,
  summary: text,
  asker: record,
  run: z.object({ id: text, status: text, input: record, versionNumber: z.number().int() }),
  people: z.record(z.string(), z.object({ name: text })),
  rules: record,
  valueRules: record,
  toolDescription: text.nullable(),
  reasoning: z.array(record),
  findings: z.array(z.object({ nodeId: text, label: text, output: z.unknown() })),
  viewer: z.object({ canDecide: z.boolean(), blocked: block, voted: z.boolean() }),
});

export const DecideOutcome = z.object({
  decisionId: text,
  runId: text,
  status: text,
  resolved: z.boolean().meta({ description: "true when this vote resolved the decision" }),
  approvals: z.number().int(),
  requiredApprovals: z.number().int(),
  message: text,
});

const toolStatus = z.enum(TOOL_STATUSES);
const toolPolicy = z.enum(TOOL_POLICIES);
const hash = text.regex(/^[0-9a-f]{64}$/).meta({ description: "sha256 of the tool's definition (name, description, input schema, annotations)" });

export const ConnectorTool = z
  .object({
    ref: text,
    name: text,
    title: text.nullable(),
    description: text,
    inputSchema: record,
    annotations: record,
    status: toolStatus,
    policy: toolPolicy,
    policyOverride: toolPolicy.nullable(),
    defaultPolicy: toolPolicy,
    stateChanging: z.boolean(),
    pinned: z.boolean(),
    hash,
    firstSeenAt: time,
    updatedAt: time,
  })
  .meta({ id: "ConnectorTool" });

export const Connector = z
  .object({
    id: text,
    name: text,
    transport: z.enum(CONNECTOR_TRANSPORTS),
    enabled: z.boolean(),
    timeoutMs: z.number().int(),
    serverName: text.nullable(),
    serverVersion: text.nullable(),
    createdAt: time,
    updatedAt: time,
    toolCounts: z.object({ new: z.number().int(), approved: z.number().int(), changed: z.number().int(), removed: z.number().int() }),
  })
  .meta({ id: "Connector", description: "Secrets are masked: names and masked values, never the values" });

export const ConnectorDetail = Connector.extend({ tools: z.array(ConnectorTool) }).meta({ id: "ConnectorDetail" });
export const ConnectorPage = ConnectorDetail.extend({
  reviews: z.array(record).meta({ description: "the new and changed tools: current definition, the approved one for a changed tool, hash, policy, stateChanging" }),
});

const testedTool = z.object({ name: text, description: text, inputSchema: record, annotations: record, hash, status: toolStatus });
const recorded = z
  .object({ added: z.array(text), changed: z.array(text), removed: z.array(text) })
  .meta({ description: "tools the server lists for the first time, tools changed since they were approved, tools it no longer lists" });

export const ConnectorTest = z.object({ ok: z.boolean(), serverName: text.nullable(), serverVersion: text.nullable(), tools: z.array(testedTool), error: text.optional(), recorded: recorded.optional() });
export const ConnectorRefresh = recorded.extend({ serverName: text.nullable(), serverVersion: text.nullable(), tools: z.array(ConnectorTool) });
export const ConnectorApproved = z.object({ approved: z.array(text), connector: ConnectorDetail });
export const ApproveToolsBody = z.object({ tools: z.array(z.object({ name: text, hash })).min(1).max(1000) });

export const Policy = z
  .object({
    id: text,
    name: text,
    description: text,
    scope: z.enum(POLICY_SCOPES),
    target: text,
    rules: policyRulesSchema,
    enabled: z.boolean(),
    createdAt: time,
    updatedAt: time,
  })
  .meta({ id: "Policy" });

/** A suite run of a mission's test cases in simulation (docs/testing-missions.md). */
export const SuiteCaseResult = z.object({
  testCaseId: text,
  name: text,
  runId: text.nullable().meta({ description: "the simulated run; null when it could not start (`failure` says why)" }),
  status: z.enum(["running", "passed", "failed"]),
  results: z.array(z.record(z.string(), z.unknown())).meta({ description: "each expectation: `kind` (outcome or check), `passed`, `why`" }),
  failure: text.nullable().meta({ description: "the first reason the case failed, e.g. `reason.amount <= 50 was false`" }),
  tokensIn: z.number(),
  tokensOut: z.number(),
  cost: z.number().meta({ description: "USD" }),
  durationMs: z.number().nullable(),
});
export const SuiteRun = z
  .object({
    id: text,
    missionId: text,
    versionId: text,
    versionNumber: z.number().int(),
    createdAt: text,
    startedBy: text.nullable(),
    status: z.enum(["running", "passed", "failed"]),
    passed: z.number().int(),
    failed: z.number().int(),
    running: z.number().int(),
    cases: z.array(SuiteCaseResult),
  })
  .meta({ id: "SuiteRun" });
export const SuiteRunStarted = z.object({ suiteRunId: text, links: z.object({ suiteRun: text }) });
