import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Database } from "@/server/db/database";
import { connector, connectorTool } from "@/server/db/schema";
import { ConnectorError } from "./errors";
import { definitionOf, effectivePolicy } from "./policy";
import { connectorPool, type ConnectorPool } from "./pool";
import { redactDeepExcept, redactText, secretValuesOf } from "./secret-scrub";
import type { ToolCallOptions, ToolCallResult, ToolInfo, ToolPort } from "./tool-port";

/** `commerce.get_order` → connector `commerce`, tool `get_order` (tool names may contain dots). */
export function parseToolRef(ref: string): { connector: string; tool: string } | null {
  const dot = ref.indexOf(".");
  if (dot <= 0 || dot === ref.length - 1) return null;
  return { connector: ref.slice(0, dot), tool: ref.slice(dot + 1) };
}

/** The value a text answer carries: its JSON when it is JSON, else the text itself (docs/mission-format.md, action). */
function valueOfText(text: string): unknown {
  const t = text.trim();
  if (!t) return text;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return text;
  }
}

/** An MCP tools/call result in the shape Workers and Observations use. */
export function toToolCallResult(res: CallToolResult): ToolCallResult {
  const text = res.content
    .filter((c): c is Extract<typeof c, { type: "text" }> => c.type === "text")
    .map((c) => c.text)
    .join("\n");
  return {
    isError: res.isError === true,
    text,
    value: res.structuredContent ?? valueOfText(text),
    raw: res,
  };
}

async function isSimulatedRun(database: Database, runId: string): Promise<boolean> {
  const [row] = await database.rows<{ simulated: boolean }>(sql`select simulation is not null as simulated from run where id = ${runId}`);
  return row?.simulated === true;
}

type ConnectorRow = typeof connector.$inferSelect;
type ToolRow = typeof connectorTool.$inferSelect;

/**
 * The connector and tool behind `ref` when an admin lets it be called as approved, or the
 * ConnectorError that says why not: the same reasons for a call and for a person asking why a
 * tool is not offered.
 */
async function callable(db: Database["db"], ref: string): Promise<{ c: ConnectorRow; t: ToolRow } | ConnectorError> {
  const parsed = parseToolRef(ref);
  if (!parsed) return new ConnectorError("not_found", `${ref} is not a tool reference (expected <connector>.<tool>)`);
  const [c] = await db.select().from(connector).where(eq(connector.name, parsed.connector));
  if (!c) return new ConnectorError("not_found", `No connector named ${parsed.connector}`, parsed.connector, parsed.tool);
  if (!c.enabled) return new ConnectorError("disabled", `Connector ${c.name} is disabled`, c.name, parsed.tool);
  const [t] = await db
    .select()
    .from(connectorTool)
    .where(and(eq(connectorTool.connectorId, c.id), eq(connectorTool.name, parsed.tool)));
  if (!t) return new ConnectorError("not_found", `Connector ${c.name} has no tool ${parsed.tool}`, c.name, parsed.tool);
  if (effectivePolicy(t.annotations, t.policyOverride) === "disallowed") {
    return new ConnectorError("tool_not_allowed", `${ref} is disallowed by an admin`, c.name, t.name);
  }
  if (t.status === "removed") {
    return new ConnectorError("not_found", `${ref} is no longer offered by the server (removed at the last refresh)`, c.name, t.name);
  }
  if (t.status === "new" || !t.approvedHash) return new ConnectorError("tool_unreviewed", `${ref} is new and has not been approved by an admin`, c.name, t.name);
  if (t.status !== "approved" || t.definitionHash !== t.approvedHash) return changedError(ref, c.name, t.name);
  return { c, t };
}

function changedError(ref: string, connectorName: string, tool: string): ConnectorError {
  return new ConnectorError("tool_unreviewed", `${ref} changed on the server since it was approved; an admin must review it`, connectorName, tool);
}

/**
 * The engine's and Workers' view of the connectors: only tools an admin approved, as approved.
 * Every call re-checks the running server's definition against the pin, so a server that changes
 * a tool after approval is stopped at the next call, not only at the next refresh.
 */
export function createToolPort(database: Database, pool: ConnectorPool = connectorPool()): ToolPort {
  const db = database.db;

  return {
    async listTools(refs?: string[]): Promise<ToolInfo[]> {
      const rows = await db
        .select({ c: connector, t: connectorTool })
        .from(connectorTool)
        .innerJoin(connector, eq(connector.id, connectorTool.connectorId))
        .where(and(eq(connector.enabled, true), eq(connectorTool.status, "approved"), eq(connectorTool.definitionHash, sql`${connectorTool.approvedHash}`)))
        .orderBy(asc(connector.name), asc(connectorTool.name));
      const wanted = refs ? new Set(refs) : null;
      const out: ToolInfo[] = [];
      const secretsByConnector = new Map<string, string[]>();
      for (const { c, t } of rows) {
        const ref = `${c.name}.${t.name}`;
        const policy = effectivePolicy(t.annotations, t.policyOverride);
        if (policy === "disallowed" || (wanted && !wanted.has(ref))) continue;
        let secrets = secretsByConnector.get(c.id);
        if (!secrets) secretsByConnector.set(c.id, (secrets = secretValuesOf([{ env: c.secretEnv, headers: c.secretHeaders }])));
        // Stored definitions are masked already (refreshTools); masked again here for rows stored
        // before they were, since this is what Workers show their model.
        out.push({
          ref,
          connector: c.name,
          name: t.name,
          description: redactText(t.description, secrets),
          inputSchema: redactDeepExcept(t.inputSchema, secrets),
          annotations: redactDeepExcept(t.annotations, secrets),
          policy,
        });
      }
      return out;
    },

    async callTool(ref: string, args: Record<string, unknown>, opts: ToolCallOptions = {}): Promise<ToolCallResult> {
      const found = await callable(db, ref);
      if (found instanceof ConnectorError) throw found;
      const { c, t } = found;
      if (opts.runId && effectivePolicy(t.annotations, t.policyOverride) !== "autonomous" && (await isSimulatedRun(database, opts.runId))) {
        // The last line of a simulation's promise: whatever asks (an action, a Worker), a simulated
        // run's state-changing call never leaves Steward. The engine answers it from the test case first.
        throw new ConnectorError("tool_not_allowed", `${ref} changes state and the run is a simulation: it is never called`, c.name, t.name);
      }

      const secrets = secretValuesOf([{ env: c.secretEnv, headers: c.secretHeaders }]);
      // A gated call changes something: the server's definition is listed again right before it,
      // so a change made on a live connection without a list_changed notification is caught.
      const recheck = opts.recheck === true || effectivePolicy(t.annotations, t.policyOverride) === "gated";
      const live = await pool.liveTool(c, t.name, opts.signal, { fresh: recheck });
      const now = new Date();
      const where = and(eq(connectorTool.connectorId, c.id), eq(connectorTool.name, t.name));
      if (!live) {
        await db.update(connectorTool).set({ status: "removed", updatedAt: now }).where(where);
        throw new ConnectorError("not_found", `${ref} is no longer offered by the server`, c.name, t.name);
      }
      const def = definitionOf(live, secrets);
      if (def.hash !== t.approvedHash) {
        // Record what the server now says, so the admin can review the change in settings.
        await db
          .update(connectorTool)
          .set({ description: def.description, inputSchema: def.inputSchema, annotations: def.annotations, definitionHash: def.hash, status: "changed", updatedAt: now })
          .where(where);
        throw changedError(ref, c.name, t.name);
      }

      try {
        const res = await pool.callTool(c, t.name, args, { idempotencyKey: opts.idempotencyKey, runId: opts.runId, signal: opts.signal });
        return redactDeepExcept(toToolCallResult(res), secrets);
      } catch (e) {
        if (e instanceof ConnectorError && secrets.length) throw new ConnectorError(e.code, redactText(e.message, secrets), e.connector, e.tool);
        throw e;
      }
    },

    async unavailableReason(ref: string): Promise<string | null> {
      const found = await callable(db, ref);
      return found instanceof ConnectorError ? found.message : null;
    },
  };
}
