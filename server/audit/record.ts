import "server-only";
import { is, sql, type SQL } from "drizzle-orm";
import { PgliteDatabase, PgliteTransaction } from "drizzle-orm/pglite";
import { z } from "zod";
import { describeProblems, zodProblems } from "@/lib/errors";
import type { Database, DbOrTx } from "@/server/db/database";
import type { AuditRow } from "@/server/db/schema";
import canonicalize from "canonicalize";

/** Who did it. `label` is looked up (the user's email) when only `id` is given. */
export interface AuditActor {
  id: string | null;
  label?: string;
  /** The API key the act was done with (see requestActor): recorded as `data.apiKeyId`. */
  apiKeyId?: string;
}

export const SYSTEM_ACTOR: AuditActor = { id: null, label: "system" };

export interface AuditEntry {
  /** A dotted verb: `noun.verb_in_past_tense`, e.g. `connector.policy_loosened`. */
  action: string;
  /** Defaults to the system (the engine, a sweeper, a timeout). */
  actor?: AuditActor | null;
  targetType?: string | null;
  targetId?: string | null;
  /** Set for anything that happened in or to a run, so the run's audit record is one query. */
  runId?: string | null;
  /** Before/after values and whatever else explains the act. Must be JSON. */
  data?: Record<string, unknown>;
}

const entrySchema = z.object({
  action: z
    .string()
    .max(100, "must be at most 100 characters")
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "must be a dotted lowercase verb like user.roles_changed"),
  actor: z
    .object({ id: z.string().min(1).nullable(), label: z.string().min(1).max(300).optional(), apiKeyId: z.string().min(1).max(100).optional() })
    .nullish(),
  targetType: z.string().max(100).nullish(),
  targetId: z.string().max(300).nullish(),
  runId: z.string().max(300).nullish(),
  data: z.record(z.string(), z.unknown()).optional(),
});

function isDatabase(x: Database | DbOrTx): x is Database {
  return typeof (x as Database).rows === "function" && "driver" in x;
}

/** Rows from a raw `execute`: PGlite answers `{ rows }`, postgres-js an array. */
function resultRows<T>(res: unknown): T[] {
  return Array.isArray(res) ? (res as T[]) : ((res as { rows: T[] }).rows ?? []);
}

/**
 * Appends one entry to the audit log, hash-chained to the latest one, in one statement.
 *
 * Pass the transaction you are in (as `into` or `on`) so the entry commits or rolls back with the
 * act it records. Writers are serialised by the chain's head row (audit_head), which an append
 * updates: its lock is held until the enclosing transaction ends, so record last and keep that
 * transaction short. Do not call it inside a REPEATABLE READ or SERIALIZABLE transaction: a writer
 * there that waited for the head fails instead of chaining to it. To append in the very statement
 * that does the act, use auditCtes().
 */
export async function recordAudit(into: Database | DbOrTx, entry: AuditEntry, on?: DbOrTx): Promise<AuditRow> {
  const handle = on ?? (isDatabase(into) ? into.db : into);
  const append = auditCtes(entry);
  const [row] = resultRows<AppendedRow>(await handle.execute(sql`with ${append.ctes} select ${append.columns}`));
  const appended = append.row(row);
  if (!appended) throw new Error("audit: the append wrote no entry");
  return appended;
}

/** What an append's statement returns about the entry (auditCtes' columns). */
type AppendedRow = {
  audit_id: string | number | null;
  audit_actor_label: string | null;
  audit_prev_hash: string | null;
  audit_hash: string | null;
};

export interface AuditAppend {
  /** CTEs to put in the act's own WITH (named audit_actor, audit_head_upd and audit_ins). */
  readonly ctes: SQL;
  /** Select-list columns that tell what was appended; read them back with row(). */
  readonly columns: SQL;
  /** The appended entry from the statement's row, or null when `when` was false. */
  row(result: Record<string, unknown> | undefined): AuditRow | null;
}

/**
 * An append as CTEs for the statement that does the act, so the act and its record are one
 * statement (no transaction, no extra round trips). `when`, a boolean SQL expression over the
 * statement's other CTEs, appends only if the act happened (`exists (select 1 from upd)`).
 *
 * The entry's hash is computed by the database from the head it updates: JS writes the canonical
 * JSON (RFC 8785, as auditHash hashes it) around the two parts only the statement knows, the id
 * and the actor's label (looked up when only the actor's id is given), and the statement hashes
 * prev_hash + that text. The data is normalised through JSON first, so what the hash covers is
 * exactly what jsonb stores and verifyAuditChain reads back.
 */
export function auditCtes(entry: AuditEntry, when?: SQL): AuditAppend {
  const e = parseEntry(entry);
  const actorId = e.actor?.id ?? null;
  const knownLabel = e.actor?.label ?? (actorId ? null : "system");
  const at = new Date();
  const data = JSON.parse(JSON.stringify(e.data ?? {})) as Record<string, unknown>;
  // Canonical JSON sorts keys: action, actorId, actorLabel, at, data, id, runId, targetId, targetType.
  const head = canonicalize({ action: e.action, actorId });
  const middle = canonicalize({ at: at.toISOString(), data });
  const tail = canonicalize({ runId: e.runId ?? null, targetId: e.targetId ?? null, targetType: e.targetType ?? null });
  if (!head || !middle || !tail) throw new Error("audit: the entry serialised to nothing");
  const beforeLabel = `${head.slice(0, -1)},"actorLabel":`;
  const beforeId = `,${middle.slice(1, -1)},"id":`;
  const afterId = `,${tail.slice(1)}`;
  const ctes = sql`audit_actor as (
        select coalesce(${knownLabel}::text, (select email from "user" where id = ${actorId}), ${`user ${actorId}`}::text) as label),
      audit_head_upd as (
        update audit_head h set id = h.id + 1, prev_hash = h.hash,
          hash = encode(sha256(convert_to(h.hash || ${beforeLabel}::text || (select to_json(label)::text from audit_actor) || ${beforeId}::text || (h.id + 1)::text || ${afterId}::text, 'UTF8')), 'hex')
        where h.one${when ? sql` and (${when})` : sql``}
        returning h.id, h.prev_hash, h.hash),
      audit_ins as (
        insert into audit_log (id, at, actor_id, actor_label, action, target_type, target_id, run_id, data, prev_hash, hash)
        select u.id, ${at.toISOString()}::timestamptz, ${actorId}, a.label, ${e.action}, ${e.targetType ?? null}, ${e.targetId ?? null}, ${e.runId ?? null},
               ${JSON.stringify(data)}::jsonb, u.prev_hash, u.hash
        from audit_head_upd u, audit_actor a
        returning id, actor_label, prev_hash, hash)`;
  const columns = sql`(select id::text from audit_ins) as audit_id, (select actor_label from audit_ins) as audit_actor_label,
        (select prev_hash from audit_ins) as audit_prev_hash, (select hash from audit_ins) as audit_hash`;
  return {
    ctes,
    columns,
    row(result) {
      const r = result as AppendedRow | undefined;
      if (!r || r.audit_id === null || r.audit_id === undefined || !r.audit_hash || !r.audit_prev_hash || !r.audit_actor_label) return null;
      return {
        id: Number(r.audit_id),
        at,
        actorId,
        actorLabel: r.audit_actor_label,
        action: e.action,
        targetType: e.targetType ?? null,
        targetId: e.targetId ?? null,
        runId: e.runId ?? null,
        data,
        prevHash: r.audit_prev_hash,
        hash: r.audit_hash,
      };
    },
  };
}

function parseEntry(entry: AuditEntry) {
  const parsed = entrySchema.safeParse(entry);
  if (!parsed.success) throw new Error(`Invalid audit entry: ${describeProblems(zodProblems(parsed.error.issues))}`);
  const keyId = parsed.data.actor?.apiKeyId;
  return keyId ? { ...parsed.data, data: { ...parsed.data.data, apiKeyId: keyId } } : parsed.data;
}

/**
 * Takes the audit writers' lock (the chain's head row) until the transaction ends: appends, and
 * checks made under it, are serialised. PGlite has one connection, and a transaction holds it to
 * the end, so writers are serialised already there and the lock would only cost a statement.
 */
export async function lockAuditWriters(tx: DbOrTx): Promise<void> {
  if (is(tx, PgliteTransaction) || is(tx, PgliteDatabase)) return;
  await tx.execute(sql`select 1 from audit_head where one for update`);
}

/** The actor for a signed-in user; a user resolved from an API key is that key of theirs (requestActor). */
export function userActor(user: { id: string; email: string; apiKey?: { id: string; prefix: string } }): AuditActor {
  if (user.apiKey) return requestActor(user);
  return { id: user.id, label: user.email };
}

/**
 * The actor behind a request: a session is the user's email; an API key is named by its prefix
 * and owner, `api key stw_AbCdEf of dana@example.com`, with the key's id (`data.apiKeyId`). The key
 * comes from `user.apiKey` (set by resolveCaller); `headers` only label a user object that lacks it.
 */
export function requestActor(user: { id: string; email: string; apiKey?: { id: string; prefix: string } }, headers?: Headers): AuditActor {
  if (user.apiKey) return { id: user.id, label: `api key ${user.apiKey.prefix} of ${user.email}`, apiKeyId: user.apiKey.id };
  const authz = headers?.get("authorization");
  if (authz?.toLowerCase().startsWith("bearer ")) {
    return { id: user.id, label: `api key ${authz.slice(7).trim().slice(0, 10)} of ${user.email}` };
  }
  return { id: user.id, label: user.email };
}
