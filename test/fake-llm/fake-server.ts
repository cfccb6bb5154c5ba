import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Local HTTP servers that speak LLM provider wire formats, so the real AI SDK providers (and our
 * retrying fetch) are tested end to end without the network. Each request takes the next scripted
 * reply; with none left, the server answers "OK".
 */

export interface FakeUsage {
  input: number;
  output: number;
}

export type FakeReply =
  | { kind: "text"; text: string; usage?: FakeUsage }
  | { kind: "tool-call"; name: string; args: Record<string, unknown>; id?: string; usage?: FakeUsage }
  /** An HTTP error; `body` defaults to the provider's error shape. */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown; message?: string }
  /** Accept the request and never answer (until the server closes). */
  | { kind: "hang" }
  /** Answer 200 with an event stream, send one comment line, then go silent. */
  | { kind: "stall" };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeLlmServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** `${url}/v1`, what providers take as baseURL. */
  baseURL: string;
  requests: RecordedRequest[];
  enqueue(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

export type RouteHandler = (req: RecordedRequest, reply: Exclude<FakeReply, { kind: "status" } | { kind: "hang" } | { kind: "stall" }>, res: http.ServerResponse) => void;

export interface FakeRoutes {
  /** Path → handler for successful replies. */
  routes: Record<string, RouteHandler>;
  /** The provider's JSON error body for a status reply. */
  errorBody(status: number, message: string): unknown;
}

export async function startFakeLlmServer(spec: FakeRoutes): Promise<FakeLlmServer> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
      } catch {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(spec.errorBody(400, "request body is not JSON")));
        return;
      }
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const recorded: RecordedRequest = { method: req.method ?? "GET", path, headers: req.headers, body, at: Date.now() };
      requests.push(recorded);
      const handler = spec.routes[path];
      if (!handler || req.method !== "POST") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify(spec.errorBody(404, `no route ${req.method} ${path}`)));
        return;
      }
      const reply = queue.shift() ?? { kind: "text", text: "OK" };
      if (reply.kind === "hang") return;
      if (reply.kind === "stall") {
        res.writeHead(200, { "content-type": "text/event-stream" }).write(": thinking\n\n");
        return;
      }
      if (reply.kind === "status") {
        const payload = reply.body ?? spec.errorBody(reply.status, reply.message ?? http.STATUS_CODES[reply.status] ?? "error");
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(JSON.stringify(payload));
        return;
      }
      handler(recorded, reply, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: http.ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** Server-sent events; `event` names the event line (Anthropic and Responses use it, Chat Completions does not). */
export function sendSse(res: http.ServerResponse, events: Array<{ event?: string; data: unknown }>): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  for (const e of events) {
    const data = typeof e.data === "string" ? e.data : JSON.stringify(e.data);
    res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${data}\n\n`);
  }
  res.end();
}

/** Splits text into small deltas, as a real model streams it. */
export function deltas(text: string, size = 4): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [""];
}
