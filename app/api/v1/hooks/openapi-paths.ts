import "server-only";

// The inbound webhook route for the OpenAPI document (server/rest/openapi.ts spreads these into
// its `paths`), kept beside the route it describes. It takes no API key: the signature is the proof.

const error = { description: "Error: `code`, `message`, `problems` (each naming its field)", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
const header = (name: string, description: string) => ({ name, in: "header", required: true, schema: { type: "string" }, description });

export const hooksOpenApiPaths = {
  "/api/v1/hooks/{hookId}": {
    post: {
      summary: "Start a run from a signed webhook (the mission's Webhook channel)",
      description:
        "Signed as Standard Webhooks describe (HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with the hook's `whsec_…` secret, shown once when the hook is created or rotated). The JSON body is mapped to the trigger's fields by the trigger's expressions (`body.<field>` by default). A timestamp more than 5 minutes from now, or a `webhook-id` already received, starts nothing. Body at most 64 KB; 120 requests per minute per hook and address.",
      security: [],
      parameters: [
        { name: "hookId", in: "path", required: true, schema: { type: "string" } },
        header("webhook-id", "the message's unique id: a second request with it is refused"),
        header("webhook-timestamp", "seconds since the epoch"),
        header("webhook-signature", "`v1,<base64 signature>`, several separated by spaces"),
      ],
      requestBody: { required: true, content: { "application/json": { schema: { type: "object", additionalProperties: true } } } },
      responses: {
        "202": { description: "Queued: `{ runId, status, links }`" },
        "400": { ...error, description: "The body is not JSON or does not map to the trigger's fields (each problem names the field, `input.<name>`)" },
        "401": { ...error, description: "Missing or wrong signature, or a timestamp outside the tolerance" },
        "404": { ...error, description: "No such hook, or it was revoked" },
        "409": { ...error, description: "The message id was already received, the mission is archived, or its published version does not take webhooks" },
        "413": error,
        "429": { ...error, description: "Too many requests: see Retry-After" },
      },
    },
  },
};
