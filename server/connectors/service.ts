import "server-only";
import crypto from "node:crypto";
import canonicalize from "canonicalize";
import { and, asc, eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { AppError, zodProblems, type FieldProblem } from "@/lib/errors";
import { decryptJson, encryptJson, maskSecret } from "@/server/crypto/secrets";
import type { Db } from "@/server/db/database";
import { CONNECTOR_TRANSPORTS, TOOL_POLICIES, connector, connectorTool, type ConnectorConfig, type ToolStatus } from "@/server/db/schema";
import { isConnectorError, toAppError } from "./errors";
import { defaultPolicy, definitionOf, effectivePolicy, isStateChanging } from "./policy";
import { connectorPool, type ConnectorPool } from "./pool";
import { redactText, secretValuesOf } from "./secret-scrub";
import type { ToolAnnotations, ToolPolicy } from "./tool-port";

// ---------------------------------------------------------------------------------------------
// Input schemas (shared by tRPC, REST and the settings forms)

export const connectorNameSchema = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[a-z][a-z0-9_-]*$/, "must start with a lowercase letter and contain only a-z, 0-9, _ and -");

const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env var names are letters, digits and _, not starting with a digit");
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "not a valid HTTP header name");
const urlSchema = z
  .string()
  .trim()
  .url("must be a URL")
  .refine((u) => /^https?:\/\//i.test(u), "must be an http:// or https:// URL");
export const timeoutMsSchema = z.number().int("must be whole milliseconds").min(100, "must be at least 100 ms").max(600_000, "must be at most 10 minutes");

export const stdioInput = z.object({
  command: z.string().trim().min(1, "is required for a stdio connector"),
  args: z.array(z.string().max(4_000)).max(100).default([]),
  env: z.record(envNameSchema, z.string().max(16_000)).default({}),
  cwd: z.string().trim().min(1).optional(),
});

export const httpInput = z.object({
  url: urlSchema,
  headers: z.record(headerNameSchema, z.string().max(16_000)).default({}),
});

function requireTransportPart(v: { transport: string; stdio?: unknown; http?: unknown }, ctx: z.RefinementCtx) {
  if (v.transport === "stdio" && !v.stdio) ctx.addIssue({ code: "custom", path: ["stdio"], message: "is required for a stdio connector" });
  if (v.transport !== "stdio" && !v.http) ctx.addIssue({ code: "custom", path: ["http"], message: `is required for an ${v.transport} connector` });
}

export const createConnectorInput = z
  .object({
    name: connectorNameSchema,
    transport: z.enum(CONNECTOR_TRANSPORTS, "must be stdio, http or sse"),
    stdio: stdioInput.optional(),
    http: httpInput.optional(),
    timeoutMs: timeoutMsSchema.default(60_000),
    enabled: z.boolean().default(true),
  })
  .superRefine(requireTransportPart);

/**
 * Edits. Secret maps are patches: a name absent or set to null keeps its stored value (the form
 * never had it), an empty string removes it, any other string replaces it.
 */
export const updateConnectorInput = z.object({
  name: connectorNameSchema.optional(),
  transport: z.enum(CONNECTOR_TRANSPORTS, "must be stdio, http or sse").optional(),
  stdio: z
    .object({
      command: z.string().trim().min(1, "must not be empty").optional(),
      args: z.array(z.string().max(4_000)).max(100).optional(),
      env: z.record(envNameSchema, z.string().max(16_000).nullable()).optional(),
      cwd: z.string().trim().nullable().optional(),
    })
    .optional(),
  http: z
    .object({
      url: urlSchema.optional(),
      headers: z.record(headerNameSchema, z.string().max(16_000).nullable()).optional(),
    })
    .optional(),
  timeoutMs: timeoutMsSchema.optional(),
});

export const toolPolicyInput = z.enum(TOOL_POLICIES).nullable();

/**
 * Tools to approve as the admin saw them: each name with the definition hash shown beside it, so
 * an approval cannot pin a definition that changed after it was shown.
 */
export const seenToolsInput = z
  .array(
    z.object(
      {
        name: z.string("must be the tool's name").trim().min(1, "must not be empty").max(500, "must be at most 500 characters"),
        hash: z.string("must be the tool's definition hash").regex(/^[0-9a-f]{64}$/, "must be the 64 hex digit definition hash shown with the tool"),
      },
      "must be { name, hash }",
    ),
    "must be a list of { name, hash }",
  )
  .min(1, "must list at least one tool")
  .max(1_000, "must list at most 1000 tools");

export type SeenTool = z.infer<typeof seenToolsInput>[number];

export type CreateConnectorInput = z.input<typeof createConnectorInput>;
export type UpdateConnectorInput = z.input<typeof updateConnectorInput>;

// ---------------------------------------------------------------------------------------------
// Browser-safe views

/** A secret as the browser sees it: its name and a masked value, never the value. */
export interface MaskedEntry {
  name: string;
  value: string;
}

export interface ConnectorView {
  id: string;
  name: string;
  transport: (typeof CONNECTOR_TRANSPORTS)[number];
  stdio: { command: string; args: string[]; cwd: string | null; env: MaskedEntry[] } | null;
  http: { url: string; headers: MaskedEntry[] } | null;
  /** Set when stored secrets cannot be decrypted (STEWARD_SECRET_KEY changed): re-enter them. */
  secretsError: string | null;
  enabled: boolean;
  timeoutMs: number;
  serverName: string | null;
  serverVersion: string | null;
  approvedAt: string | null;
  approvedBy: string | null;
  createdAt: string;
  updatedAt: string;
  toolCounts: Record<ToolStatus, number>;
}

export interface ConnectorToolView {
  ref: string;
  name: string;
  title: string | null;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  status: ToolStatus;
  /** The policy in force: the admin's override, else the annotations' default. */
  policy: ToolPolicy;
  policyOverride: ToolPolicy | null;
  defaultPolicy: ToolPolicy;
  stateChanging: boolean;
  /** Offered to Workers: approved and unchanged since. */
  pinned: boolean;
  /** sha256 of the current definition: what an approval names to pin exactly this definition. */
  hash: string;
  firstSeenAt: string;
  updatedAt: string;
}

export interface ConnectorDetail extends ConnectorView {
  tools: ConnectorToolView[];
}

/** A tool as the editor's picker lists it. */
export interface BuilderTool {
  ref: string;
  connector: string;
  connectorEnabled: boolean;
  name: string;
  title: string | null;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  policy: ToolPolicy;
  stateChanging: boolean;
}

export interface TestedTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  /** The definition hash, for approving exactly this definition. */
  hash: string;
  /** Its review status, as the test recorded it. */
  status: ToolStatus;
}

export interface TestConnectionResult {
  ok: boolean;
  serverName: string | null;
  serverVersion: string | null;
  tools: TestedTool[];
  error?: string;
  /** What a good test recorded: tools new, changed since approval, or gone since the last look. */
  recorded?: { added: string[]; changed: string[]; removed: string[] };
}

export interface ApproveResult {
  approved: string[];
  /** Each approved tool with the definition hash now pinned. */
  pinned: SeenTool[];
  connector: ConnectorDetail;
}

export interface RefreshResult {
  serverName: string | null;
  serverVersion: string | null;
  added: string[];
  changed: string[];
  removed: string[];
  tools: ConnectorToolView[];
}

/** Loosening a state-changing tool to autonomous needs an explicit confirmation. */
export class PolicyLoosenError extends AppError {
  constructor(ref: string) {
    super(
      "conflict",
      `${ref} changes state: letting it run without a decision needs confirmLoosen: true (and is audited)`,
      [{ path: "confirmLoosen", message: "must be true to make a state-changing tool autonomous" }],
    );
  }
}

type ConnectorRow = typeof connector.$inferSelect;
type ToolRow = typeof connectorTool.$inferSelect;
type SecretMap = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// Helpers

function invalid(message: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): AppError {
  return new AppError("bad_request", message, zodProblems(issues));
}

/** The connector's secret values, to mask wherever its server repeats them. */
function secretsOf(row: ConnectorRow): string[] {
  return secretValuesOf([{ env: row.secretEnv, headers: row.secretHeaders }]);
}

function readSecrets(stored: string | null): SecretMap {
  return stored ? decryptJson<SecretMap>(stored) : {};
}

function sealSecrets(map: SecretMap): string | null {
  return Object.keys(map).length ? encryptJson(map) : null;
}

function sameMap(a: SecretMap, b: SecretMap): boolean {
  return canonicalize(a) === canonicalize(b);
}

function masked(map: SecretMap): MaskedEntry[] {
  return Object.keys(map)
    .sort()
    .map((name) => ({ name, value: maskSecret(map[name] ?? "") }));
}

async function requireConnector(db: Db, id: string): Promise<ConnectorRow> {
  const [row] = await db.select().from(connector).where(eq(connector.id, id));
  if (!row) throw new AppError("not_found", `No connector ${id}`);
  return row;
}

async function assertNameFree(db: Db, name: string, exceptId?: string): Promise<void> {
  const clash = await db
    .select({ id: connector.id })
    .from(connector)
    .where(exceptId ? and(eq(connector.name, name), ne(connector.id, exceptId)) : eq(connector.name, name));
  if (clash.length) throw new AppError("conflict", `A connector named ${name} already exists`, [{ path: "name", message: "is already taken" }]);
}

function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } }).code ?? (e as { cause?: { code?: string } }).cause?.code;
  return code === "23505";
}

function toolView(connectorName: string, t: ToolRow): ConnectorToolView {
  return {
    ref: `${connectorName}.${t.name}`,
    name: t.name,
    title: t.annotations.title ?? null,
    description: t.description,
    inputSchema: t.inputSchema,
    annotations: t.annotations,
    status: t.status,
    policy: effectivePolicy(t.annotations, t.policyOverride),
    policyOverride: t.policyOverride,
    defaultPolicy: defaultPolicy(t.annotations),
    stateChanging: isStateChanging(t.annotations),
    pinned: t.status === "approved" && t.approvedHash === t.definitionHash,
    hash: t.definitionHash,
    firstSeenAt: t.firstSeenAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

function connectorView(row: ConnectorRow, tools: ToolRow[]): ConnectorView {
  let env: SecretMap = {};
  let headers: SecretMap = {};
  let secretsError: string | null = null;
  try {
    env = readSecrets(row.secretEnv);
    headers = readSecrets(row.secretHeaders);
  } catch (e) {
    secretsError = e instanceof Error ? e.message : String(e);
  }
  const toolCounts: Record<ToolStatus, number> = { approved: 0, new: 0, changed: 0, removed: 0 };
  for (const t of tools) toolCounts[t.status]++;
  return {
    id: row.id,
    name: row.name,
    transport: row.transport,
    stdio:
      row.transport === "stdio"
        ? { command: row.config.command ?? "", args: row.config.args ?? [], cwd: row.config.cwd ?? null, env: masked(env) }
        : null,
    http: row.transport === "stdio" ? null : { url: row.config.url ?? "", headers: masked(headers) },
    secretsError,
    enabled: row.enabled,
    timeoutMs: row.timeoutMs,
    serverName: row.serverName,
    serverVersion: row.serverVersion,
    approvedAt: row.approvedAt?.toISOString() ?? null,
    approvedBy: row.approvedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    toolCounts,
  };
}

async function toolsOf(db: Db, connectorId: string): Promise<ToolRow[]> {
  return db.select().from(connectorTool).where(eq(connectorTool.connectorId, connectorId)).orderBy(asc(connectorTool.name));
}

/** Runs a pool operation, turning connector failures into the app's error codes. */
async function viaPool<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isConnectorError(e)) throw toAppError(e);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Connectors

export async function listConnectors(db: Db): Promise<ConnectorView[]> {
  const rows = await db.select().from(connector).orderBy(asc(connector.name));
  const tools = await db.select().from(connectorTool);
  return rows.map((r) =>
    connectorView(
      r,
      tools.filter((t) => t.connectorId === r.id),
    ),
  );
}

export async function getConnector(db: Db, id: string): Promise<ConnectorDetail> {
  const row = await requireConnector(db, id);
  const tools = await toolsOf(db, id);
  return { ...connectorView(row, tools), tools: tools.map((t) => toolView(row.name, t)) };
}

export async function getConnectorByName(db: Db, name: string): Promise<ConnectorDetail | null> {
  const [row] = await db.select({ id: connector.id }).from(connector).where(eq(connector.name, name));
  return row ? getConnector(db, row.id) : null;
}

export async function createConnector(db: Db, raw: CreateConnectorInput): Promise<ConnectorDetail> {
  const parsed = createConnectorInput.safeParse(raw);
  if (!parsed.success) throw invalid("Invalid connector", parsed.error.issues);
  const input = parsed.data;
  await assertNameFree(db, input.name);
  const id = crypto.randomUUID();
  const values =
    input.transport === "stdio" && input.stdio
      ? {
          config: { command: input.stdio.command, args: input.stdio.args, ...(input.stdio.cwd ? { cwd: input.stdio.cwd } : {}) },
          secretEnv: sealSecrets(dropEmpty(input.stdio.env)),
          secretHeaders: null,
        }
      : { config: { url: input.http?.url ?? "" }, secretEnv: null, secretHeaders: sealSecrets(dropEmpty(input.http?.headers ?? {})) };
  try {
    await db.insert(connector).values({ id, name: input.name, transport: input.transport, enabled: input.enabled, timeoutMs: input.timeoutMs, ...values });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("conflict", `A connector named ${input.name} already exists`, [{ path: "name", message: "is already taken" }]);
    throw e;
  }
  return getConnector(db, id);
}

function dropEmpty(map: SecretMap): SecretMap {
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== ""));
}

function applyPatch(current: SecretMap, patch: Record<string, string | null> | undefined): SecretMap {
  const next = { ...current };
  for (const [name, value] of Object.entries(patch ?? {})) {
    if (value === null) continue;
    if (value === "") delete next[name];
    else next[name] = value;
  }
  return next;
}

export async function updateConnector(db: Db, id: string, raw: UpdateConnectorInput, pool: ConnectorPool = connectorPool()): Promise<ConnectorDetail> {
  const parsed = updateConnectorInput.safeParse(raw);
  if (!parsed.success) throw invalid("Invalid connector", parsed.error.issues);
  const input = parsed.data;
  const row = await requireConnector(db, id);
  const transport = input.transport ?? row.transport;
  const sameKind = (transport === "stdio") === (row.transport === "stdio");
  // Secrets that cannot be decrypted (the key changed) can only be replaced, not kept.
  let oldEnv: SecretMap = {};
  let oldHeaders: SecretMap = {};
  try {
    oldEnv = readSecrets(row.secretEnv);
    oldHeaders = readSecrets(row.secretHeaders);
  } catch {
    // start from empty maps
  }

  let config: ConnectorConfig;
  let env: SecretMap = {};
  let headers: SecretMap = {};
  if (transport === "stdio") {
    const prev = sameKind ? row.config : {};
    const cwd = input.stdio?.cwd === null ? undefined : (input.stdio?.cwd ?? prev.cwd);
    config = { command: input.stdio?.command ?? prev.command ?? "", args: input.stdio?.args ?? prev.args ?? [], ...(cwd ? { cwd } : {}) };
    env = applyPatch(sameKind ? oldEnv : {}, input.stdio?.env);
  } else {
    const prev = sameKind ? row.config : {};
    config = { url: input.http?.url ?? prev.url ?? "" };
    headers = applyPatch(sameKind ? oldHeaders : {}, input.http?.headers);
  }

  // The merged result must be a valid connector, with errors named as in a create.
  const merged = createConnectorInput.safeParse({
    name: input.name ?? row.name,
    transport,
    timeoutMs: input.timeoutMs ?? row.timeoutMs,
    ...(transport === "stdio" ? { stdio: { command: config.command, args: config.args, env, cwd: config.cwd } } : { http: { url: config.url, headers } }),
  });
  if (!merged.success) throw invalid("Invalid connector", merged.error.issues);
  const name = merged.data.name;
  if (name !== row.name) await assertNameFree(db, name, id);

  const secretEnv = sameMap(env, oldEnv) && sameKind ? row.secretEnv : sealSecrets(env);
  const secretHeaders = sameMap(headers, oldHeaders) && sameKind ? row.secretHeaders : sealSecrets(headers);
  try {
    await db
      .update(connector)
      .set({ name, transport, config, secretEnv, secretHeaders, timeoutMs: merged.data.timeoutMs, updatedAt: new Date() })
      .where(eq(connector.id, id));
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("conflict", `A connector named ${name} already exists`, [{ path: "name", message: "is already taken" }]);
    throw e;
  }
  // The running client has the old configuration: stop it; the next call starts a fresh one.
  await pool.close(id);
  return getConnector(db, id);
}

export async function deleteConnector(db: Db, id: string, pool: ConnectorPool = connectorPool()): Promise<void> {
  await requireConnector(db, id);
  await db.delete(connector).where(eq(connector.id, id));
  await pool.close(id);
}

export async function setEnabled(db: Db, id: string, enabled: boolean, pool: ConnectorPool = connectorPool()): Promise<ConnectorDetail> {
  await requireConnector(db, id);
  await db.update(connector).set({ enabled, updatedAt: new Date() }).where(eq(connector.id, id));
  if (!enabled) await pool.close(id);
  return getConnector(db, id);
}

type Listing = Awaited<ReturnType<ConnectorPool["listTools"]>>;

/**
 * Checks the stored configuration (connect, list tools, close) and records what it found, as a
 * refresh does: a good test is the moment tools become known for review. A client already running
 * with this configuration answers instead, so a stdio server that owns a data dir is not started
 * twice. A connection problem is `ok: false` with a readable error, never a throw.
 */
export async function testConnection(db: Db, id: string, pool: ConnectorPool = connectorPool()): Promise<TestConnectionResult> {
  const row = await requireConnector(db, id);
  let listed: Listing;
  try {
    listed = pool.has(row) ? await pool.listTools(row) : await pool.probe(row);
  } catch (e) {
    return { ok: false, serverName: null, serverVersion: null, tools: [], error: e instanceof Error ? e.message : String(e) };
  }
  const recorded = await recordListing(db, row, listed);
  const stored = new Map(recorded.tools.map((t) => [t.name, t]));
  const secrets = secretsOf(row);
  return {
    ok: true,
    serverName: recorded.serverName,
    serverVersion: recorded.serverVersion,
    tools: listed.tools.map((live) => {
      const { name, description, inputSchema, annotations, hash } = definitionOf(live, secrets);
      return { name, description, inputSchema, annotations, hash, status: stored.get(name)?.status ?? "new" };
    }),
    recorded: { added: recorded.added, changed: recorded.changed, removed: recorded.removed },
  };
}

/**
 * Reads the server's tools and records what changed. A tool never approved is `new`; one whose
 * definition no longer matches its approved hash is `changed`; neither is offered to Workers until
 * an admin approves it. Tools the server stopped listing are `removed` (their pin is kept, so a
 * tool that comes back unchanged is approved again).
 */
export async function refreshTools(db: Db, id: string, pool: ConnectorPool = connectorPool()): Promise<RefreshResult> {
  const row = await requireConnector(db, id);
  // A disabled connector is only probed: nothing should keep running for it afterwards.
  const listed = await viaPool(() => (row.enabled ? pool.listTools(row) : pool.probe(row)));
  return recordListing(db, row, listed);
}

async function recordListing(db: Db, row: ConnectorRow, listed: Listing): Promise<RefreshResult> {
  const id = row.id;
  const secrets = secretsOf(row);
  const { tools } = listed;
  const mask = (v: string | null) => (v === null ? null : redactText(v, secrets));
  const server = { name: mask(listed.server.name), version: mask(listed.server.version) };
  const existing = new Map((await toolsOf(db, id)).map((t) => [t.name, t]));
  const seen = new Set<string>();
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  const now = new Date();
  await db.transaction(async (tx) => {
    for (const live of tools) {
      // Stored with the connector's secrets masked: what is stored is what models are shown.
      const t = definitionOf(live, secrets);
      if (seen.has(t.name)) continue;
      seen.add(t.name);
      const { description, inputSchema, annotations, hash } = t;
      const prev = existing.get(t.name);
      if (!prev) {
        await tx.insert(connectorTool).values({ connectorId: id, name: t.name, description, inputSchema, annotations, definitionHash: hash, status: "new" });
        added.push(t.name);
        continue;
      }
      const status: ToolStatus = prev.approvedHash === hash ? "approved" : prev.approvedHash ? "changed" : "new";
      if (status === "changed" && prev.status !== "changed") changed.push(t.name);
      if (status === prev.status && hash === prev.definitionHash) continue;
      await tx
        .update(connectorTool)
        .set({ description, inputSchema, annotations, definitionHash: hash, status, updatedAt: now })
        .where(and(eq(connectorTool.connectorId, id), eq(connectorTool.name, t.name)));
    }
    for (const prev of existing.values()) {
      if (seen.has(prev.name) || prev.status === "removed") continue;
      await tx
        .update(connectorTool)
        .set({ status: "removed", updatedAt: now })
        .where(and(eq(connectorTool.connectorId, id), eq(connectorTool.name, prev.name)));
      removed.push(prev.name);
    }
    await tx.update(connector).set({ serverName: server.name, serverVersion: server.version }).where(eq(connector.id, id));
  });
  const rows = await toolsOf(db, id);
  return { serverName: server.name, serverVersion: server.version, added, changed, removed, tools: rows.map((t) => toolView(row.name, t)) };
}

/**
 * Pins the current definitions of the named tools (all listed ones when `names` is omitted): from
 * now on they are offered to Workers for as long as the server keeps them exactly so. For code
 * that approves what it just listed (the demo connectors, tests); an admin's approval goes through
 * `approveSeenTools`, which names the definition too.
 */
export async function approveTools(db: Db, id: string, userId: string | null, names?: string[]): Promise<ApproveResult> {
  await requireConnector(db, id);
  const rows = (await toolsOf(db, id)).filter((t) => t.status !== "removed");
  const byName = new Map(rows.map((t) => [t.name, t]));
  if (names) {
    const problems = names.flatMap((n, i) => (byName.has(n) ? [] : [{ path: `names[${i}]`, message: `no tool ${n} on this connector (refresh the tools first)` }]));
    if (problems.length) throw new AppError("bad_request", `Unknown tools: ${problems.map((p) => p.message).join("; ")}`, problems);
  }
  const targets = names ? names.map((n) => byName.get(n)).filter((t): t is ToolRow => !!t) : rows;
  return pin(db, id, userId, targets.map((t) => ({ name: t.name, hash: t.definitionHash })));
}

/**
 * Pins tools as an admin saw them: each `{ name, hash }` must name a tool the server still lists
 * whose definition hash is still `hash`. Anything else approves nothing: 400 for a malformed or
 * unknown entry, 409 for a tool that changed or went away since it was shown (each problem names
 * its `tools[i].name` or `tools[i].hash`).
 */
export async function approveSeenTools(db: Db, id: string, userId: string | null, raw: unknown): Promise<ApproveResult> {
  const parsed = seenToolsInput.safeParse(raw);
  if (!parsed.success) throw new AppError("bad_request", "Invalid tools to approve", zodProblems(parsed.error.issues, "tools"));
  const seen = parsed.data;
  const row = await requireConnector(db, id);
  const byName = new Map((await toolsOf(db, id)).map((t) => [t.name, t]));
  const unknown: FieldProblem[] = [];
  const stale: FieldProblem[] = [];
  const listed = new Set<string>();
  seen.forEach((t, i) => {
    const current = byName.get(t.name);
    if (listed.has(t.name)) unknown.push({ path: `tools[${i}].name`, message: `${t.name} is listed twice` });
    else if (!current) unknown.push({ path: `tools[${i}].name`, message: `no tool ${t.name} on connector ${row.name} (refresh the tools first)` });
    else if (current.status === "removed") stale.push({ path: `tools[${i}].name`, message: `the server no longer lists ${t.name}` });
    else if (current.definitionHash !== t.hash) {
      stale.push({ path: `tools[${i}].hash`, message: `${t.name} changed since it was shown (its definition hash is now ${current.definitionHash}): review it again` });
    }
    listed.add(t.name);
  });
  if (unknown.length) throw new AppError("bad_request", problemText("Cannot approve", unknown), unknown);
  if (stale.length) throw new AppError("conflict", problemText("Nothing was approved", stale), stale);
  return pin(db, id, userId, seen);
}

function problemText(lead: string, problems: FieldProblem[]): string {
  return `${lead}: ${problems.map((p) => p.message).join("; ")}`;
}

/** Approves exactly these definitions, all or none: a tool that changed meanwhile fails the lot. */
async function pin(db: Db, id: string, userId: string | null, targets: SeenTool[]): Promise<ApproveResult> {
  const now = new Date();
  await db.transaction(async (tx) => {
    for (const [i, t] of targets.entries()) {
      const updated = await tx
        .update(connectorTool)
        .set({ approvedHash: t.hash, status: "approved", updatedAt: now })
        .where(and(eq(connectorTool.connectorId, id), eq(connectorTool.name, t.name), eq(connectorTool.definitionHash, t.hash), ne(connectorTool.status, "removed")))
        .returning({ name: connectorTool.name });
      if (!updated.length) {
        const message = `${t.name} changed while it was being approved: review it again`;
        throw new AppError("conflict", `Nothing was approved: ${message}`, [{ path: `tools[${i}].hash`, message }]);
      }
    }
    await tx.update(connector).set({ approvedAt: now, approvedBy: userId }).where(eq(connector.id, id));
  });
  return { approved: targets.map((t) => t.name), pinned: targets.map(({ name, hash }) => ({ name, hash })), connector: await getConnector(db, id) };
}

/**
 * Sets (or, with null, clears) an admin's policy for one tool. Tightening is always allowed;
 * making a state-changing tool autonomous needs `confirmLoosen` and returns `loosened: true` so
 * the caller writes it to the audit log.
 */
export async function setToolPolicy(
  db: Db,
  id: string,
  toolName: string,
  rawPolicy: ToolPolicy | null,
  opts: { confirmLoosen?: boolean } = {},
): Promise<{ tool: ConnectorToolView; previous: ToolPolicy; loosened: boolean }> {
  const policy = toolPolicyInput.safeParse(rawPolicy);
  if (!policy.success) throw new AppError("bad_request", "Invalid policy", zodProblems(policy.error.issues, "policy"));
  const row = await requireConnector(db, id);
  const [tool] = await db
    .select()
    .from(connectorTool)
    .where(and(eq(connectorTool.connectorId, id), eq(connectorTool.name, toolName)));
  if (!tool) throw new AppError("not_found", `No tool ${toolName} on connector ${row.name}`, [{ path: "tool", message: "unknown tool" }]);
  const previous = effectivePolicy(tool.annotations, tool.policyOverride);
  const next = effectivePolicy(tool.annotations, policy.data);
  const loosened = isStateChanging(tool.annotations) && next === "autonomous" && previous !== "autonomous";
  if (loosened && !opts.confirmLoosen) throw new PolicyLoosenError(`${row.name}.${toolName}`);
  const [updated] = await db
    .update(connectorTool)
    .set({ policyOverride: policy.data, updatedAt: new Date() })
    .where(and(eq(connectorTool.connectorId, id), eq(connectorTool.name, toolName)))
    .returning();
  return { tool: toolView(row.name, updated ?? tool), previous, loosened };
}

/** Every pinned tool, for the editor's tool picker and the validator's "unknown tool" check. */
export async function listToolsForBuilder(db: Db): Promise<BuilderTool[]> {
  const rows = await db
    .select({ c: connector, t: connectorTool })
    .from(connectorTool)
    .innerJoin(connector, eq(connector.id, connectorTool.connectorId))
    .where(and(eq(connectorTool.status, "approved"), eq(connectorTool.definitionHash, sql`${connectorTool.approvedHash}`)))
    .orderBy(asc(connector.name), asc(connectorTool.name));
  return rows.map(({ c, t }) => ({
    ref: `${c.name}.${t.name}`,
    connector: c.name,
    connectorEnabled: c.enabled,
    name: t.name,
    title: t.annotations.title ?? null,
    description: t.description,
    inputSchema: t.inputSchema,
    annotations: t.annotations,
    policy: effectivePolicy(t.annotations, t.policyOverride),
    stateChanging: isStateChanging(t.annotations),
  }));
}
