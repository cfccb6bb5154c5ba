import "server-only";

// The connectors routes for the OpenAPI document (server/rest/openapi.ts spreads these into its
// `paths`; moved here from app/api/v1/connectors/ because server/ never imports app/). Every route
// needs the admin role.

const error = { description: "Error: `code`, `message`, `problems` (each naming its field)", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
const auth = { "401": { ...error, description: "No or unknown API key" }, "403": { ...error, description: "The key's user is not an admin" } };
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const hash = { type: "string", pattern: "^[0-9a-f]{64}$", description: "sha256 of the tool's definition (name, description, input schema, annotations)" };

const toolDefinition = {
  type: "object",
  properties: {
    name: { type: "string" },
    description: { type: "string" },
    inputSchema: { type: "object", additionalProperties: true },
    annotations: { type: "object", properties: { title: { type: "string" }, readOnlyHint: { type: "boolean" }, destructiveHint: { type: "boolean" }, idempotentHint: { type: "boolean" }, openWorldHint: { type: "boolean" } } },
    hash,
    status: { type: "string", enum: ["new", "approved", "changed", "removed"] },
  },
};
const recorded = {
  type: "object",
  description: "What the call recorded: tools the server lists for the first time, tools changed since they were approved, tools it no longer lists",
  properties: { added: { type: "array", items: { type: "string" } }, changed: { type: "array", items: { type: "string" } }, removed: { type: "array", items: { type: "string" } } },
};

export const connectorsOpenApiPaths = {
  "/api/v1/connectors": {
    get: { summary: "List MCP connectors (admin); secrets are masked", responses: { "200": { description: "`{ connectors }`, each with `serverName`, `serverVersion` and `toolCounts { approved, new, changed, removed }`" }, ...auth } },
    post: { summary: "Register an MCP connector (admin)", responses: { "201": { description: "Created" }, "400": error, "409": error, ...auth } },
  },
  "/api/v1/connectors/{id}": {
    get: {
      summary: "One connector with its tools and the tools awaiting review (admin)",
      description:
        "`tools`: every tool with `status`, `policy`, `stateChanging` and `hash` (its current definition). `reviews`: the `new` and `changed` tools with their current definition, the approved one for a changed tool, `hash`, `policy` and `stateChanging`.",
      parameters: [idParam],
      responses: { "200": { description: "The connector" }, "404": error, ...auth },
    },
  },
  "/api/v1/connectors/{id}/test": {
    post: {
      summary: "Test the connection and record the server's tools for review (admin)",
      description:
        "Connects with the stored configuration and lists the tools, then records them as a refresh does (audited as `connector.tools_refreshed` when something changed), so settings show the tested state. A connection failure is `ok: false` with an `error` naming the server (an HTTP connector's URL) and the cause (connection refused, timeout, TLS, HTTP 401…): a 200, not an HTTP error, and nothing is recorded.",
      parameters: [idParam],
      responses: {
        "200": {
          description: "The outcome",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: { ok: { type: "boolean" }, serverName: { type: ["string", "null"] }, serverVersion: { type: ["string", "null"] }, tools: { type: "array", items: toolDefinition }, error: { type: "string" }, recorded },
              },
            },
          },
        },
        "404": error,
        ...auth,
      },
    },
  },
  "/api/v1/connectors/{id}/refresh": {
    post: {
      summary: "List the server's tools again and record what changed (admin)",
      description: "Audited as `connector.tools_refreshed` when a tool was added, changed or removed. 422 when the server cannot be reached (the message names the URL and the cause).",
      parameters: [idParam],
      responses: {
        "200": { description: "`{ serverName, serverVersion, added, changed, removed, tools }`; each tool with `status` and `hash`" },
        "404": error,
        "422": { ...error, description: "The server could not be reached or listed its tools wrongly" },
        ...auth,
      },
    },
  },
  "/api/v1/connectors/{id}/approve": {
    post: {
      summary: "Approve tools as they were shown (admin)",
      description:
        "Pins each tool's definition: from then on Workers are offered it for as long as the server keeps it exactly so. Name each tool with the `hash` it was shown with (from the test, refresh or connector answer); to approve all, send every tool awaiting review. All or nothing: 400 for a malformed, unknown or repeated entry (`tools[i].name`, `tools[i].hash`), 409 for a tool that changed or went away since it was shown. Audited as `connector.tools_approved` with each approved definition.",
      parameters: [idParam],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["tools"],
              additionalProperties: false,
              properties: { tools: { type: "array", minItems: 1, maxItems: 1000, items: { type: "object", required: ["name", "hash"], properties: { name: { type: "string" }, hash } } } },
            },
          },
        },
      },
      responses: {
        "200": { description: "`{ approved: [names], connector }` (the connector as `GET /api/v1/connectors/{id}` gives it)" },
        "400": error,
        "404": error,
        "409": { ...error, description: "A tool changed (or was removed) since it was shown: nothing was approved" },
        ...auth,
      },
    },
  },
};
