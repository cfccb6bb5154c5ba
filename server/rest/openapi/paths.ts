import "server-only";
import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { decideRequest } from "@/server/decisions/decide-as";
import { listDecisionsInput } from "@/server/decisions/inbox";
import { auditFiltersSchema } from "@/server/audit/query";
import { createConnectorInput, seenToolsInput } from "@/server/connectors/service";
import { createMissionInput } from "@/server/missions/service";
import * as s from "./schemas";

// Every public REST route, with the zod schemas its request is parsed with and its answers.
// server/rest/openapi.ts turns this into the OpenAPI document.

type Responses = Record<number, ResponseConfig>;

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { "application/json": { schema } } });
const error = (description: string): ResponseConfig => json(s.ErrorBody, description);
const jsonBody = (schema: z.ZodType, required = true) => ({ required, content: { "application/json": { schema } } });

/** What any route may answer: a bad parameter, no key, a key whose user lacks the role. */
const always: Responses = {
  400: error("Invalid input; `problems` names each field"),
  401: error("No or unknown API key"),
  403: error("The key's user lacks the role, or has no role yet"),
};
const notFound: Responses = { 404: error("Not found") };
const conflict = (description: string): Responses => ({ 409: error(description) });
const tooLarge: Responses = { 413: error("The request body is too large") };

const id = z.object({ id: z.string() });
const idAndNumber = id.extend({ number: z.number().int().min(1).meta({ description: "the version number" }) });

function route(registry: OpenAPIRegistry, method: RouteConfig["method"], path: string, config: Omit<RouteConfig, "method" | "path" | "responses"> & { responses: Responses }): void {
  // A session-cookie request that changes something must send JSON (server/auth/browser-requests.ts).
  const unsupported: Responses = method === "get" ? {} : { 415: error("Signed in with a session cookie, the request did not send `content-type: application/json`") };
  registry.registerPath({ method, path, ...config, responses: { ...always, ...unsupported, ...config.responses } });
}

export function registerPaths(r: OpenAPIRegistry): void {
  route(r, "get", "/api/v1/missions", {
    summary: "List missions",
    request: { query: z.object({ archived: z.enum(["true", "false"]).optional().meta({ description: "include archived missions" }) }) },
    responses: { 200: json(z.object({ missions: z.array(s.MissionSummary) }), "Missions") },
  });
  route(r, "post", "/api/v1/missions", {
    summary: "Create a mission, or import a mission document",
    description:
      'A body with `format: "steward.mission/v1"` is imported as a mission with version 1 (every problem is listed and nothing is saved when it is invalid). Otherwise the body is `{ name, description?, template? }`. Needs the builder role.',
    request: { body: jsonBody(z.union([s.MissionGraph, createMissionInput])) },
    responses: {
      201: json(s.ImportedMission, "Created; `warnings` lists what an import left out"),
      ...tooLarge,
      422: error("The mission document has problems (each names its node, edge and path)"),
    },
  });
  route(r, "get", "/api/v1/missions/{id}", {
    summary: "Get a mission with its draft and versions",
    request: { params: id },
    responses: { 200: json(s.MissionWithVersions, "Mission"), ...notFound },
  });
  route(r, "get", "/api/v1/missions/{id}/versions", {
    summary: "List versions",
    description: "Newest first. Each version has `published` (runs use it) and `review` (null for versions saved before reviewed publishing).",
    request: { params: id },
    responses: { 200: json(s.VersionList, "Versions"), ...notFound },
  });
  route(r, "post", "/api/v1/missions/{id}/versions", {
    summary: "Save a new immutable version",
    description:
      "Without `graph` the current draft is saved. Saving a graph identical to the latest version returns that version with `unchanged: true` (200). `review` says whether it was published at once (no governance change, or it governs nothing) or awaits review by an approver or admin; runs keep using `publishedVersion` until then.",
    request: { params: id, body: jsonBody(z.object({ graph: s.MissionGraph.optional(), message: z.string().max(500).optional() })) },
    responses: { 201: json(s.SavedVersion, "Version created"), 200: json(s.SavedVersion, "Unchanged: the latest version"), ...notFound, ...tooLarge },
  });
  route(r, "post", "/api/v1/missions/{id}/versions/{number}/publish", {
    summary: "Publish a version, so runs use it",
    description:
      "A version awaiting review needs an approver or admin who did not save it (403 otherwise, saying why) and must be newer than the published one (409). A version that was published before may be put back by any builder, approver or admin (a rollback). A rejected version cannot be published (409).",
    request: { params: idAndNumber, body: jsonBody(z.object({ note: z.string().max(2000).optional() }), false) },
    responses: { 200: json(s.ReviewOutcome, "Published"), ...notFound, ...conflict("Not publishable now (rejected, or older than the published version)") },
  });
  route(r, "post", "/api/v1/missions/{id}/versions/{number}/reject", {
    summary: "Reject a version awaiting review",
    description: "Approver or admin. `note` is the reason (400 naming `note` without it). Runs keep using the published version.",
    request: { params: idAndNumber, body: jsonBody(z.object({ note: z.string().min(1).max(2000) })) },
    responses: { 200: json(s.ReviewOutcome, "Rejected"), ...notFound, ...conflict("Not awaiting review") },
  });
  route(r, "get", "/api/v1/missions/{id}/export", {
    summary: "Export a mission document",
    request: { params: id, query: z.object({ version: z.number().int().min(1).optional().meta({ description: "defaults to the latest version (the draft when none is saved)" }) }) },
    responses: { 200: json(s.MissionGraph, "The mission document"), ...notFound },
  });
  route(r, "post", "/api/v1/missions/{id}/runs", {
    summary: "Start a run of the mission's published version",
    description:
      "Body: the trigger input (an object with the trigger's fields). Needs the builder role. A mission with no published version (its version awaits review) is answered 400 saying so. Input that does not fit the trigger's fields is answered 400 naming each field. To get the result in the same request, ask to wait: `Prefer: wait=N` (RFC 7240, N seconds) or `?wait=5s`, at most 30 s. A run that ends within the wait is answered 200 with the finished run, the same body as `GET /api/v1/runs/{id}`; one still going (say, waiting for a decision) is answered 202 with its status when the wait runs out.",
    request: {
      params: id,
      query: z.object({
        wait: z
          .string()
          .regex(/^[0-9]+(s|ms)?$/)
          .optional()
          .meta({ description: "wait up to this long for the run to end (seconds, `5` or `5s`, or `1500ms`; capped at 30 s). Takes precedence over `Prefer: wait`. Malformed: 400 naming `query.wait`." }),
        tokenBudget: z.number().int().min(1).optional().meta({ description: "the most tokens this run's model calls may use; the mission's budget still caps it. Malformed: 400 naming `query.tokenBudget`." }),
        costBudget: z.number().positive().optional().meta({ description: "the most this run's model calls may cost, USD; the mission's budget still caps it. Malformed: 400 naming `query.costBudget`." }),
        model: z
          .array(z.string())
          .optional()
          .meta({
            description:
              "a model override for this run, `<stepId>:<modelId>` (e.g. `reason:gpt-4o`), repeatable, one per Worker step: the step uses that registered model instead of its own. Malformed or a step named twice: 400 naming `query.model`; a step that is not a Worker of the version, or a model that is not registered: 400 naming `modelOverrides.<stepId>`, and nothing starts.",
          }),
      }),
      headers: z.object({
        prefer: z
          .string()
          .optional()
          .meta({ description: "RFC 7240 `wait=<seconds>`: wait up to that long (capped at 30 s) for the run to end. A value that is not whole seconds is ignored, as RFC 7240 asks, and the request is answered 202 at once." }),
      }),
      body: jsonBody(z.record(z.string(), z.unknown())),
    },
    responses: {
      200: {
        ...json(s.Run, "Asked to wait, and the run ended within the wait: the finished run as `GET /api/v1/runs/{id}` answers it"),
        headers: {
          "Preference-Applied": { schema: { type: "string" }, description: "`wait=<seconds>` when `Prefer: wait` was honoured (the capped value)" },
          "Content-Location": { schema: { type: "string" }, description: "`/api/v1/runs/{runId}`" },
        },
      },
      202: {
        ...json(s.RunAccepted, "Queued, or still going when the wait ran out (`status` is `queued` without a wait, the run's status after one)"),
        headers: { Location: { schema: { type: "string" }, description: "`/api/v1/runs/{runId}`" } },
      },
      ...notFound,
      ...tooLarge,
    },
  });
  route(r, "get", "/api/v1/missions/{id}/runs", {
    summary: "List the mission's runs",
    request: { params: id },
    responses: { 200: json(s.RunList, "Runs, newest first"), ...notFound },
  });
  route(r, "post", "/api/v1/missions/{id}/test-runs", {
    summary: "Run every test case of the mission in simulation (builder)",
    description:
      "Each case runs against the version named by `versionId` (a version of the mission, published or not), else the published one: read-only tools are called, state-changing tools are answered from the case and never called, approvals are answered by the case. Answered 202 at once; the results come as the runs end. A mission without test cases is a 400 naming `missionId`; an unknown version a 404 naming `versionId`.",
    request: { params: id, body: jsonBody(z.object({ versionId: z.string().optional() })) },
    responses: { 202: { ...json(s.SuiteRunStarted, "Started"), headers: { Location: { schema: { type: "string" }, description: "`/api/v1/test-runs/{suiteRunId}`" } } }, ...notFound },
  });
  route(r, "get", "/api/v1/missions/{id}/test-runs", {
    summary: "The mission's suite runs, newest first (the last 20)",
    request: { params: id },
    responses: { 200: json(z.object({ items: z.array(s.SuiteRun) }), "Suite runs"), ...notFound },
  });
  route(r, "get", "/api/v1/test-runs/{id}", {
    summary: "A suite run: per case passed, failed (which expectation and why) or running, with tokens, cost and time",
    request: { params: id },
    responses: { 200: json(s.SuiteRun, "The suite run"), ...notFound },
  });
  route(r, "get", "/api/v1/runs/{id}", {
    summary: "A run: status, verdict, per-node states, times, tokens and cost (USD), pending decisions",
    description: 'A value over 64 KB (the input, a node\'s output) is `{ "$truncated": { bytes, preview, download } }`; `download` links to the whole of it.',
    request: { params: id },
    responses: { 200: json(s.Run, "The run"), ...notFound },
  });
  route(r, "get", "/api/v1/runs/{id}/values", {
    summary: "The whole of one of the run's values, as a JSON file",
    request: { params: id, query: z.object({ part: z.string().meta({ description: "`input`, `verdict`, `node.<nodeId>` (its output) or `observation.<id>` (its data)" }) }) },
    responses: { 200: json(z.unknown(), "The value"), ...notFound },
  });
  route(r, "post", "/api/v1/runs/{id}/cancel", {
    summary: "Cancel a run (builder)",
    request: { params: id },
    responses: { 200: json(s.RunCancelled, "Cancelled"), ...notFound, ...conflict("The run already ended") },
  });
  route(r, "get", "/api/v1/runs/{id}/audit", {
    summary: "The run's audit record (every governance act for the run, plus its verdict)",
    request: { params: id, query: z.object({ download: z.enum(["1"]).optional().meta({ description: "names a file to save" }) }) },
    responses: { 200: json(s.RunAuditRecord, "Audit record"), ...notFound },
  });
  route(r, "get", "/api/v1/audit", {
    summary: "Export the audit log as JSON Lines (admin)",
    description: "Oldest first, filtered by the query: `action` (exact, or `prefix.*`), `actorId`, `actor` (substring of the label), `targetType`, `targetId`, `runId`, `from`, `to`.",
    request: { query: auditFiltersSchema },
    responses: { 200: { description: "One audit entry per line", content: { "application/x-ndjson": { schema: z.string() } } } },
  });

  route(r, "get", "/api/v1/decisions", {
    summary: "The Decision Queue: by default the pending decisions the key's user may decide, soonest due first",
    request: { query: listDecisionsInput.extend({ limit: z.number().int().min(1).max(200).default(100) }) },
    responses: { 200: json(s.DecisionList, "Decisions, each with `summary` in plain words and `canDecide` / `blocked`") },
  });
  route(r, "get", "/api/v1/decisions/{id}", {
    summary: "One decision: proposed values, rules, the reasoning that led to it, and whether the key's user may decide it",
    request: { params: id },
    responses: { 200: json(s.DecisionDetail, "The decision"), ...notFound },
  });
  route(r, "post", "/api/v1/decisions/{id}", {
    summary: "Approve or reject (the decision's approver role, or admin)",
    description:
      "`values` edits the editable proposed values. 403 `forbidden` / `separation_of_duties`; 409 `not_pending` (names who decided) / `already_voted`; 400 `invalid_values` (names `values.<field>`) / `reason_required`.",
    request: { params: id, body: jsonBody(decideRequest) },
    responses: { 200: json(s.DecideOutcome, "The vote, and whether it resolved the decision"), ...notFound, ...tooLarge, ...conflict("Already decided (by whom, when), or this user already voted") },
  });

  route(r, "get", "/api/v1/connectors", {
    summary: "List MCP connectors (admin); secrets are masked",
    responses: { 200: json(z.object({ connectors: z.array(s.Connector) }), "Connectors") },
  });
  route(r, "post", "/api/v1/connectors", {
    summary: "Register an MCP connector (admin)",
    request: { body: jsonBody(createConnectorInput) },
    responses: { 201: json(s.ConnectorDetail, "Created"), ...tooLarge, ...conflict("A connector with this name exists") },
  });
  route(r, "get", "/api/v1/connectors/{id}", {
    summary: "One connector with its tools and the tools awaiting review (admin)",
    request: { params: id },
    responses: { 200: json(s.ConnectorPage, "The connector"), ...notFound },
  });
  route(r, "post", "/api/v1/connectors/{id}/test", {
    summary: "Test the connection and record the server's tools for review (admin)",
    description:
      "Connects with the stored configuration and lists the tools, then records them as a refresh does, so settings show the tested state. A connection failure is `ok: false` with an `error` naming the server and the cause: a 200, not an HTTP error, and nothing is recorded.",
    request: { params: id },
    responses: { 200: json(s.ConnectorTest, "The outcome"), ...notFound },
  });
  route(r, "post", "/api/v1/connectors/{id}/refresh", {
    summary: "List the server's tools again and record what changed (admin)",
    description: "Audited as `connector.tools_refreshed` when a tool was added, changed or removed.",
    request: { params: id },
    responses: { 200: json(s.ConnectorRefresh, "What changed, and every tool"), ...notFound, 422: error("The server could not be reached or listed its tools wrongly") },
  });
  route(r, "post", "/api/v1/connectors/{id}/approve", {
    summary: "Approve tools as they were shown (admin)",
    description:
      "Pins each tool's definition: Workers are offered it for as long as the server keeps it exactly so. Name each tool with the `hash` it was shown with. All or nothing: 400 for a malformed, unknown or repeated entry (`tools[i].name`, `tools[i].hash`), 409 for a tool that changed or went away since it was shown.",
    request: { params: id, body: jsonBody(z.object({ tools: seenToolsInput }).strict()) },
    responses: { 200: json(s.ConnectorApproved, "Approved"), ...notFound, ...tooLarge, ...conflict("A tool changed (or was removed) since it was shown: nothing was approved") },
  });

  route(r, "get", "/api/v1/policies", {
    summary: "List approval policies (any role)",
    responses: { 200: json(z.object({ policies: z.array(s.Policy) }), "Policies") },
  });
  route(r, "post", "/api/v1/policies", {
    summary: "Create an approval policy (admin)",
    description: "Who must agree before a gated act: for every Approval step, a class of tools or one tool. Missions may ask for more, never less; the engine applies the stricter.",
    request: { body: jsonBody(s.PolicyInput) },
    responses: { 201: json(s.Policy, "The policy"), ...tooLarge },
  });
  route(r, "get", "/api/v1/policies/{id}", { summary: "One approval policy", request: { params: id }, responses: { 200: json(s.Policy, "The policy"), ...notFound } });
  route(r, "put", "/api/v1/policies/{id}", {
    summary: "Replace an approval policy (admin)",
    description: "The whole policy, as POST takes it: what is left out takes its default.",
    request: { params: id, body: jsonBody(s.PolicyInput) },
    responses: { 200: json(s.Policy, "The policy"), ...notFound, ...tooLarge },
  });
  route(r, "delete", "/api/v1/policies/{id}", { summary: "Delete an approval policy (admin)", request: { params: id }, responses: { 204: { description: "Deleted" }, ...notFound } });

  // No API key here: the Standard Webhooks signature is the proof (server/triggers/inbound.ts).
  r.registerPath({
    method: "post",
    path: "/api/v1/hooks/{hookId}",
    summary: "Start a run from a signed webhook (the mission's Webhook channel)",
    description:
      "Signed as Standard Webhooks describe (HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with the hook's `whsec_…` secret, shown once when the hook is created or rotated). The JSON body is mapped to the trigger's fields by the trigger's expressions (`body.<field>` by default). A timestamp more than 5 minutes from now, or a `webhook-id` already received, starts nothing. Body at most 64 KB; 120 requests per minute per hook and address.",
    security: [],
    request: {
      params: z.object({ hookId: z.string() }),
      headers: z.object({
        "webhook-id": z.string().meta({ description: "the message's unique id: a second request with it is refused" }),
        "webhook-timestamp": z.string().meta({ description: "seconds since the epoch" }),
        "webhook-signature": z.string().meta({ description: "`v1,<base64 signature>`, several separated by spaces" }),
      }),
      body: jsonBody(z.record(z.string(), z.unknown())),
    },
    responses: {
      202: json(s.RunStarted, "Queued"),
      400: error("The body is not JSON or does not map to the trigger's fields (each problem names the field, `input.<name>`)"),
      401: error("Missing or wrong signature, or a timestamp outside the tolerance"),
      404: error("No such hook, or it was revoked"),
      409: error("The message id was already received, the mission is archived, or its published version does not take webhooks"),
      ...tooLarge,
      429: error("Too many requests: see Retry-After"),
    },
  });
}
