import "server-only";

// The decisions routes for the OpenAPI document (server/rest/openapi.ts spreads these into its
// `paths`), kept beside the routes they describe.

const error = { description: "Error: `code`, `reason` (the specific case), `message`, `problems`", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
const auth = { "401": { ...error, description: "No or unknown API key" } };
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

export const decisionsOpenApiPaths = {
  "/api/v1/decisions": {
    get: {
      summary: "The Decision Queue: by default the pending decisions the key's user may decide, soonest due first",
      parameters: [
        { name: "status", in: "query", schema: { type: "string", enum: ["pending", "decided", "all", "approved", "rejected", "expired", "cancelled"], default: "pending" } },
        { name: "missionId", in: "query", schema: { type: "string" } },
        { name: "kind", in: "query", schema: { type: "string", enum: ["approval", "tool"] } },
        { name: "scope", in: "query", schema: { type: "string", enum: ["mine", "all"], default: "mine" }, description: "mine: decisions the user's roles may decide (admins: all)" },
        { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 100 } },
      ],
      responses: { "200": { description: "`{ decisions: [...], pendingForMe }`, each with `summary` in plain words and `canDecide` / `blocked`" }, "400": error, ...auth },
    },
  },
  "/api/v1/decisions/{id}": {
    get: {
      summary: "One decision: proposed values, rules, the reasoning that led to it, and whether the key's user may decide it",
      parameters: [idParam],
      responses: { "200": { description: "The decision" }, "404": error, ...auth },
    },
    post: {
      summary: "Approve or reject (the decision's approver role, or admin)",
      description:
        "Body `{ approve, values?, reason? }`. `values` edits the editable proposed values. 403 `forbidden` / `separation_of_duties`; 409 `not_pending` (names who decided) / `already_voted`; 400 `invalid_values` (names `values.<field>`) / `reason_required`.",
      parameters: [idParam],
      requestBody: {
        required: true,
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["approve"],
              properties: { approve: { type: "boolean" }, values: { type: "object", additionalProperties: true }, reason: { type: "string", maxLength: 2000 } },
            },
          },
        },
      },
      responses: {
        "200": { description: "`{ decisionId, runId, status, resolved, approvals, requiredApprovals, message }`" },
        "400": error,
        "403": { ...error, description: "The user may not decide this one (role, separation of duties)" },
        "404": error,
        "409": { ...error, description: "Already decided (by whom, when), or this user already voted" },
        ...auth,
      },
    },
  },
};
