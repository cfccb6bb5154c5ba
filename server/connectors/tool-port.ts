import "server-only";

/** MCP tool annotations as the server declares them (all optional in the protocol). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export type ToolPolicy = "autonomous" | "gated" | "disallowed";

export interface ToolInfo {
  /** `<connector name>.<tool name>`, the form missions use. */
  ref: string;
  connector: string;
  name: string;
  description: string;
  /** JSON Schema of the tool's arguments, as the MCP server published it. */
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  /** Effective policy: annotations tightened (or, with audit, loosened) by an admin. */
  policy: ToolPolicy;
}

export interface ToolCallResult {
  isError: boolean;
  /** Concatenated text content, for models and display. */
  text: string;
  /** Structured content when the server returns it, else the parsed JSON of `text` when it is JSON, else `text`. */
  value: unknown;
  /** The raw MCP result, stored whole in Observations. */
  raw: unknown;
}

export interface ToolCallOptions {
  /** `<runId>:<nodeId>`: sent as `_meta["steward/idempotency-key"]` so retried side effects happen once. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** The run the call is made for: built-in servers (the knowledge base) decide access by its mission. */
  runId?: string;
  /**
   * List the server's tools again before the call, so a definition changed on a live connection
   * without a `tools/list_changed` notification is caught now, not at the next reconnect. The port
   * does it anyway for gated tools; the engine asks for it on every action call.
   */
  recheck?: boolean;
}

/** What the engine and Workers need from the connector layer. */
export interface ToolPort {
  /** Tools offered to Workers: enabled connectors, pinned (reviewed) definitions, not disallowed. */
  listTools(refs?: string[]): Promise<ToolInfo[]>;
  callTool(ref: string, args: Record<string, unknown>, opts?: ToolCallOptions): Promise<ToolCallResult>;
  /** Why `listTools` does not offer `ref` (changed since approval, disabled, unknown…), for people to read; null when it is offered. */
  unavailableReason?(ref: string): Promise<string | null>;
}
