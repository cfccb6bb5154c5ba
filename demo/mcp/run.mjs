#!/usr/bin/env node
// Starts a demo MCP server over stdio: node demo/mcp/run.mjs <commerce|crm>
// tsx is registered from this file's own location, so the launcher works from any cwd (a Next
// production server, a test, a terminal) without a build step.
import { register } from "tsx/esm/api";

const SERVERS = ["commerce", "crm"];
const name = process.argv[2];
if (!SERVERS.includes(name ?? "")) {
  console.error(`usage: node demo/mcp/run.mjs <${SERVERS.join("|")}>`);
  process.exit(2);
}
register();
await import(new URL(`./${name}.ts`, import.meta.url).href);
