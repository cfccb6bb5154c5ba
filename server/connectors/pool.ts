import "server-only";
import crypto from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  ErrorCode,
  McpError,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { decryptJson } from "@/server/crypto/secrets";
import type { ConnectorConfig, ConnectorTransport } from "@/server/db/schema";
import { builtinTransport, isBuiltinUrl, RUN_META_KEY } from "./builtin";
import { ConnectorError } from "./errors";
import { httpFailureCause, shownUrl } from "./http-errors";

/** `_meta` key carrying Steward's idempotency key on tools/call. */
export const IDEMPOTENCY_META_KEY = "steward/idempotency-key";

/** What the pool needs to reach a connector; a `connector` row satisfies it. */
export interface ConnectorSpec {
  id: string;
  name: string;
  transport: ConnectorTransport;
  config: ConnectorConfig;
  /** Encrypted JSON object of env vars (stdio). */
  secretEnv: string | null;
  /** Encrypted JSON object of headers (http, sse). */
  secretHeaders: string | null;
  timeoutMs: number;
}

export interface ServerInfo {
  name: string | null;
  version: string | null;
}

export interface CallOptions {
  idempotencyKey?: string;
  /** The calling run: sent (as `_meta["steward/run-id"]`) to built-in servers only. */
  runId?: string;
  signal?: AbortSignal;
}

const STDERR_TAIL = 2_000;
/** Starting a server can take longer than a call may (a cold PGlite, a package download). */
const CONNECT_TIMEOUT_MS = 30_000;
const CLIENT_INFO = { name: "steward", version: "0.1.0" };

interface Live {
  client: Client;
  transport: Transport;
  server: ServerInfo;
  /** Tool definitions as the running server publishes them; reloaded after list_changed. */
  tools?: Promise<Map<string, Tool>>;
}

interface Entry {
  fingerprint: string;
  ready: Promise<Live>;
  inflight: number;
  dropped: boolean;
  /** Last lines the server wrote to stderr (stdio): the likeliest explanation of a crash. */
  stderr: { text: string };
}

function fingerprint(spec: ConnectorSpec): string {
  return crypto
    .createHash("sha256")
    .update(JSON.stringify([spec.transport, spec.config, spec.secretEnv, spec.secretHeaders]))
    .digest("hex");
}

function stderrHint(entry: { stderr: { text: string } }): string {
  const t = entry.stderr.text.trim();
  return t ? ` (server stderr: ${t.slice(-500)})` : "";
}

function createTransport(spec: ConnectorSpec, stderr: { text: string }): Transport {
  if (spec.transport === "stdio") {
    const command = spec.config.command;
    if (!command) throw new ConnectorError("transport", `Connector ${spec.name} has no command`, spec.name);
    const env = spec.secretEnv ? decryptJson<Record<string, string>>(spec.secretEnv) : {};
    // Only the SDK's minimal inherited env (PATH, HOME, …) plus the connector's own: a server
    // never sees Steward's database URL or secret key.
    const transport = new StdioClientTransport({ command, args: spec.config.args ?? [], env, cwd: spec.config.cwd, stderr: "pipe" });
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr.text = (stderr.text + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    return transport;
  }
  const url = spec.config.url;
  if (!url) throw new ConnectorError("transport", `Connector ${spec.name} has no URL`, spec.name);
  if (isBuiltinUrl(url)) return builtinTransport(url);
  const headers = spec.secretHeaders ? decryptJson<Record<string, string>>(spec.secretHeaders) : {};
  const requestInit: RequestInit = { headers };
  return spec.transport === "sse"
    ? new SSEClientTransport(new URL(url), { requestInit })
    : new StreamableHTTPClientTransport(new URL(url), { requestInit });
}

async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  const out: Tool[] = [];
  let cursor: string | undefined;
  // Bounded: a server whose cursors never end must not hang us.
  for (let page = 0; page < 100; page++) {
    const res = await client.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
    out.push(...res.tools);
    cursor = res.nextCursor;
    if (!cursor) break;
  }
  return out;
}

function toolMap(tools: Promise<Tool[]>): Promise<Map<string, Tool>> {
  return tools.then((list) => new Map(list.map((t) => [t.name, t])));
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * One MCP client per connector, started on first use and reused. A client whose transport closes
 * (a crashed stdio server, a dropped HTTP session) is forgotten, and the next call starts a new
 * one. A changed configuration retires the old client once its calls finish.
 */
export class ConnectorPool {
  private entries = new Map<string, Entry>();

  /** Whether a client with this exact configuration is connected (or connecting). */
  has(spec: ConnectorSpec): boolean {
    const e = this.entries.get(spec.id);
    return !!e && !e.dropped && e.fingerprint === fingerprint(spec);
  }

  async listTools(spec: ConnectorSpec, signal?: AbortSignal): Promise<{ tools: Tool[]; server: ServerInfo }> {
    return this.use(spec, undefined, signal, async (live) => {
      const tools = await listAllTools(live.client, spec.timeoutMs);
      live.tools = toolMap(Promise.resolve(tools));
      return { tools, server: live.server };
    });
  }

  /**
   * The running server's current definition of one tool, or null. The list is cached per
   * connection and reloaded after a list_changed notification; `fresh` lists the tools again now
   * (a server may change a definition without notifying).
   */
  async liveTool(spec: ConnectorSpec, name: string, signal?: AbortSignal, opts: { fresh?: boolean } = {}): Promise<Tool | null> {
    return this.use(spec, name, signal, async (live) => {
      if (opts.fresh || !live.tools) live.tools = toolMap(listAllTools(live.client, spec.timeoutMs));
      const tools = live.tools;
      try {
        return (await tools).get(name) ?? null;
      } catch (e) {
        if (live.tools === tools) live.tools = undefined;
        throw e;
      }
    });
  }

  async callTool(spec: ConnectorSpec, name: string, args: Record<string, unknown>, opts: CallOptions = {}): Promise<CallToolResult> {
    return this.use(spec, name, opts.signal, async (live) => {
      const meta: Record<string, string> = {};
      if (opts.idempotencyKey) meta[IDEMPOTENCY_META_KEY] = opts.idempotencyKey;
      if (opts.runId && isBuiltinUrl(spec.config.url)) meta[RUN_META_KEY] = opts.runId;
      const res = await live.client.callTool(
        { name, arguments: args, ...(Object.keys(meta).length ? { _meta: meta } : {}) },
        undefined,
        { timeout: spec.timeoutMs, signal: opts.signal },
      );
      return res as CallToolResult;
    });
  }

  /** Connect, list tools, close: a check of a configuration that leaves nothing running. */
  async probe(spec: ConnectorSpec): Promise<{ tools: Tool[]; server: ServerInfo }> {
    const stderr = { text: "" };
    let live: Live | undefined;
    try {
      live = await this.connect(spec, stderr);
      return { tools: await listAllTools(live.client, spec.timeoutMs), server: live.server };
    } catch (e) {
      throw this.toConnectorError(e, spec, undefined, undefined, { stderr });
    } finally {
      await live?.client.close().catch(() => {});
    }
  }

  /** Stops a connector's client (after an edit, a disable, a delete). */
  async close(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    await this.shutdown(entry);
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => this.shutdown(e)));
  }

  private async use<T>(spec: ConnectorSpec, tool: string | undefined, signal: AbortSignal | undefined, fn: (live: Live) => Promise<T>): Promise<T> {
    const entry = this.acquire(spec);
    entry.inflight++;
    try {
      const live = await abortable(entry.ready, signal);
      return await fn(live);
    } catch (e) {
      const err = this.toConnectorError(e, spec, tool, signal, entry);
      if (err.code === "transport") this.drop(spec.id, entry);
      throw err;
    } finally {
      entry.inflight--;
      if (entry.dropped && entry.inflight === 0) void this.shutdown(entry);
    }
  }

  private acquire(spec: ConnectorSpec): Entry {
    const fp = fingerprint(spec);
    const current = this.entries.get(spec.id);
    if (current && !current.dropped && current.fingerprint === fp) return current;
    if (current) this.drop(spec.id, current);
    const stderr = { text: "" };
    const entry: Entry = { fingerprint: fp, inflight: 0, dropped: false, stderr, ready: this.connect(spec, stderr, () => this.drop(spec.id, entry)) };
    // A failed start is reported to the caller by use(); it must not also surface as unhandled.
    entry.ready.catch(() => this.drop(spec.id, entry));
    this.entries.set(spec.id, entry);
    return entry;
  }

  /** Forgets an entry; its client is closed now if idle, else when its last call returns. */
  private drop(id: string, entry: Entry): void {
    if (this.entries.get(id) === entry) this.entries.delete(id);
    if (entry.dropped) return;
    entry.dropped = true;
    if (entry.inflight === 0) void this.shutdown(entry);
  }

  private async shutdown(entry: Entry): Promise<void> {
    entry.dropped = true;
    try {
      const live = await entry.ready;
      await live.client.close();
    } catch {
      // never started, or already gone
    }
  }

  private async connect(spec: ConnectorSpec, stderr: { text: string }, onGone?: () => void): Promise<Live> {
    const transport = createTransport(spec, stderr);
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    const live: Live = { client, transport, server: { name: null, version: null } };
    client.onclose = () => onGone?.();
    client.onerror = () => {
      // A stdio transport error means the process is gone or its pipes broke; HTTP transports
      // report recoverable hiccups (a dropped GET stream) here too, and recover on their own.
      if (spec.transport === "stdio") onGone?.();
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      live.tools = undefined;
    });
    try {
      await client.connect(transport, { timeout: Math.max(spec.timeoutMs, CONNECT_TIMEOUT_MS) });
    } catch (e) {
      await client.close().catch(() => {});
      throw e;
    }
    const info = client.getServerVersion();
    live.server = { name: info?.name ?? null, version: info?.version ?? null };
    return live;
  }

  private toConnectorError(
    e: unknown,
    spec: ConnectorSpec,
    tool: string | undefined,
    signal: AbortSignal | undefined,
    entry: { stderr: { text: string } },
  ): ConnectorError {
    if (e instanceof ConnectorError) return e;
    const http = spec.transport !== "stdio";
    // An HTTP server is named by its URL: "fetch failed" alone does not say which or why.
    const what = `${tool ? `Tool ${spec.name}.${tool}` : `Connector ${spec.name}`}${http ? ` (${shownUrl(spec.config.url)})` : ""}`;
    if (signal?.aborted) return new ConnectorError("cancelled", `${what}: the call was cancelled`, spec.name, tool);
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof McpError) {
      if (e.code === ErrorCode.RequestTimeout) {
        // Starting a connection waits longer than a call; the error carries the wait that expired.
        const ms = (e.data as { timeout?: unknown } | undefined)?.timeout;
        return new ConnectorError("timeout", `${what} did not answer within ${typeof ms === "number" ? ms : spec.timeoutMs} ms`, spec.name, tool);
      }
      if (e.code === ErrorCode.ConnectionClosed) {
        return new ConnectorError("transport", `${what}: the server closed the connection${stderrHint(entry)}`, spec.name, tool);
      }
      return new ConnectorError("tool_error", `${what} failed: ${message}`, spec.name, tool);
    }
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === "ENOENT" && spec.transport === "stdio") {
      return new ConnectorError("transport", `Connector ${spec.name}: command not found: ${spec.config.command}`, spec.name, tool);
    }
    return new ConnectorError("transport", `${what}: ${http ? httpFailureCause(e) : message}${stderrHint(entry)}`, spec.name, tool);
  }
}

declare global {
  var __stewardConnectorPool: ConnectorPool | undefined;
}

/** The process's pool (on globalThis: Next loads a module once per bundle layer). */
export function connectorPool(): ConnectorPool {
  globalThis.__stewardConnectorPool ??= new ConnectorPool();
  return globalThis.__stewardConnectorPool;
}

/** Stops every connector client; call on shutdown so stdio servers exit with the app. */
export async function closeAllConnectors(): Promise<void> {
  await globalThis.__stewardConnectorPool?.closeAll();
}
