import { handleMcpRequest } from "@/server/mcp-server/http";

export const dynamic = "force-dynamic";

/** Steward's MCP server (streamable HTTP; docs/mcp-server.md): authenticated with an API key. */
export const POST = handleMcpRequest;
export const GET = handleMcpRequest;
export const DELETE = handleMcpRequest;
