import "server-only";
import crypto from "node:crypto";
import canonicalize from "canonicalize";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { redactDeepExcept, redactText } from "./secret-scrub";
import type { ToolAnnotations, ToolPolicy } from "./tool-port";

/**
 * A tool changes state unless its server says it is read-only and does not also say it is
 * destructive. Missing annotations count as state-changing: the safe reading of silence.
 */
export function isStateChanging(annotations: ToolAnnotations): boolean {
  return !(annotations.readOnlyHint === true && annotations.destructiveHint !== true);
}

/** Read-only tools run on their own; everything else waits for a decision. */
export function defaultPolicy(annotations: ToolAnnotations): ToolPolicy {
  return isStateChanging(annotations) ? "gated" : "autonomous";
}

export function effectivePolicy(annotations: ToolAnnotations, override: ToolPolicy | null): ToolPolicy {
  return override ?? defaultPolicy(annotations);
}

export interface ToolDefinition {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: ToolAnnotations;
}

/**
 * What an approval pins: sha256 of the canonical (RFC 8785) JSON of the parts a model and a policy
 * read. A server that changes any of them after approval gets its tool withheld until re-approved.
 */
export function toolDefinitionHash(def: ToolDefinition): string {
  const canonical = canonicalize({
    name: def.name,
    description: def.description ?? "",
    inputSchema: def.inputSchema,
    annotations: def.annotations ?? {},
  });
  return crypto
    .createHash("sha256")
    .update(canonical ?? "")
    .digest("hex");
}

/**
 * Annotations as stored: the protocol's known hints only, so server-specific extras neither churn
 * hashes nor end up in the database. The display title is the annotation's, else the tool's own.
 */
export function pickAnnotations(raw: Record<string, unknown> | undefined, toolTitle?: string): ToolAnnotations {
  const out: ToolAnnotations = {};
  const title = typeof raw?.title === "string" ? raw.title : toolTitle;
  if (title) out.title = title;
  for (const k of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
    const v = raw?.[k];
    if (typeof v === "boolean") out[k] = v;
  }
  return out;
}

export interface NormalizedTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  hash: string;
}

/**
 * A tool as a server lists it, in the form Steward stores, pins and shows to models: with the
 * connector's `secrets` masked in its description, input schema and title, since a server can echo
 * its env or headers there. The hash covers the masked form, so rotating a secret the server
 * echoes does not make the tool "changed". The name is left alone: calls are made by it.
 */
export function definitionOf(tool: Tool, secrets: readonly string[] = []): NormalizedTool {
  const def = {
    name: tool.name,
    description: redactText(tool.description ?? "", secrets),
    inputSchema: redactDeepExcept(tool.inputSchema as Record<string, unknown>, secrets),
    annotations: redactDeepExcept(pickAnnotations(tool.annotations, tool.title), secrets),
  };
  return { ...def, hash: toolDefinitionHash(def) };
}
