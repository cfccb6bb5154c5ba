#!/usr/bin/env node
// The stdio bridge to Steward's MCP server, for MCP clients that only start local commands
// (docs/mcp-server.md): it speaks MCP on stdin/stdout and forwards every message to
// `<url>` (streamable HTTP) with the API key as a bearer token, and the answers back.
//
//   npm run mcp -- --url https://steward.example.com/api/mcp --key stw_…
//   STEWARD_API_KEY=stw_… node scripts/mcp-bridge.mjs --url …   (keeps the key out of `ps`)
//
// Nothing but MCP messages goes to stdout; problems go to stderr.
import { parseArgs } from "node:util";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";

const USAGE = "usage: npm run mcp -- --url <steward>/api/mcp [--key <api key> | STEWARD_API_KEY=<api key>]";

function fail(message) {
  process.stderr.write(`steward-mcp: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let options;
try {
  ({ values: options } = parseArgs({ options: { url: { type: "string" }, key: { type: "string" }, help: { type: "boolean", short: "h" } } }));
} catch (e) {
  fail(e.message);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const key = options.key ?? process.env.STEWARD_API_KEY;
if (!options.url) fail("--url is required (your Steward's address followed by /api/mcp)");
if (!key) fail("an API key is required: --key, or STEWARD_API_KEY in the environment");
let url;
try {
  url = new URL(options.url);
} catch {
  fail(`--url is not a URL: ${options.url}`);
}

const remote = new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${key}` } } });
const local = new StdioServerTransport();

// A request the server could not be reached for gets a JSON-RPC error, so the client is not left waiting.
local.onmessage = (message) => {
  remote.send(message).catch((e) => {
    process.stderr.write(`steward-mcp: ${url.origin}${url.pathname}: ${e.message}\n`);
    if ("id" in message && "method" in message) void local.send({ jsonrpc: "2.0", id: message.id, error: { code: -32000, message: `Steward did not answer: ${e.message}` } });
  });
};
remote.onmessage = (message) => void local.send(message);
remote.onerror = (e) => process.stderr.write(`steward-mcp: ${e.message}\n`);
local.onclose = () => void remote.close().finally(() => process.exit(0));

await remote.start();
await local.start();
