import "server-only";
import { and, asc, eq, gt, lte } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { auditAnchor, auditHead, auditLog, type AuditRow } from "@/server/db/schema";
import { GENESIS_HASH, auditHash } from "./hash";
import { anchorSignatureValid, type AnchorKey, type StoredAnchor } from "./anchor-key";
import { describeSink, type AnchorSink } from "./anchor-sink";
import { newestMatchingSinkAnchor, readSink } from "./verify-sink";

export interface BadEntry {
  id: number;
  action: string;
  at: string;
}

/** An anchor named in a result; `source` says where it was read. */
export interface AnchorRef {
  id: number;
  headId: number;
  at: string;
  source: "database" | "sink";
}

/**
 * - altered: an entry's contents no longer match its hash.
 * - relinked: an entry does not chain to the one before it (that one was re-hashed).
 * - missing: ids skip: entries were deleted.
 * - truncated: an anchor signed entries the log no longer reaches.
 * - rewritten: an entry no longer has the hash an anchor signed (changed, the rest re-hashed).
 * - head: audit_head does not match the newest entry.
 * - forged_anchor: an anchor's signature is not this installation's.
 * - anchor_deleted: the sink holds an anchor the database lost.
 */
export type AuditProblemKind = "altered" | "relinked" | "missing" | "truncated" | "rewritten" | "head" | "forged_anchor" | "anchor_deleted";

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The first entry that was changed or removed; null when only an anchor is wrong. */
  firstBadId: number | null;
  /** The last entry of the range in question (firstBadId when it is one entry). */
  lastBadId: number | null;
  /** The entry at firstBadId, when there still is one. */
  firstBad: BadEntry | null;
  /** The anchor that shows the problem, when one does. */
  anchor: AnchorRef | null;
  reason: string;
}

export type AuditVerification =
  | {
      ok: true;
      /** Entries checked. */
      count: number;
      /** The newest anchor checked (the highest entry one vouches for), if any. */
      anchor: AnchorRef | null;
      /** What this verification could not cover, in sentences. */
      notes: string[];
    }
  | ({
      ok: false;
      /** Entries read, up to the one where the problem showed. */
      count: number;
      /** Entries before the first bad one that were verified. */
      verified: number;
      notes: string[];
    } & AuditProblem);

export interface VerifyOptions {
  pageSize?: number;
  /** The key anchors are checked with; without one they are skipped (a note says so). */
  key?: AnchorKey | null;
  /** Where the anchors were written: the newest one in a file is checked too. */
  sink?: AnchorSink | null;
}

type Anchor = StoredAnchor & { source: AnchorRef["source"] };

const range = (from: number, to: number) => (from === to ? `entry ${from}` : `entries ${from}–${to}`);
const ref = (a: Anchor): AnchorRef => ({ id: a.id, headId: a.headId, at: a.at, source: a.source });
const badEntry = (r: AuditRow): BadEntry => ({ id: r.id, action: r.action, at: r.at.toISOString() });

/**
 * Checks the audit log and names the first entry that was changed or removed. Reads the chain from
 * the first entry, in id order, a page at a time (constant memory on any size of log), and checks:
 * - every entry's hash against its contents, and its prev_hash against the entry before it;
 * - ids rise by one from 1 (a gap is a deleted entry, even when the rest was re-hashed to close it);
 * - every anchor (database and the sink's newest) is signed by this key and its head is in the
 *   chain with that hash: an entry changed before an anchor, with every entry after it re-hashed,
 *   no longer has the hash the anchor signed; entries deleted after it no longer reach its head;
 * - audit_head is the newest entry.
 * It stops at the first problem. Anchors locate a rewrite to the entries between the last anchor
 * that still matches and the first that does not; what was appended after the newest anchor is
 * vouched for by audit_head alone.
 */
export async function verifyAuditChain(database: Database, opts: VerifyOptions = {}): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 1000;
  const key = opts.key ?? null;
  const notes: string[] = [];
  let uncheckedAnchors = 0;

  const sink = opts.sink ?? null;
  const fromSink = await readSink(database, sink);
  notes.push(...fromSink.notes);
  const sinkAnchor: Anchor | null = fromSink.latest && { ...fromSink.latest, source: "sink" };
  const sinkNote = (a: Anchor) => (a.source === "sink" && sink ? ` (the anchor file ${describeSink(sink)} holds it)` : "");

  const [head] = await database.db.select().from(auditHead);

  let count = 0;
  let prev: AuditRow | null = null;
  interface Vouched {
    /** The newest anchor that matched: it vouches for every entry up to its head. */
    by: Anchor | null;
    /** The entry after its head: where a rewrite the next anchor shows may begin. */
    next: BadEntry | null;
  }
  const vouched: Vouched = { by: null, next: null };

  /**
   * What vouches for the entries before `below`, once an anchor showed a problem there: the walk's
   * newest matching anchor, or a newer one from the anchor file (when the database lost its anchors).
   */
  const vouchedBefore = async (below: number): Promise<Vouched> => {
    if (!key || sink?.kind !== "file") return vouched;
    const better = await newestMatchingSinkAnchor(database, key, sink.path, vouched.by?.headId ?? 0, below);
    if (!better) return vouched;
    const [entry] = await database.db.select().from(auditLog).where(eq(auditLog.id, better.headId + 1));
    return { by: { ...better, source: "sink" }, next: entry ? badEntry(entry) : null };
  };
  // A gap the chain closes over (the entry after it chains to the one before) is what a deleted
  // entry looks like once the rest was re-hashed, but also what a log written before audit_head
  // (migration 0010) holds: ids then came from a sequence, which a rolled-back append skipped. The
  // anchors judge it: after one matched, ids are contiguous by construction; before, a later anchor
  // that still matches shows the gap was there when it was signed, one that does not shows a rewrite.
  let pendingGap: (Omit<AuditProblem, "firstBad" | "anchor"> & { firstBadId: number; lastBadId: number }) | null = null;
  let pendingGaps = 0;
  let signedGaps = 0;
  const matchedBy = (v: Vouched) => (v.by ? `; entry ${v.by.headId} and those before it match anchor #${v.by.id}${sinkNote(v.by)}` : "");

  const fail = (p: Omit<AuditProblem, "firstBad" | "anchor"> & Partial<Pick<AuditProblem, "firstBad" | "anchor">>): AuditVerification => ({
    ok: false,
    count,
    verified: p.firstBadId !== null ? p.firstBadId - 1 : count,
    notes,
    firstBad: null,
    anchor: null,
    ...p,
  });

  /** A problem with an anchor itself (not this key's, or not what was signed), or null when it is sound. */
  const forged = (a: Anchor): AuditVerification | null => {
    if (!key) return null;
    const what = `anchor #${a.id} (for entry ${a.headId}, taken at ${a.at})`;
    if (a.keyId !== key.keyId) {
      return fail({ kind: "forged_anchor", firstBadId: null, lastBadId: null, anchor: ref(a), reason: `${what} was signed with key ${a.keyId}, not this installation's key ${key.keyId}: it was forged, or STEWARD_SECRET_KEY changed since${sinkNote(a)}` });
    }
    if (!anchorSignatureValid(key, a)) {
      return fail({ kind: "forged_anchor", firstBadId: null, lastBadId: null, anchor: ref(a), reason: `${what} has an invalid signature: it was forged or altered after it was signed${sinkNote(a)}` });
    }
    return null;
  };

  /** Checks the anchors on entry `r` (their head), in the chain read so far. */
  const checkAnchorsAt = async (anchors: Anchor[], r: AuditRow): Promise<AuditVerification | null> => {
    for (const a of anchors) {
      if (!key) {
        uncheckedAnchors++;
        continue;
      }
      const bad = forged(a);
      if (bad) return bad;
      if (a.headHash !== r.hash) {
        const v = await vouchedBefore(r.id);
        if (pendingGap && (v.by?.headId ?? 0) < pendingGap.lastBadId) {
          return fail({ ...pendingGap, anchor: ref(a), reason: `${pendingGap.reason} (anchor #${a.id}, taken at ${a.at}${sinkNote(a)}, no longer matches)` });
        }
        const from = (v.by?.headId ?? 0) + 1;
        const reason =
          from === r.id
            ? `entry ${r.id} was changed and the entries after it re-hashed: it no longer matches anchor #${a.id} (taken at ${a.at})${sinkNote(a)}${matchedBy(v)}`
            : `${range(from, r.id)} no longer match anchor #${a.id} (taken at ${a.at})${sinkNote(a)}: one of them was changed or removed and the entries after it re-hashed${matchedBy(v)}`;
        return fail({ kind: "rewritten", firstBadId: from, lastBadId: r.id, firstBad: v.next, anchor: ref(a), reason });
      }
      vouched.by = a;
      signedGaps += pendingGaps;
      pendingGaps = 0;
      pendingGap = null;
    }
    return null;
  };

  let after = 0;
  for (;;) {
    const rows = await database.db.select().from(auditLog).where(gt(auditLog.id, after)).orderBy(asc(auditLog.id)).limit(pageSize);
    const last = rows.at(-1);
    // The anchors whose head is on this page (on the first page, any below entry 1 too).
    const pageAnchors: Anchor[] = [];
    if (last) {
      const inPage = await database.db
        .select()
        .from(auditAnchor)
        .where(and(after === 0 ? undefined : gt(auditAnchor.headId, after), lte(auditAnchor.headId, last.id)))
        .orderBy(asc(auditAnchor.headId), asc(auditAnchor.id));
      for (const a of inPage) pageAnchors.push({ ...a, at: a.at.toISOString(), source: "database" });
      if (sinkAnchor && sinkAnchor.headId <= last.id && (after === 0 || sinkAnchor.headId > after)) pageAnchors.push(sinkAnchor);
      pageAnchors.sort((x, y) => x.headId - y.headId || x.id - y.id);
    }
    let next = 0;
    // An anchor for an entry that cannot exist (below 1) has only its signature to check.
    for (; next < pageAnchors.length && pageAnchors[next]!.headId < 1; next++) {
      const bad = forged(pageAnchors[next]!);
      if (bad) return bad;
    }
    for (const r of rows) {
      count++;
      const expectedId = (prev?.id ?? 0) + 1;
      if (r.id !== expectedId) {
        const closed = prev ? r.prevHash === prev.hash : r.prevHash === GENESIS_HASH;
        const many = r.id - expectedId > 1;
        const reason =
          expectedId === 1
            ? `${range(1, r.id - 1)} ${many ? "are" : "is"} missing: the oldest entries were deleted${closed ? " and the rest re-hashed to start the chain" : ` (the first entry left, ${r.id}, does not start the chain)`}`
            : `${range(expectedId, r.id - 1)} ${many ? "are" : "is"} missing: ${many ? "they were" : "it was"} deleted${closed ? ` and the entries after ${many ? "them" : "it"} re-hashed to close the gap` : ""}`;
        const missing = { kind: "missing" as const, firstBadId: expectedId, lastBadId: r.id - 1, reason };
        if (!closed || vouched.by) return fail(missing);
        pendingGap ??= missing;
        pendingGaps++;
      }
      const expectedPrev = prev?.hash ?? GENESIS_HASH;
      if (r.prevHash !== expectedPrev) {
        return fail({
          kind: "relinked",
          firstBadId: r.id,
          lastBadId: r.id,
          firstBad: badEntry(r),
          reason: prev
            ? `its prev_hash is not the hash of entry ${prev.id}: entry ${prev.id} was altered and re-hashed, or entries before it were deleted and the rest renumbered`
            : "it is the first entry but does not start the chain: its prev_hash was changed",
        });
      }
      if (auditHash(r.prevHash, { ...r, at: r.at.toISOString() }) !== r.hash) {
        return fail({ kind: "altered", firstBadId: r.id, lastBadId: r.id, firstBad: badEntry(r), reason: "its contents no longer match its hash: the entry was altered after it was written" });
      }
      if (!vouched.next || vouched.next.id <= (vouched.by?.headId ?? 0)) vouched.next = badEntry(r);
      const here: Anchor[] = [];
      for (; next < pageAnchors.length && pageAnchors[next]!.headId === r.id; next++) here.push(pageAnchors[next]!);
      const bad = await checkAnchorsAt(here, r);
      if (bad) return bad;
      prev = r;
    }
    if (rows.length < pageSize) break;
    after = last!.id;
  }

  // No anchor after it vouches for the gap: the log lost an entry there.
  if (pendingGap) return fail(pendingGap);

  const n = prev?.id ?? 0;
  const headId = Number(head?.id ?? 0);
  if (headId > n) {
    const many = headId - n > 1;
    return fail({ kind: "head", firstBadId: n + 1, lastBadId: headId, reason: `${range(n + 1, headId)} ${many ? "were" : "was"} deleted: audit_head still records entry ${headId}` });
  }

  // Anchors beyond the end: a valid one shows entries deleted after it was taken.
  const beyondDb = await database.db.select().from(auditAnchor).where(gt(auditAnchor.headId, n)).orderBy(asc(auditAnchor.headId), asc(auditAnchor.id)).limit(pageSize);
  const beyond: Anchor[] = beyondDb.map((a) => ({ ...a, at: a.at.toISOString(), source: "database" as const }));
  if (sinkAnchor && sinkAnchor.headId > n) beyond.push(sinkAnchor);
  beyond.sort((x, y) => x.headId - y.headId || x.id - y.id);
  if (key) {
    const signed = beyond.find((a) => !forged(a));
    if (signed) {
      const v = await vouchedBefore(n + 1);
      const h0 = v.by?.headId ?? 0;
      const H = signed.headId;
      if (h0 >= n) {
        return fail({ kind: "truncated", firstBadId: n + 1, lastBadId: H, anchor: ref(signed), reason: `${range(n + 1, H)} ${H > n + 1 ? "were" : "was"} deleted after anchor #${signed.id} was taken at ${signed.at}${sinkNote(signed)}` });
      }
      return fail({
        kind: "truncated",
        firstBadId: h0 + 1,
        lastBadId: H,
        firstBad: v.next,
        anchor: ref(signed),
        reason: `anchor #${signed.id} (taken at ${signed.at})${sinkNote(signed)} signed the log up to entry ${H}, but it ends at entry ${n}: ${range(n + 1, H)} ${H > n + 1 ? "were" : "was"} deleted, or entries from ${h0 + 1} on were rewritten${matchedBy(v)}`,
      });
    }
    const first = beyond[0];
    if (first) return forged(first)!;
  } else {
    uncheckedAnchors += beyond.length;
  }

  if (head && (headId < n || head.hash !== (prev?.hash ?? GENESIS_HASH) || head.prevHash !== (prev?.prevHash ?? GENESIS_HASH))) {
    if (headId < n) {
      const [entry] = await database.db.select().from(auditLog).where(eq(auditLog.id, headId + 1));
      return fail({ kind: "head", firstBadId: headId + 1, lastBadId: n, firstBad: entry ? badEntry(entry) : null, reason: `${range(headId + 1, n)} ${n > headId + 1 ? "were" : "was"} not written by the audit log's writer, or audit_head was moved back: it records entry ${headId}` });
    }
    if (prev) return fail({ kind: "head", firstBadId: n, lastBadId: n, firstBad: badEntry(prev), reason: `entry ${n} does not match audit_head: it was rewritten and re-hashed, or audit_head was changed` });
    return fail({ kind: "head", firstBadId: null, lastBadId: null, reason: "audit_head was changed: it records a hash for an empty log" });
  }

  if (sinkAnchor && key && !fromSink.latestInDb) {
    return fail({ kind: "anchor_deleted", firstBadId: null, lastBadId: null, anchor: ref(sinkAnchor), reason: `anchor #${sinkAnchor.id} (for entry ${sinkAnchor.headId}, taken at ${sinkAnchor.at}) is in the anchor file but not in the database: it was deleted there` });
  }

  if (signedGaps > 0) {
    notes.push(
      `Ids skip ${signedGaps === 1 ? "once" : `${signedGaps} times`} before the first anchor, which was signed with ${signedGaps === 1 ? "that gap" : "those gaps"} in place: ` +
        "entries written before audit_head (migration 0010) took ids from a sequence, which a rolled-back append skipped.",
    );
  }
  if (uncheckedAnchors > 0) notes.push(`${uncheckedAnchors} ${uncheckedAnchors === 1 ? "anchor was" : "anchors were"} not checked: no anchor key was given.`);
  const newest = vouched.by;
  if (!newest && key) {
    notes.push("No anchor has been taken yet: until one is, deleting the newest entries (or all of them) and moving audit_head back would not be noticed.");
  } else if (newest && newest.headId < n) {
    notes.push(`${range(newest.headId + 1, n)} ${n > newest.headId + 1 ? "were" : "was"} appended after the latest anchor (#${newest.id}, taken at ${newest.at}): until the next one, only audit_head vouches for ${n > newest.headId + 1 ? "them" : "it"}.`);
  }
  return { ok: true, count, anchor: newest ? ref(newest) : null, notes };
}
