import path from "node:path";
import { expect } from "@playwright/test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ROOT } from "./server";

/** Calls a demo MCP server's own tool over stdio, on its data dir: what the shop or the CRM itself holds. */
export async function askDemoServer<T>(dataDir: string, server: "commerce" | "crm", tool: string, args: Record<string, unknown>): Promise<T> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(ROOT, "demo/mcp/run.mjs"), server],
    env: { ...(process.env as Record<string, string>), DEMO_DATA_DIR: path.join(dataDir, "demo", server) },
    cwd: ROOT,
    stderr: "pipe",
  });
  const client = new Client({ name: "e2e-check", version: "1.0.0" });
  await client.connect(transport);
  try {
    const res = await client.callTool({ name: tool, arguments: args });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    return res.structuredContent as T;
  } finally {
    await client.close();
  }
}

/** The shared e2e server's data dir (set by global-setup). */
export function sharedDataDir(): string {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error("E2E_DATA_DIR is not set: run the spec through Playwright's global setup");
  return dir;
}
