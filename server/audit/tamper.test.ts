import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { auditAnchor } from "@/server/db/schema";
import { recordAudit } from "./record";
import { rehashFrom, tamper } from "./tampering";
import { verifyAuditChain, type AuditVerification } from "./verify";
import { anchorKeyFrom } from "./anchor-key";
import { takeAnchor } from "./anchor";
import type { AnchorSink } from "./anchor-sink";

// The five ways of tampering with the log that an outside probe tried (issue #18, finding 5), each
// by someone who can switch the append-only triggers off, as an attacker with the tables' owner
// role can. Each must be detected, naming the first entry that was changed or removed.

const key = anchorKeyFrom(crypto.randomBytes(32));

async function append(database: Database, n: number) {
  for (let i = 0; i < n; i++) await recordAudit(database, { action: "decision.decided", targetType: "decision", targetId: `d${i}`, data: { amount: i * 10 } });
}

function failed(result: AuditVerification) {
  if (result.ok) throw new Error(`expected tampering to be detected, got ${JSON.stringify(result)}`);
  return result;
}

describe.each(testDatabases())("audit tampering on $name", (tdb) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  /** A fresh database and an anchor file of its own, outside any data dir. */
  async function setup(): Promise<{ db: Database; sink: AnchorSink; sinkFile: string; anchor: () => Promise<number> }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-audit-tamper-"));
    dirs.push(dir);
    const sinkFile = path.join(dir, "anchors.jsonl");
    const sink: AnchorSink = { kind: "file", path: sinkFile };
    const db = await tdb.open();
    const anchor = async () => {
      const taken = await takeAnchor(db, { key, sink });
      if (!taken.taken) throw new Error(`no anchor taken: ${taken.reason}`);
      return taken.anchor.id;
    };
    return { db, sink, sinkFile, anchor };
  }

  it("1. an entry edited in place: names it", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 8);
      await anchor();
      await tamper(db, sql`update audit_log set data = '{"amount": 1}'::jsonb where id = 5`);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "altered", firstBadId: 5, lastBadId: 5, firstBad: { id: 5, action: "decision.decided" } });
      expect(result.reason).toBe("its contents no longer match its hash: the entry was altered after it was written");
    } finally {
      await db.close();
    }
  });

  it("2. the newest entries deleted and the head moved back: names the deleted ones from the anchor", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 40);
      await anchor();
      await append(db, 17);
      const taken = await anchor();
      await append(db, 3);
      expect(await verifyAuditChain(db, { key, sink })).toMatchObject({ ok: true, count: 60 });
      await tamper(db, sql`delete from audit_log where id > 40`);
      await rehashFrom(db, 41); // nothing after 40 any more: only moves the head back to entry 40
      const result = failed(await verifyAuditChain(db, { key, sink }));
      const at = (await db.db.select().from(auditAnchor).where(sql`${auditAnchor.id} = ${taken}`))[0]!.at.toISOString();
      expect(result).toMatchObject({ kind: "truncated", firstBadId: 41, lastBadId: 57, firstBad: null, anchor: { id: taken, headId: 57, at } });
      expect(result.reason).toContain(`entries 41–57 were deleted after anchor #${taken} was taken at ${at}`);
    } finally {
      await db.close();
    }
  });

  it("2b. the newest entries deleted, the head left alone: the head names them", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 10);
      await anchor();
      await append(db, 3);
      await tamper(db, sql`delete from audit_log where id > 11`);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "head", firstBadId: 12, lastBadId: 13, firstBad: null });
      expect(result.reason).toMatch(/entries 12–13 were deleted: audit_head still records entry 13/);
    } finally {
      await db.close();
    }
  });

  it("2c. more deleted than since the last matching anchor: names the range no anchor vouches for", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 20);
      await anchor();
      await append(db, 10);
      const taken = await anchor();
      await tamper(db, sql`delete from audit_log where id > 25`);
      await rehashFrom(db, 26);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "truncated", firstBadId: 21, lastBadId: 30, anchor: { id: taken, headId: 30 } });
      expect(result.reason).toMatch(/anchor #\d+ \(taken at .*\) signed the log up to entry 30, but it ends at entry 25/);
      expect(result.reason).toMatch(/entries 26–30 were deleted, or entries from 21 on were rewritten/);
    } finally {
      await db.close();
    }
  });

  it("3. everything deleted, anchors too, and the head reset: the anchor file still proves it", async () => {
    const { db, sink, sinkFile, anchor } = await setup();
    try {
      await append(db, 10);
      const taken = await anchor();
      await tamper(db, sql`delete from audit_log`, sql`delete from audit_anchor`);
      await rehashFrom(db, 1);
      expect(await db.rows(sql`select 1 from audit_log union all select 1 from audit_anchor`)).toHaveLength(0);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "truncated", firstBadId: 1, lastBadId: 10, firstBad: null, count: 0, anchor: { id: taken, headId: 10, source: "sink" } });
      expect(result.reason).toMatch(new RegExp(`entries 1–10 were deleted after anchor #${taken} was taken at \\S+ \\(the anchor file ${sinkFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} holds it\\)`));
      // Without the file, the database alone no longer can tell: that is what the file is for.
      expect(await verifyAuditChain(db, { key, sink: null })).toMatchObject({ ok: true, count: 0 });
    } finally {
      await db.close();
    }
  });

  it("3b. everything deleted and the head reset, anchors kept: the anchors in the database prove it", async () => {
    const { db, anchor } = await setup();
    try {
      await append(db, 6);
      const taken = await anchor();
      await tamper(db, sql`delete from audit_log`);
      await rehashFrom(db, 1);
      const result = failed(await verifyAuditChain(db, { key, sink: null }));
      expect(result).toMatchObject({ kind: "truncated", firstBadId: 1, lastBadId: 6, firstBad: null, anchor: { id: taken, source: "database" } });
      expect(result.reason).toContain(`entries 1–6 were deleted after anchor #${taken} was taken at`);
    } finally {
      await db.close();
    }
  });

  it("4. a middle entry deleted and the rest re-chained: names the missing entry", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 6);
      await anchor();
      await tamper(db, sql`delete from audit_log where id = 3`);
      await rehashFrom(db, 4);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "missing", firstBadId: 3, lastBadId: 3, firstBad: null, verified: 2 });
      expect(result.reason).toMatch(/^entry 3 is missing: it was deleted/);
    } finally {
      await db.close();
    }
  });

  it("4b. a middle entry deleted, the rest renumbered and re-chained: the anchors name where", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 2);
      await anchor();
      await append(db, 4);
      await anchor();
      const renumber = [sql`delete from audit_log where id = 3`];
      for (let id = 4; id <= 6; id++) renumber.push(sql`update audit_log set id = ${id - 1} where id = ${id}`);
      await tamper(db, ...renumber);
      await rehashFrom(db, 3);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "truncated", firstBadId: 3, lastBadId: 6 });
    } finally {
      await db.close();
    }
  });

  it("5. an entry edited and every entry after it re-hashed: names the range the anchors bracket", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 22);
      await anchor();
      await append(db, 8);
      const taken = await anchor();
      await append(db, 2);
      await tamper(db, sql`update audit_log set data = '{"amount": 1}'::jsonb where id = 23`);
      await rehashFrom(db, 23);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "rewritten", firstBadId: 23, lastBadId: 30, firstBad: { id: 23 }, anchor: { id: taken, headId: 30 }, verified: 22 });
      expect(result.reason).toMatch(new RegExp(`^entries 23–30 no longer match anchor #${taken} \\(taken at \\S+\\): one of them was changed or removed and the entries after it re-hashed; entry 22 and those before it match anchor #\\d+`));
    } finally {
      await db.close();
    }
  });

  it("5c. the same with the anchors in the database deleted too: the anchor file's earlier anchors still bracket it", async () => {
    const { db, sink, sinkFile, anchor } = await setup();
    try {
      await append(db, 22);
      const before = await anchor();
      await append(db, 8);
      const taken = await anchor();
      await append(db, 2);
      await tamper(db, sql`update audit_log set data = '{"amount": 1}'::jsonb where id = 23`, sql`delete from audit_anchor`);
      await rehashFrom(db, 23);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "rewritten", firstBadId: 23, lastBadId: 30, firstBad: { id: 23 }, anchor: { id: taken, source: "sink" } });
      expect(result.reason).toContain(`entry 22 and those before it match anchor #${before} (the anchor file ${sinkFile} holds it)`);
    } finally {
      await db.close();
    }
  });

  it("5b. with an anchor after every entry, the changed entry itself is named", async () => {
    const { db, sink, anchor } = await setup();
    try {
      for (let i = 0; i < 6; i++) {
        await append(db, 1);
        await anchor();
      }
      await tamper(db, sql`update audit_log set target_id = 'forged' where id = 4`);
      await rehashFrom(db, 4);
      const result = failed(await verifyAuditChain(db, { key, sink }));
      expect(result).toMatchObject({ kind: "rewritten", firstBadId: 4, lastBadId: 4, firstBad: { id: 4 } });
      expect(result.reason).toMatch(/^entry 4 was changed and the entries after it re-hashed: it no longer matches anchor #\d+/);
    } finally {
      await db.close();
    }
  });

  it("a gap the log already had when it was first anchored (ids from a sequence, before migration 0010) is noted, not reported", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 2);
      // Before audit_head, a rolled-back append skipped an id; the chain went on from entry 2.
      await db.db.execute(sql`update audit_head set id = id + 1`);
      await append(db, 2);
      // With no anchor after it, nothing shows the gap was there before: it is reported.
      expect(await verifyAuditChain(db, { key, sink })).toMatchObject({ ok: false, kind: "missing", firstBadId: 3, lastBadId: 3 });
      await anchor();
      const result = await verifyAuditChain(db, { key, sink });
      expect(result).toMatchObject({ ok: true, count: 4 });
      expect(result.notes.join("\n")).toMatch(/^Ids skip once before the first anchor, which was signed with that gap in place/m);
      // Once anchored, ids are contiguous by construction: a gap after it is a deleted entry.
      await db.db.execute(sql`update audit_head set id = id + 1`);
      await append(db, 1);
      expect(await verifyAuditChain(db, { key, sink })).toMatchObject({ ok: false, kind: "missing", firstBadId: 6, lastBadId: 6 });
    } finally {
      await db.close();
    }
  });

  it("accepts an intact log with its anchors, and says what the latest anchor covers", async () => {
    const { db, sink, anchor } = await setup();
    try {
      await append(db, 3);
      const taken = await anchor();
      await append(db, 2);
      const result = await verifyAuditChain(db, { key, sink });
      expect(result).toMatchObject({ ok: true, count: 5, anchor: { id: taken, headId: 3 } });
      expect(result.notes.join("\n")).toMatch(/entries 4–5 were appended after the latest anchor/);
    } finally {
      await db.close();
    }
  });
});
