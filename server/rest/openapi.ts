import "server-only";
import { z } from "zod";
import { policyInputSchema } from "@/lib/governance/policy";
import { missionGraphSchema } from "@/lib/mission/schema";
import { connectorsOpenApiPaths } from "@/app/api/v1/connectors/openapi-paths";
import { decisionsOpenApiPaths } from "@/app/api/v1/decisions/openapi-paths";

const error = {
  description: "Error with the problems that caused it",
  content: {
    "application/json": {
      schema: { $ref: "#/components/schemas/Error" },
    },
  },
};
const auth = { "401": { ...error, description: "No or unknown API key" }, "403": { ...error, description: "The key's user lacks the role" } };
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const versionNumberParam = { name: "number", in: "path", required: true, schema: { type: "integer", minimum: 1 }, description: "the version number" };

/** The public REST API, described for integrators. Kept beside the routes it documents. */
export function openApiDocument(serverUrl: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Steward REST API",
      version: "1.0.0",
      description: "Integrations API. Authenticate with an API key you created under Your API keys (/account/api-keys): `Authorization: Bearer <key>`. The key acts as you, with your roles, and the audit log names it.",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths: {
      ...decisionsOpenApiPaths,
      ...connectorsOpenApiPaths,
      "/api/v1/missions": {
        get: {
          summary: "List missions",
          parameters: [{ name: "archived", in: "query", schema: { type: "boolean" }, description: "include archived missions" }],
          responses: { "200": { description: "Missions", content: { "application/json": { schema: { type: "object", properties: { missions: { type: "array", items: { $ref: "#/components/schemas/MissionSummary" } } } } } } }, ...auth },
        },
        post: {
          summary: "Create a mission, or import a mission document",
          description: "A body with `format: \"steward.mission/v1\"` is imported as a mission with version 1 (every problem is listed and nothing is saved when it is invalid). Otherwise the body is `{ name, description?, template? }`. Needs the builder role.",
          requestBody: { required: true, content: { "application/json": { schema: { oneOf: [{ $ref: "#/components/schemas/MissionGraph" }, { $ref: "#/components/schemas/CreateMission" }] } } } },
          responses: {
            "201": { description: "Created", content: { "application/json": { schema: { $ref: "#/components/schemas/Mission" } } } },
            "400": error,
            "413": error,
            "422": { ...error, description: "The mission document has problems (each names its node, edge and path)" },
            ...auth,
          },
        },
      },
      "/api/v1/missions/{id}": {
        get: { summary: "Get a mission with its draft and versions", parameters: [idParam], responses: { "200": { description: "Mission", content: { "application/json": { schema: { $ref: "#/components/schemas/Mission" } } } }, "404": error, ...auth } },
      },
      "/api/v1/missions/{id}/versions": {
        get: {
          summary: "List versions",
          description:
            "`{ versions, publishedVersion }`, newest first. Each version has `published` (runs use it) and `review`: `{ status: awaiting_review | published | rejected, changes, decidedBy, decidedAt, note }` (null for versions saved before reviewed publishing).",
          parameters: [idParam],
          responses: { "200": { description: "Versions" }, "404": error, ...auth },
        },
        post: {
          summary: "Save a new immutable version",
          description:
            "Body `{ graph?, message? }`; without `graph` the current draft is saved. Saving a graph identical to the latest version returns that version with `unchanged: true` (200). `review` says whether it was published at once (no governance change, or it governs nothing) or awaits review by an approver or admin: `{ status, changes, publishedVersion }`; runs keep using `publishedVersion` until then.",
          parameters: [idParam],
          requestBody: { content: { "application/json": { schema: { type: "object", properties: { graph: { $ref: "#/components/schemas/MissionGraph" }, message: { type: "string", maxLength: 500 } } } } } },
          responses: { "201": { description: "Version created" }, "200": { description: "Unchanged: the latest version" }, "400": error, "404": error, ...auth },
        },
      },
      "/api/v1/missions/{id}/versions/{number}/publish": {
        post: {
          summary: "Publish a version, so runs use it",
          description:
            "Body (optional): `{ note? }`. A version awaiting review needs an approver or admin who did not save it (403 otherwise, saying why) and must be newer than the published one (409). A version that was published before may be put back by any builder, approver or admin (a rollback). A rejected version cannot be published (409). → `{ missionId, number, status, publishedVersion }`.",
          parameters: [idParam, versionNumberParam],
          requestBody: { content: { "application/json": { schema: { type: "object", properties: { note: { type: "string", maxLength: 2000 } } } } } },
          responses: { "200": { description: "Published" }, "400": error, "404": error, "409": error, ...auth },
        },
      },
      "/api/v1/missions/{id}/versions/{number}/reject": {
        post: {
          summary: "Reject a version awaiting review",
          description: "Approver or admin. Body: `{ note }`, the reason (required, 400 naming `note` without it). Runs keep using the published version.",
          parameters: [idParam, versionNumberParam],
          requestBody: { required: true, content: { "application/json": { schema: { type: "object", required: ["note"], properties: { note: { type: "string", minLength: 1, maxLength: 2000 } } } } } },
          responses: { "200": { description: "Rejected" }, "400": error, "404": error, "409": error, ...auth },
        },
      },
      "/api/v1/missions/{id}/export": {
        get: {
          summary: "Export a mission document",
          parameters: [idParam, { name: "version", in: "query", schema: { type: "integer", minimum: 1 }, description: "defaults to the latest version (the draft when none is saved)" }],
          responses: { "200": { description: "The mission document", content: { "application/json": { schema: { $ref: "#/components/schemas/MissionGraph" } } } }, "404": error, ...auth },
        },
      },
      "/api/v1/missions/{id}/runs": {
        post: {
          summary: "Start a run of the mission's published version",
          description:
            "Body: the trigger input (an object with the trigger's fields). Needs the builder role. A mission with no published version (its version awaits review) is answered 400 saying so. Input that does not fit the trigger's fields is answered 400 naming each field; a version with validation problems 400 with its problems. To get the result in the same request, ask to wait: `Prefer: wait=N` (RFC 7240, N seconds) or `?wait=5s`, at most 30 s. A run that ends within the wait is answered 200 with the finished run, the same body as `GET /api/v1/runs/{id}`; one still going (say, waiting for a decision) is answered 202 with its status when the wait runs out.",
          parameters: [
            idParam,
            { name: "wait", in: "query", required: false, schema: { type: "string", pattern: "^[0-9]+(s|ms)?$", examples: ["5s", "1500ms"] }, description: "wait up to this long for the run to end (seconds, `5` or `5s`, or `1500ms`; capped at 30 s). Takes precedence over `Prefer: wait`. Malformed: 400 naming `query.wait`." },
            { name: "Prefer", in: "header", required: false, schema: { type: "string", examples: ["wait=10", "respond-async, wait=10"] }, description: "RFC 7240 `wait=<seconds>`: wait up to that long (capped at 30 s) for the run to end. A value that is not whole seconds is ignored, as RFC 7240 asks, and the request is answered 202 at once." },
          ],
          requestBody: { required: true, content: { "application/json": { schema: { type: "object", additionalProperties: true } } } },
          responses: {
            "200": {
              description: "Asked to wait, and the run ended within the wait: the finished run (status, verdict, per-node outputs) as `GET /api/v1/runs/{id}` answers it, values over 64 KB stood in for the same way",
              headers: {
                "Preference-Applied": { schema: { type: "string" }, description: "`wait=<seconds>` when `Prefer: wait` was honoured (the capped value)" },
                "Content-Location": { schema: { type: "string" }, description: "`/api/v1/runs/{runId}`" },
              },
            },
            "202": {
              description: "Queued, or still going when the wait ran out: `{ runId, status, links: { run } }` (`status` is `queued` without a wait, the run's status after one)",
              headers: {
                Location: { schema: { type: "string" }, description: "`/api/v1/runs/{runId}`" },
                "Preference-Applied": { schema: { type: "string" }, description: "`wait=<seconds>` when `Prefer: wait` was honoured" },
              },
            },
            "400": error,
            "404": error,
            ...auth,
          },
        },
        get: { summary: "List the mission's runs", parameters: [idParam], responses: { "200": { description: "`{ items, nextCursor }`" }, "404": error, ...auth } },
      },
      "/api/v1/runs/{id}": {
        get: { summary: "A run: status, verdict, per-node states, times, tokens and cost (USD), pending decisions", description: "A value over 64 KB (the input, a node's output) is `{ \"$truncated\": { bytes, preview, download } }`; `download` links to the whole of it.", parameters: [idParam], responses: { "200": { description: "The run" }, "404": error, ...auth } },
      },
      "/api/v1/runs/{id}/values": {
        get: {
          summary: "The whole of one of the run's values, as a JSON file",
          parameters: [idParam, { name: "part", in: "query", required: true, description: "`input`, `verdict`, `node.<nodeId>` (its output) or `observation.<id>` (its data)", schema: { type: "string" } }],
          responses: { "200": { description: "The value" }, "400": error, "404": error, ...auth },
        },
      },
      "/api/v1/runs/{id}/cancel": {
        post: { summary: "Cancel a run (builder)", parameters: [idParam], responses: { "200": { description: "Cancelled" }, "404": error, "409": { ...error, description: "The run already ended" }, ...auth } },
      },
      "/api/v1/runs/{id}/audit": {
        get: { summary: "The run's audit record (every governance act for the run, plus its verdict)", parameters: [idParam, { name: "download", in: "query", schema: { type: "string" } }], responses: { "200": { description: "Audit record" }, "404": error, ...auth } },
      },
      "/api/v1/audit": {
        get: { summary: "Export the audit log as JSON Lines (admin)", responses: { "200": { description: "application/x-ndjson" }, "400": error, ...auth } },
      },
      "/api/v1/policies": {
        get: { summary: "List approval policies (any role)", responses: { "200": { description: "`{ policies: Policy[] }`" }, ...auth } },
        post: {
          summary: "Create an approval policy (admin)",
          description: "Who must agree before a gated act: for every Approval step, a class of tools or one tool. Missions may ask for more, never less; the engine applies the stricter.",
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/PolicyInput" } } } },
          responses: { "201": { description: "The policy" }, "400": error, ...auth },
        },
      },
      "/api/v1/policies/{id}": {
        get: { summary: "One approval policy", parameters: [idParam], responses: { "200": { description: "The policy" }, "404": error, ...auth } },
        put: {
          summary: "Replace an approval policy (admin)",
          parameters: [idParam],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/PolicyInput" } } } },
          responses: { "200": { description: "The policy" }, "400": error, "404": error, ...auth },
        },
        delete: { summary: "Delete an approval policy (admin)", parameters: [idParam], responses: { "204": { description: "Deleted" }, "404": error, ...auth } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key (stw_…)" } },
      schemas: {
        MissionGraph: z.toJSONSchema(missionGraphSchema, { io: "input", unrepresentable: "any" }),
        PolicyInput: z.toJSONSchema(policyInputSchema, { io: "input", unrepresentable: "any" }),
        CreateMission: { type: "object", required: ["name"], properties: { name: { type: "string", maxLength: 200 }, description: { type: "string" }, template: { type: "string", description: "blank, approval or refund" } } },
        MissionSummary: {
          type: "object",
          properties: { id: { type: "string" }, name: { type: "string" }, description: { type: "string" }, latestVersion: { type: "integer" }, publishedVersion: { type: ["integer", "null"], description: "the version runs use" }, awaitingReview: { type: ["integer", "null"], description: "the newest version awaiting review, if any" }, nodeCount: { type: "integer" }, updatedAt: { type: "string", format: "date-time" }, archivedAt: { type: ["string", "null"] } },
        },
        Mission: {
          type: "object",
          properties: { id: { type: "string" }, name: { type: "string" }, description: { type: "string" }, draft: { $ref: "#/components/schemas/MissionGraph" }, latestVersion: { type: "integer" }, publishedVersion: { type: ["integer", "null"], description: "the version runs use; null until one is published" } },
        },
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                problems: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" }, nodeId: { type: "string" }, edgeId: { type: "string" } } } },
              },
            },
          },
        },
      },
    },
  };
}
