import "server-only";
import { asc, gt } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { auditLog } from "@/server/db/schema";
import { GENESIS_HASH, auditHash } from "./hash";

export interface BadEntry {
  id: number;
  action: string;
  at: string;
}

export type AuditVerification =
  | { ok: true; count: number }
  /** `count` is the number of entries checked, the bad one included. */
  | { ok: false; count: number; firstBadId: number; firstBad: BadEntry; reason: string };

/**
 * Recomputes the chain from the first entry, in id order, a page at a time (constant memory on
 * any size of log), and stops at the first entry that does not fit: one whose contents no longer
 * match its hash (altered), or whose prev_hash is not the hash of the entry before it (an entry
 * before it was deleted, or altered and re-hashed). Deleting the newest entries leaves no gap
 * inside the chain; compare `count` with an earlier result (or an export) to catch that.
 */
export async function verifyAuditChain(database: Database, opts: { pageSize?: number } = {}): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  let prev: { id: number; hash: string } | null = null;
  let after = 0;
  let count = 0;
  for (;;) {
    const rows = await database.db
      .select()
      .from(auditLog)
      .where(gt(auditLog.id, after))
      .orderBy(asc(auditLog.id))
      .limit(pageSize);
    for (const r of rows) {
      count++;
      const at = r.at.toISOString();
      const bad = (reason: string): AuditVerification => ({ ok: false, count, firstBadId: r.id, firstBad: { id: r.id, action: r.action, at }, reason });
      const expectedPrev = prev?.hash ?? GENESIS_HASH;
      if (r.prevHash !== expectedPrev) {
        return bad(
          prev
            ? `its prev_hash is not the hash of entry ${prev.id}: an entry between ${prev.id} and ${r.id} was deleted, or entry ${prev.id} was altered and re-hashed`
            : "it is the first entry but does not start the chain: the entries before it were deleted",
        );
      }
      if (auditHash(r.prevHash, { ...r, at }) !== r.hash) {
        return bad("its contents no longer match its hash: the entry was altered after it was written");
      }
      prev = { id: r.id, hash: r.hash };
      after = r.id;
    }
    if (rows.length < pageSize) return { ok: true, count };
  }
}
