import "server-only";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { userForApiKey } from "@/server/auth/api-keys";
import { getDatabase } from "@/server/db/client";
import { json } from "@/server/rest/handler";
import { createStewardMcpServer } from "./server";

/** Largest MCP request body read (the REST API's limit). */
const MAX_BODY_BYTES = 2_000_000;

/**
 * The MCP endpoint (`/api/mcp`, streamable HTTP, stateless): an API key as `Authorization: Bearer`
 * acts as its owner with the owner's roles now. A session cookie is not taken: an assistant holds a
 * key, and a cookie would let any page the browser opens call tools as the person signed in.
 */
export async function handleMcpRequest(req: Request): Promise<Response> {
  // Stateless: no session to open a server-to-client stream on or to end (the SDK's client takes 405).
  if (req.method !== "POST") return json({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: send JSON-RPC with POST" }, id: null }, 405, { allow: "POST" });
  const authz = req.headers.get("authorization");
  const key = authz?.toLowerCase().startsWith("bearer ") ? authz.slice(7).trim() : "";
  const unauthorized = (message: string) =>
    json({ jsonrpc: "2.0", error: { code: -32001, message }, id: null }, 401, { "www-authenticate": 'Bearer realm="steward"' });
  if (!key) return unauthorized("Send a Steward API key as `Authorization: Bearer <key>` (Settings → API keys)");
  const database = await getDatabase();
  const user = await userForApiKey(database.db, key);
  if (!user) return unauthorized("This API key is unknown or revoked");
  if (!user.roles.length) return json({ jsonrpc: "2.0", error: { code: -32003, message: "This key's owner has no role yet: an admin must grant one" }, id: null }, 403);

  const server = createStewardMcpServer(database, user);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, maxRequestBodySize: MAX_BODY_BYTES });
  await server.connect(transport);
  return transport.handleRequest(req);
}
