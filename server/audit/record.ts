import "server-only";
import { is, sql } from "drizzle-orm";
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
export async function recordAudit(into: Database | DbOrTx, entry: AuditEntry, on?: DbOrTx): Promise<AuditRow> {
  const parsed = entrySchema.safeParse(entry);
  if (!parsed.success) throw new Error(`Invalid audit entry: ${describeProblems(zodProblems(parsed.error.issues))}`);
  const e = parsed.data;
  const actorId = e.actor?.id ?? null;
  const knownLabel = e.actor?.label ?? (actorId ? null : "system");
  // Serialised once here; the database's jsonb form (read back below) is what gets hashed.
  const json = JSON.stringify(e.data ?? {});
  const handle = on ?? (isDatabase(into) ? into.db : into);
  // Already in a transaction: append in it (a savepoint would only cost two more statements).
  const inTransaction = (body: (tx: DbOrTx) => Promise<AuditRow>) => (is(handle, PgTransaction) ? body(handle) : handle.transaction(body));

  return inTransaction(async (tx) => {
    await lockAuditWriters(tx);
    const [prep] = resultRows<{ id: string; data: unknown; prev_hash: string | null; email: string | null }>(
      await tx.execute(sql`
        select nextval(pg_get_serial_sequence('audit_log', 'id'))::text as id,
               ${json}::jsonb as data,
               (select hash from audit_log order by id desc limit 1) as prev_hash,
               (select email from "user" where id = ${actorId}) as email`),
    );
    if (!prep) throw new Error("audit: preparing the entry returned no row");
    const data = (typeof prep.data === "string" ? JSON.parse(prep.data) : prep.data) as Record<string, unknown>;
    const row = {
      id: Number(prep.id),
      at: new Date(),
      actorId,
      actorLabel: knownLabel ?? prep.email ?? `user ${actorId}`,
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      runId: e.runId ?? null,
      data,
      prevHash: prep.prev_hash ?? GENESIS_HASH,
    };
    const hash = auditHash(row.prevHash, { ...row, at: row.at.toISOString() });
    await tx.insert(auditLog).values({ ...row, hash });
    return { ...row, hash };
  });
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
