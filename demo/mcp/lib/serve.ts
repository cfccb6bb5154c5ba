import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { DemoDatabase } from "./demo-db";

/** The `_meta` key Steward sends on tools/call so a retried side effect happens once. */
export const IDEMPOTENCY_META_KEY = "steward/idempotency-key";

/** Reads Steward's idempotency key from a tools/call request's `_meta`, if the caller sent one. */
export function idempotencyKey(extra: { _meta?: Record<string, unknown> }): string | null {
  const key = extra._meta?.[IDEMPOTENCY_META_KEY];
  return typeof key === "string" && key.length > 0 ? key : null;
}

/** A successful result: structured content for programs, the same JSON as text for models. */
export function ok<T extends Record<string, unknown>>(value: T): CallToolResult & { structuredContent: T } {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

/** A tool-level error: the call reached the server and was refused, with a reason a model can read. */
export function fail(message: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }] };
}

export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/** Money travels as numbers with two decimals; Postgres numeric comes back as text. */
export function money(v: unknown): number {
  return Math.round(Number(v) * 100) / 100;
}

/**
 * Serves `server` over stdio until the client goes away. Closing stdin is how MCP clients stop a
 * stdio server, so that (and SIGTERM) closes the database cleanly: PGlite flushes on close.
 */
export async function serveStdio(server: McpServer, database: Promise<DemoDatabase>): Promise<void> {
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      await server.close();
      await (await database).close();
    } finally {
      process.exit(code);
    }
  };
  // A data dir that cannot be opened (locked, damaged) ends the server: the client sees the
  // transport close and reports the message written here.
  database.catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
  process.stdin.on("end", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  process.on("SIGINT", () => void stop(0));
  await server.connect(new StdioServerTransport());
}

export function createServer(name: string, version: string, instructions: string): McpServer {
  return new McpServer({ name, version }, { instructions });
}
