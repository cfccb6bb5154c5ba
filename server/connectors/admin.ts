import "server-only";
import { and, desc, eq, inArray } from "drizzle-orm";
import { AppError, isAppError } from "@/lib/errors";
import { recordAudit, type AuditActor } from "@/server/audit/record";
import type { Database } from "@/server/db/database";
import { auditLog, connectorTool } from "@/server/db/schema";
import { effectivePolicy, isStateChanging } from "./policy";
import { connectorSecretValues, redactDeep, redactText } from "./secret-scrub";
import type { ToolAnnotations, ToolPolicy } from "./tool-port";
import {
  approveSeenTools,
  approveTools,
  createConnector,
  deleteConnector,
  getConnector,
  listConnectors,
  listToolsForBuilder,
  refreshTools,
  setEnabled,
  setToolPolicy,
  testConnection,
  updateConnector,
  type BuilderTool,
  type ConnectorDetail,
  type ConnectorView,
  type CreateConnectorInput,
  type RefreshResult,
  type TestConnectionResult,
  type UpdateConnectorInput,
} from "./service";

// Connector administration as tRPC and REST both serve it: views scrubbed of the connectors'
// secrets, the tools awaiting review, and the audited commands. Moved here from
// server/api/routers/connectors.ts, which is now thin over it.

// ---------------------------------------------------------------------------------------------
// Secret scrubbing
//
// Views never carry secrets, but a server's own words can: a stdio server that prints its env to
// stderr (which ends up in the connection error), or an HTTP server that echoes a header back.
// Everything server-sourced is scrubbed of the connector's secret values before it leaves.

/** Runs `fn`; its result and any error it throws are scrubbed of the connectors' secrets. */
export async function scrubbed<T>(database: Database, ids: string[] | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    const result = await fn();
    return redactDeep(result, await connectorSecretValues(database, ids));
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const secrets = await connectorSecretValues(database, ids);
    if (!secrets.length) throw e;
    if (isAppError(e)) throw new AppError(e.code, redactText(e.message, secrets), redactDeep(e.problems, secrets));
    throw new Error(redactText(e.message, secrets));
  }
}

// ---------------------------------------------------------------------------------------------
// Review: what changed in a tool since it was approved

export interface ToolDefinitionView {
  description: string;
  inputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
}

export interface ToolReview {
  name: string;
  status: "new" | "changed";
  /** The current definition's hash: approving names it, so a later change is not approved unseen. */
  hash: string;
  /** The policy it would run under once approved, and whether it changes state (by its annotations). */
  policy: ToolPolicy;
  stateChanging: boolean;
  current: ToolDefinitionView;
  /** The definition an admin approved last; null for a new tool or an approval made before definitions were recorded. */
  approved: ToolDefinitionView | null;
}

/** What `connector.tools_approved` audit entries carry for each tool: enough to show a later change as a diff. */
interface ApprovedToolRecord extends ToolDefinitionView {
  name: string;
  hash: string;
}

export interface ConnectorPage extends ConnectorDetail {
  reviews: ToolReview[];
}

async function reviewsOf(database: Database, id: string): Promise<ToolReview[]> {
  const rows = await database.db
    .select()
    .from(connectorTool)
    .where(and(eq(connectorTool.connectorId, id), inArray(connectorTool.status, ["new", "changed"])))
    .orderBy(connectorTool.name);
  if (!rows.length) return [];
  const approvals = rows.some((r) => r.status === "changed")
    ? await database.db
        .select({ data: auditLog.data })
        .from(auditLog)
        .where(and(eq(auditLog.action, "connector.tools_approved"), eq(auditLog.targetType, "connector"), eq(auditLog.targetId, id)))
        .orderBy(desc(auditLog.id))
        .limit(200)
    : [];
  const recorded = approvals.flatMap((a) => (Array.isArray(a.data.tools) ? (a.data.tools as ApprovedToolRecord[]) : []));
  return rows.map((r) => {
    const pinned = r.status === "changed" ? recorded.find((t) => t.name === r.name && t.hash === r.approvedHash) : undefined;
    return {
      name: r.name,
      status: r.status as "new" | "changed",
      hash: r.definitionHash,
      policy: effectivePolicy(r.annotations, r.policyOverride),
      stateChanging: isStateChanging(r.annotations),
      current: { description: r.description, inputSchema: r.inputSchema, annotations: r.annotations },
      approved: pinned ? { description: pinned.description, inputSchema: pinned.inputSchema, annotations: pinned.annotations } : null,
    };
  });
}

/** Every connector; server names and versions come from the servers, so they are scrubbed too. */
export function listConnectorsScrubbed(database: Database): Promise<ConnectorView[]> {
  return scrubbed(database, undefined, () => listConnectors(database.db));
}

export async function connectorPage(database: Database, id: string): Promise<ConnectorPage> {
  return scrubbed(database, [id], async () => ({ ...(await getConnector(database.db, id)), reviews: await reviewsOf(database, id) }));
}

// ---------------------------------------------------------------------------------------------
// Audited operations (shared by tRPC and REST)

function configSummary(v: ConnectorView) {
  return v.stdio
    ? { transport: v.transport, command: v.stdio.command, args: v.stdio.args, cwd: v.stdio.cwd, env: v.stdio.env.map((e) => e.name), timeoutMs: v.timeoutMs }
    : { transport: v.transport, url: v.http?.url ?? "", headers: v.http?.headers.map((h) => h.name) ?? [], timeoutMs: v.timeoutMs };
}

export async function createConnectorAudited(database: Database, input: CreateConnectorInput, actor: AuditActor): Promise<ConnectorDetail> {
  const created = await createConnector(database.db, input);
  await recordAudit(database, {
    action: "connector.created",
    actor,
    targetType: "connector",
    targetId: created.id,
    data: { name: created.name, enabled: created.enabled, ...configSummary(created) },
  });
  return created;
}

/** Names of secrets an edit added, replaced or removed: never their values. */
function secretChanges(before: { name: string }[], patch: Record<string, string | null> | undefined) {
  const had = new Set(before.map((e) => e.name));
  const out = { added: [] as string[], replaced: [] as string[], removed: [] as string[] };
  for (const [name, value] of Object.entries(patch ?? {})) {
    if (value === null) continue;
    if (value === "") {
      if (had.has(name)) out.removed.push(name);
    } else (had.has(name) ? out.replaced : out.added).push(name);
  }
  return out;
}

export async function updateConnectorAudited(database: Database, id: string, patch: UpdateConnectorInput, actor: AuditActor): Promise<ConnectorDetail> {
  const before = await getConnector(database.db, id);
  const after = await updateConnector(database.db, id, patch);
  const b = configSummary(before);
  const a = configSummary(after);
  const changed = Object.fromEntries(
    (Object.keys({ ...b, ...a }) as (keyof typeof a & keyof typeof b)[])
      .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
      .map((k) => [k, { from: b[k] ?? null, to: a[k] ?? null }]),
  );
  await recordAudit(database, {
    action: "connector.updated",
    actor,
    targetType: "connector",
    targetId: id,
    data: {
      name: after.name,
      ...(before.name !== after.name ? { renamedFrom: before.name } : {}),
      changed,
      env: secretChanges(before.stdio?.env ?? [], patch.stdio?.env),
      headers: secretChanges(before.http?.headers ?? [], patch.http?.headers),
    },
  });
  return after;
}

export async function setEnabledAudited(database: Database, id: string, enabled: boolean, actor: AuditActor): Promise<ConnectorDetail> {
  const before = await getConnector(database.db, id);
  const after = await setEnabled(database.db, id, enabled);
  if (before.enabled !== after.enabled) {
    await recordAudit(database, {
      action: after.enabled ? "connector.enabled" : "connector.disabled",
      actor,
      targetType: "connector",
      targetId: id,
      data: { name: after.name },
    });
  }
  return after;
}

export async function setPolicyAudited(database: Database, input: { id: string; tool: string; policy: ToolPolicy | null; confirmLoosen?: boolean }, actor: AuditActor) {
  const res = await setToolPolicy(database.db, input.id, input.tool, input.policy, { confirmLoosen: input.confirmLoosen });
  if (res.loosened || res.previous !== res.tool.policy) {
    await recordAudit(database, {
      action: res.loosened ? "connector.policy_loosened" : "connector.policy_changed",
      actor,
      targetType: "connector",
      targetId: input.id,
      data: {
        tool: res.tool.ref,
        from: res.previous,
        to: res.tool.policy,
        override: res.tool.policyOverride,
        stateChanging: res.tool.stateChanging,
        ...(res.loosened ? { confirmed: true } : {}),
      },
    });
  }
  return res;
}

/** What a test or a refresh recorded, audited when the server's tools changed. */
async function auditRecorded(
  database: Database,
  id: string,
  actor: AuditActor,
  via: "test" | "refresh",
  res: { serverName: string | null; serverVersion: string | null; added: string[]; changed: string[]; removed: string[] },
): Promise<void> {
  if (!res.added.length && !res.changed.length && !res.removed.length) return;
  const name = (await getConnector(database.db, id)).name;
  await recordAudit(database, {
    action: "connector.tools_refreshed",
    actor,
    targetType: "connector",
    targetId: id,
    data: { name, via, serverName: res.serverName, serverVersion: res.serverVersion, added: res.added, changed: res.changed, removed: res.removed },
  });
}

/**
 * Tests the stored configuration and records the tools it found for review (what settings show
 * after a test); whatever the server said is scrubbed of its secrets.
 */
export async function testConnectorAudited(database: Database, id: string, actor: AuditActor): Promise<TestConnectionResult> {
  const res = await scrubbed(database, [id], () => testConnection(database.db, id));
  if (res.recorded) await auditRecorded(database, id, actor, "test", { serverName: res.serverName, serverVersion: res.serverVersion, ...res.recorded });
  return res;
}

/** Reads the server's tools and records new, changed and removed ones for review. */
export async function refreshAudited(database: Database, id: string, actor: AuditActor): Promise<RefreshResult> {
  const res = await scrubbed(database, [id], () => refreshTools(database.db, id));
  await auditRecorded(database, id, actor, "refresh", res);
  return res;
}

/**
 * Which tools to approve: as seen (`tools`: names and hashes, validated here, so a missing list is
 * an error and never "all"), or by name with their current definitions (`names`; none: all listed).
 */
export type ApprovalSelection = { seen: unknown } | { names: string[] | undefined };

/** Approves tools and audits each approved definition, for later diffs. */
export async function approveAudited(database: Database, id: string, selection: ApprovalSelection, actor: AuditActor) {
  // Read the definitions first: the audit entry keeps what was approved, for later diffs.
  const rows = await database.db.select().from(connectorTool).where(eq(connectorTool.connectorId, id));
  const result = "seen" in selection ? await approveSeenTools(database.db, id, actor.id, selection.seen) : await approveTools(database.db, id, actor.id, selection.names);
  const byName = new Map(rows.map((r) => [r.name, r]));
  const tools: (ApprovedToolRecord | { name: string; hash: string })[] = result.pinned.map(({ name, hash }) => {
    const r = byName.get(name);
    // A definition that changed between the read and the pin is named by its hash alone.
    return r && r.definitionHash === hash ? { name, hash, description: r.description, inputSchema: r.inputSchema, annotations: r.annotations } : { name, hash };
  });
  if (tools.length) {
    await recordAudit(database, {
      action: "connector.tools_approved",
      actor,
      targetType: "connector",
      targetId: id,
      data: { name: result.connector.name, tools },
    });
  }
  return { approved: result.approved, connector: await connectorPage(database, id) };
}

export async function deleteConnectorAudited(database: Database, id: string, actor: AuditActor): Promise<{ id: string }> {
  const before = await getConnector(database.db, id);
  await deleteConnector(database.db, id);
  await recordAudit(database, {
    action: "connector.deleted",
    actor,
    targetType: "connector",
    targetId: id,
    data: { name: before.name, ...configSummary(before) },
  });
  return { id };
}

// ---------------------------------------------------------------------------------------------
// The editor's tool picker

/** A tool as the editor's picker needs it; `readOnly` is what its MCP annotations declare. */
export interface BuilderToolView extends BuilderTool {
  readOnly: boolean;
}

/** Pinned tools for the editor's tool picker, scrubbed of the connectors' secrets. */
export function toolsForBuilderScrubbed(database: Database): Promise<BuilderToolView[]> {
  return scrubbed(database, undefined, async () => (await listToolsForBuilder(database.db)).map((t) => ({ ...t, readOnly: !t.stateChanging })));
}
