import { asc, desc, gte, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { auditLog } from "@/server/db/schema";
import { GENESIS_HASH, auditHash } from "./hash";

// For tests: what an attacker who owns the audit tables can do. The append-only triggers stop
// everyone else; the owner switches them off, changes rows, and switches them back on.

/** Runs statements with the append-only guards of the log and its anchors off. */
export async function tamper(database: Database, ...statements: SQL[]): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger user`);
    await tx.execute(sql`alter table audit_anchor disable trigger user`);
    for (const s of statements) await tx.execute(s);
    await tx.execute(sql`alter table audit_log enable trigger user`);
    await tx.execute(sql`alter table audit_anchor enable trigger user`);
  });
}

/**
 * Recomputes every hash from entry `from` on, as one who wants the chain to look intact would,
 * and moves audit_head to the last entry (or back to an empty log).
 */
export async function rehashFrom(database: Database, from: number): Promise<void> {
  const [before] = await database.db.select().from(auditLog).where(lt(auditLog.id, from)).orderBy(desc(auditLog.id)).limit(1);
  let prev = before?.hash ?? GENESIS_HASH;
  let last = before ? { id: before.id, hash: before.hash, prevHash: before.prevHash } : { id: 0, hash: GENESIS_HASH, prevHash: GENESIS_HASH };
  const statements: SQL[] = [];
  for (const r of await database.db.select().from(auditLog).where(gte(auditLog.id, from)).orderBy(asc(auditLog.id))) {
    const hash = auditHash(prev, { ...r, at: r.at.toISOString() });
    statements.push(sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where id = ${r.id}`);
    last = { id: r.id, hash, prevHash: prev };
    prev = hash;
  }
  statements.push(sql`update audit_head set id = ${last.id}, hash = ${last.hash}, prev_hash = ${last.prevHash}`);
  await tamper(database, ...statements);
}
