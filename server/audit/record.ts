import "server-only";
import { is, sql, type SQL } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { PgliteDatabase, PgliteTransaction } from "drizzle-orm/pglite";
import { z } from "zod";
import { describeProblems, zodProblems } from "@/lib/errors";
import type { Database, DbOrTx } from "@/server/db/database";
import { auditLog, type AuditRow } from "@/server/db/schema";
import { GENESIS_HASH, auditHash } from "./hash";

/** Who did it. `label` is looked up (the user's email) when only `id` is given. */
export interface AuditActor {
  id: string | null;
  label?: string;
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
    .object({ id: z.string().min(1).nullable(), label: z.string().min(1).max(300).optional() })
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
 * Appends one entry to the audit log, hash-chained to the latest one.
 *
 * Pass the transaction you are in (as `into` or `on`) so the entry commits or rolls back with the
 * act it records. Writers are serialised by a transaction-scoped advisory lock, so concurrent
 * writers never fork the chain; the lock is held until the enclosing transaction ends, so record
 * last and keep that transaction short. Do not call it inside a REPEATABLE READ or SERIALIZABLE
 * transaction: its snapshot could miss the latest entry.
 */
export async function recordAudit(into: Database | DbOrTx, entry: AuditEntry, on?: DbOrTx, ahead?: AuditAhead): Promise<AuditRow> {
  const e = parseEntry(entry);
  const actorId = e.actor?.id ?? null;
  const knownLabel = e.actor?.label ?? (actorId ? null : "system");
  const handle = on ?? (isDatabase(into) ? into.db : into);
  // Already in a transaction: append in it (a savepoint would only cost two more statements).
  const inTransaction = (body: (tx: DbOrTx) => Promise<AuditRow>) => (is(handle, PgTransaction) ? body(handle) : handle.transaction(body));

  return inTransaction(async (tx) => {
    let prep = ahead?.prepared;
    if (!prep) {
      if (!ahead?.locked) await lockAuditWriters(tx);
      [prep] = resultRows<AuditPrep>(await tx.execute(sql`select ${prepColumns(e)}`));
    }
    if (!prep) throw new Error("audit: preparing the entry returned no row");
    const data = (typeof prep.audit_data === "string" ? JSON.parse(prep.audit_data) : prep.audit_data) as Record<string, unknown>;
    const row = {
      id: Number(prep.audit_id),
      at: new Date(),
      actorId,
      actorLabel: knownLabel ?? prep.audit_email ?? `user ${actorId}`,
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      runId: e.runId ?? null,
      data,
      prevHash: prep.audit_prev_hash ?? GENESIS_HASH,
    };
    const hash = auditHash(row.prevHash, { ...row, at: row.at.toISOString() });
    await tx.insert(auditLog).values({ ...row, hash });
    return { ...row, hash };
  });
}

function parseEntry(entry: AuditEntry) {
  const parsed = entrySchema.safeParse(entry);
  if (!parsed.success) throw new Error(`Invalid audit entry: ${describeProblems(zodProblems(parsed.error.issues))}`);
  return parsed.data;
}

/** What an entry needs from the database: its id, its data as jsonb stores it (that is hashed), the chain's head, the actor's email. */
interface AuditPrep {
  audit_id: string;
  audit_data: unknown;
  audit_prev_hash: string | null;
  audit_email: string | null;
}

function prepColumns(e: ReturnType<typeof parseEntry>): SQL {
  return sql`nextval(pg_get_serial_sequence('audit_log', 'id'))::text as audit_id,
             ${JSON.stringify(e.data ?? {})}::jsonb as audit_data,
             (select hash from audit_log order by id desc limit 1) as audit_prev_hash,
             (select email from "user" where id = ${e.actor?.id ?? null}) as audit_email`;
}

/** What a statement run just before recordAudit, in the same transaction, did for it (see auditAhead). */
export interface AuditAhead {
  locked?: boolean;
  prepared?: AuditPrep;
}

/**
 * Select-list columns that let the statement before an append, in the same transaction, do part
 * of the append's work, saving a statement: on PGlite (one connection, so no lock) they prepare
 * the entry; on PostgreSQL they take the writers' lock (preparing must come after it, in a later
 * statement's snapshot). Read them back with aheadOf().
 */
export function auditAhead(database: Database, entry: AuditEntry): SQL {
  if (database.driver === "pglite") return sql`${prepColumns(parseEntry(entry))}, true as audit_ahead`;
  return sql`(select true from (select pg_advisory_xact_lock(hashtext('steward.audit_log'))) l) as audit_ahead`;
}

/** What auditAhead's columns did, from the statement's row. */
export function aheadOf(row: Record<string, unknown> | undefined): AuditAhead {
  if (!row?.audit_ahead) return {};
  if (row.audit_id === undefined) return { locked: true };
  return { locked: true, prepared: row as unknown as AuditPrep };
}

/**
 * Takes the audit writers' transaction-scoped lock: appends (and checks made under it) are
 * serialised. PGlite has one connection, and a transaction holds it to the end, so writers are
 * serialised already there and the lock would only cost a statement.
 */
export async function lockAuditWriters(tx: DbOrTx): Promise<void> {
  if (is(tx, PgliteTransaction) || is(tx, PgliteDatabase)) return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('steward.audit_log'))`);
}

/** The actor for a signed-in user. */
export function userActor(user: { id: string; email: string }): AuditActor {
  return { id: user.id, label: user.email };
}

/** The actor behind a request: an API key is named by its prefix, a session by the user's email. */
export function requestActor(user: { id: string; email: string }, headers: Headers): AuditActor {
  const authz = headers.get("authorization");
  if (authz?.toLowerCase().startsWith("bearer ")) {
    return { id: user.id, label: `api key ${authz.slice(7).trim().slice(0, 10)} (${user.email})` };
  }
  return userActor(user);
}
