import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

// A real MCP server over streamable HTTP with one state-changing tool, `post`, that books a
// payment, and one read-only tool, `tally`, that counts what it is sent (a For each calls it once
// per item). It lives outside the process under test, so what it counts is what really happened
// on the receiving side, however often the caller died.

export const IDEMPOTENCY_META_KEY = "steward/idempotency-key";

export interface LedgerCall {
  key: string | null;
  orderId: string;
  amount: number;
}

export interface TallyCall {
  key: string | null;
  line: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface Ledger {
  url: string;
  /** Every tools/call that arrived, in order (retries included). */
  calls: LedgerCall[];
  /** Idempotency key → the payment it booked: a repeated key books nothing new. */
  payments: Map<string, { paymentId: string; orderId: string; amount: number }>;
  /** Every `tally` call that arrived, in order (retries included). */
  tallies: TallyCall[];
  /** Payments booked per order, counted independently of the keys. */
  paymentsForOrder(orderId: string): number;
  stop(): Promise<void>;
}

/** `answerDelayMs`: books at once, answers later — a caller killed in between must retry with the same key. */
export async function startLedger(opts: { answerDelayMs?: number; tallyDelayMs?: number } = {}): Promise<Ledger> {
  const calls: LedgerCall[] = [];
  const tallies: TallyCall[] = [];
  const payments = new Map<string, { paymentId: string; orderId: string; amount: number }>();

  const mcpServer = () => {
    const server = new McpServer({ name: "ledger", version: "1.0.0" });
    server.registerTool(
      "post",
      {
        description: "Books a payment for an order. Send an idempotency key: a repeat books nothing twice.",
        inputSchema: { orderId: z.string(), amount: z.number() },
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      },
      async ({ orderId, amount }, extra) => {
        const raw = extra._meta?.[IDEMPOTENCY_META_KEY];
        const key = typeof raw === "string" && raw ? raw : null;
        calls.push({ key, orderId, amount });
        if (!key) return { isError: true, content: [{ type: "text", text: "an idempotency key is required" }] };
        let payment = payments.get(key);
        if (!payment) {
          payment = { paymentId: `pay_${payments.size + 1}`, orderId, amount };
          payments.set(key, payment);
        }
        if (opts.answerDelayMs) await new Promise((r) => setTimeout(r, opts.answerDelayMs));
        return { content: [{ type: "text", text: JSON.stringify(payment) }], structuredContent: payment };
      },
    );
    server.registerTool(
      "tally",
      {
        description: "Counts a line. Read-only for the caller; the ledger keeps the count.",
        inputSchema: { line: z.string() },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      async ({ line }, extra) => {
        const raw = extra._meta?.[IDEMPOTENCY_META_KEY];
        tallies.push({ key: typeof raw === "string" && raw ? raw : null, line, at: Date.now() });
        if (opts.tallyDelayMs) await new Promise((r) => setTimeout(r, opts.tallyDelayMs));
        return { content: [{ type: "text", text: JSON.stringify({ counted: line }) }], structuredContent: { counted: line } };
      },
    );
    return server;
  };

  // Stateless: a fresh server and transport per request, so a client that died mid-session
  // leaves nothing behind.
  const httpServer = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString();
      const server = mcpServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, text ? (JSON.parse(text) as unknown) : undefined);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    tallies,
    payments,
    paymentsForOrder: (orderId) => [...payments.values()].filter((p) => p.orderId === orderId).length,
    stop: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}
