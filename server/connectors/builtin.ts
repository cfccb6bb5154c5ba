import "server-only";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

// MCP servers that run inside the app (the knowledge base's, which reads the live tables). Their
// connector row is an ordinary one (listed, approved, disabled like any other) whose URL names
// the server: `steward-builtin:<name>`. The pool connects to them over an in-memory transport.

export const BUILTIN_URL_SCHEME = "steward-builtin:";

/** `_meta` key carrying the calling run's id on tools/call to a built-in server (never sent elsewhere). */
export const RUN_META_KEY = "steward/run-id";

/** What the pool needs of a server: the SDK's McpServer satisfies it. */
export interface BuiltinServer {
  connect(transport: Transport): Promise<void>;
}

declare global {
  var __stewardBuiltinServers: Map<string, () => BuiltinServer> | undefined;
}

function registry(): Map<string, () => BuiltinServer> {
  // On globalThis: Next loads a module once per bundle layer, and boot registers from one of them.
  globalThis.__stewardBuiltinServers ??= new Map();
  return globalThis.__stewardBuiltinServers;
}

/** Makes `steward-builtin:<name>` reachable; `create` is called once per connection. */
export function registerBuiltinServer(name: string, create: () => BuiltinServer): string {
  registry().set(name, create);
  return builtinUrl(name);
}

export function builtinUrl(name: string): string {
  return `${BUILTIN_URL_SCHEME}${name}`;
}

export function isBuiltinUrl(url: string | undefined): boolean {
  return typeof url === "string" && url.startsWith(BUILTIN_URL_SCHEME);
}

/** The client end of a fresh in-memory connection to the named built-in server. */
export function builtinTransport(url: string): Transport {
  const name = url.slice(BUILTIN_URL_SCHEME.length);
  const create = registry().get(name);
  if (!create) throw new Error(`no built-in MCP server named ${name} is running in this process`);
  const [clientEnd, serverEnd] = InMemoryTransport.createLinkedPair();
  // Messages sent before the server end starts are queued by the transport; closing the client
  // end closes the server's.
  void create()
    .connect(serverEnd)
    .catch((e: unknown) => console.error(`[connectors] built-in server ${name} failed to start:`, e));
  return clientEnd;
}
