import http from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import * as route from "@/app/api/mcp/route";

// The stdio bridge (npm run mcp) as Claude Desktop runs it: a child process speaking MCP on its
// stdin/stdout, forwarding to the real /api/mcp route served over HTTP by this test.

const BRIDGE = path.resolve(import.meta.dirname, "mcp-bridge.mjs");

describe.each(testDatabases())("the MCP stdio bridge on $name", (tdb) => {
  let h: Harness;
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    h = await openHarness(tdb);
    server = http.createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
        const answer = await route.POST(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: req.method === "POST" ? Buffer.concat(chunks) : undefined }));
        res.writeHead(answer.status, Object.fromEntries(answer.headers));
        if (answer.body) Readable.fromWeb(answer.body as never).pipe(res);
        else res.end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mcp`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await h?.close();
  });

  async function bridge(key: string): Promise<Client> {
    const client = new Client({ name: "bridge-test", version: "1.0.0" });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BRIDGE, "--url", url], env: { ...process.env, STEWARD_API_KEY: key } as Record<string, string>, stderr: "pipe" }));
    return client;
  }

  it("forwards tools/list and tools/call as the key's owner", async () => {
    const client = await bridge(h.headers("approver").get("authorization")!.slice(7));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["get_run", "list_pending_decisions", "decide"]);
      const r = (await client.callTool({ name: "get_run", arguments: { runId: "nope" } })) as CallToolResult;
      expect(r).toMatchObject({ isError: true, content: [{ type: "text", text: "No run nope" }] });
    } finally {
      await client.close();
    }
  });

  it("answers with the server's refusal when the key is unknown", async () => {
    await expect(bridge("stw_not_a_key")).rejects.toThrow(/unknown or revoked|401/);
  });
});
