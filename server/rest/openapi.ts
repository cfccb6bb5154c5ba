import "server-only";
import { z } from "zod";
import { missionGraphSchema } from "@/lib/mission/schema";

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

/** The public REST API, described for integrators. Kept beside the routes it documents. */
export function openApiDocument(serverUrl: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Steward REST API",
      version: "1.0.0",
      description: "Integrations API. Authenticate with an API key created by an admin in Settings → API keys: `Authorization: Bearer <key>`. The key acts with its owner's roles.",
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths: {
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
        get: { summary: "List versions", parameters: [idParam], responses: { "200": { description: "Versions" }, "404": error, ...auth } },
        post: {
          summary: "Save a new immutable version",
          description: "Body `{ graph?, message? }`; without `graph` the current draft is saved. Saving a graph identical to the latest version returns that version with `unchanged: true` (200).",
          parameters: [idParam],
          requestBody: { content: { "application/json": { schema: { type: "object", properties: { graph: { $ref: "#/components/schemas/MissionGraph" }, message: { type: "string", maxLength: 500 } } } } } },
          responses: { "201": { description: "Version created" }, "200": { description: "Unchanged: the latest version" }, "400": error, "404": error, ...auth },
        },
      },
      "/api/v1/missions/{id}/export": {
        get: {
          summary: "Export a mission document",
          parameters: [idParam, { name: "version", in: "query", schema: { type: "integer", minimum: 1 }, description: "defaults to the latest version (the draft when none is saved)" }],
          responses: { "200": { description: "The mission document", content: { "application/json": { schema: { $ref: "#/components/schemas/MissionGraph" } } } }, "404": error, ...auth },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key (stw_…)" } },
      schemas: {
        MissionGraph: z.toJSONSchema(missionGraphSchema, { io: "input", unrepresentable: "any" }),
        CreateMission: { type: "object", required: ["name"], properties: { name: { type: "string", maxLength: 200 }, description: { type: "string" }, template: { type: "string", description: "blank, approval or refund" } } },
        MissionSummary: {
          type: "object",
          properties: { id: { type: "string" }, name: { type: "string" }, description: { type: "string" }, latestVersion: { type: "integer" }, nodeCount: { type: "integer" }, updatedAt: { type: "string", format: "date-time" }, archivedAt: { type: ["string", "null"] } },
        },
        Mission: {
          type: "object",
          properties: { id: { type: "string" }, name: { type: "string" }, description: { type: "string" }, draft: { $ref: "#/components/schemas/MissionGraph" }, latestVersion: { type: "integer" } },
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
