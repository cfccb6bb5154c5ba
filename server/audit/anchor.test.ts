import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { asc, sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { auditAnchor, auditLog } from "@/server/db/schema";
import { recordAudit } from "./record";
import { rehashFrom, tamper } from "./tampering";
import { verifyAuditChain } from "./verify";
import { anchorKeyFrom, anchorSignatureValid } from "./anchor-key";
import { createAnchorLoop, takeAnchor } from "./anchor";
import { anchorSinkFrom, readLatestSinkAnchor, type AnchorSink } from "./anchor-sink";

const secret = crypto.randomBytes(32);
const key = anchorKeyFrom(secret);

async function append(database: Database, n: number) {
  for (let i = 0; i < n; i++) await recordAudit(database, { action: "run.started", runId: `r${i}` });
}

function sinkLines(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("the anchor key", () => {
  it("is derived from the secret key for this purpose only, with a stable fingerprint", () => {
    const again = anchorKeyFrom(Buffer.from(secret));
    expect(again.keyId).toBe(key.keyId);
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(key.key.equals(secret)).toBe(false);
    expect(anchorKeyFrom(crypto.randomBytes(32)).keyId).not.toBe(key.keyId);
  });
});

describe("where anchors go", () => {
  it("defaults to a file next to the data dir, never inside it", () => {
    expect(anchorSinkFrom(undefined, "/srv/steward/data")).toEqual({ kind: "file", path: "/srv/steward/data-audit-anchors.jsonl" });
    expect(anchorSinkFrom("stdout", "/srv/steward/data")).toEqual({ kind: "stdout" });
    expect(anchorSinkFrom("/var/log/steward/anchors.jsonl", "/srv/steward/data")).toEqual({ kind: "file", path: "/var/log/steward/anchors.jsonl" });
    expect(anchorSinkFrom("anchors.jsonl", "/srv/steward/data")).toEqual({ kind: "file", path: path.resolve("anchors.jsonl") });
    expect(() => anchorSinkFrom("/srv/steward/data/anchors.jsonl", "/srv/steward/data")).toThrow(/STEWARD_AUDIT_ANCHOR: must be outside the data dir \/srv\/steward\/data/);
    expect(() => anchorSinkFrom("/srv/steward/data", "/srv/steward/data")).toThrow(/STEWARD_AUDIT_ANCHOR: must be outside the data dir/);
  });
});

describe.each(testDatabases())("audit anchors on $name", (tdb) => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  function sinkFile(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-audit-anchor-"));
    dirs.push(dir);
    return path.join(dir, "anchors.jsonl");
  }

  it("the loop signs the head when it moved, stores the anchor and writes it to the file, and anchors once more when it stops", async () => {
    const db = await tdb.open();
    const file = sinkFile();
    const sink: AnchorSink = { kind: "file", path: file };
    const loop = createAnchorLoop(db, { key, sink, intervalMs: 0 });
    try {
      expect(await loop.tick()).toMatchObject({ taken: false, reason: "the log is empty" });
      await append(db, 3);
      const first = await loop.tick();
      if (!first.taken) throw new Error(first.reason);
      const [third] = await db.db.select().from(auditLog).where(sql`${auditLog.id} = 3`);
      const rows = await db.db.select().from(auditAnchor).orderBy(asc(auditAnchor.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: first.anchor.id, headId: 3, headHash: third!.hash, keyId: key.keyId });
      expect(anchorSignatureValid(key, { ...rows[0]!, at: rows[0]!.at.toISOString() })).toBe(true);
      expect(sinkLines(file)).toEqual([
        { type: "steward.audit_anchor", anchor: rows[0]!.id, headId: 3, headHash: third!.hash, at: rows[0]!.at.toISOString(), keyId: key.keyId, signature: rows[0]!.signature },
      ]);
      expect(await readLatestSinkAnchor(file)).toMatchObject({ id: rows[0]!.id, headId: 3, headHash: third!.hash });

      expect(await loop.tick()).toMatchObject({ taken: false, reason: "the head has not moved since anchor #" + String(first.anchor.id) });
      await append(db, 1);
      await loop.stop();
      expect(await db.db.select().from(auditAnchor)).toHaveLength(2);
      expect(sinkLines(file).map((l) => l.headId)).toEqual([3, 4]);
      expect(await verifyAuditChain(db, { key, sink })).toMatchObject({ ok: true, count: 4, anchor: { headId: 4 } });
    } finally {
      await loop.stop();
      await db.close();
    }
  });

  it("anchors on its timer, off the append path", async () => {
    const db = await tdb.open();
    const file = sinkFile();
    const loop = createAnchorLoop(db, { key, sink: { kind: "file", path: file }, intervalMs: 50 });
    try {
      await append(db, 2);
      await vi.waitFor(() => expect(sinkLines(file).at(-1)).toMatchObject({ headId: 2 }), { timeout: 10_000, interval: 50 });
    } finally {
      await loop.stop();
      await db.close();
    }
  });

  it("writes the line to stdout for log shipping", async () => {
    const db = await tdb.open();
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await append(db, 1);
      const taken = await takeAnchor(db, { key, sink: { kind: "stdout" } });
      expect(taken.taken).toBe(true);
      const lines = write.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("steward.audit_anchor"));
      expect(lines).toHaveLength(1);
      expect(lines[0]!.endsWith("\n")).toBe(true);
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: "steward.audit_anchor", headId: 1, keyId: key.keyId });
    } finally {
      write.mockRestore();
      await db.close();
    }
  });

  it("refuses to sign a log that no longer holds what its last anchor signed, and says why", async () => {
    const db = await tdb.open();
    const file = sinkFile();
    const errors: string[] = [];
    const loop = createAnchorLoop(db, { key, sink: { kind: "file", path: file }, intervalMs: 0, log: { error: (m) => errors.push(m) } });
    try {
      await append(db, 5);
      const first = await loop.tick();
      expect(first.taken).toBe(true);
      // The newest two deleted, the head moved back, and the log written on: what would the next anchor sign?
      const [e3] = await db.db.select().from(auditLog).where(sql`${auditLog.id} = 3`);
      await tamper(db, sql`delete from audit_log where id > 3`, sql`update audit_head set id = 3, hash = ${e3!.hash}, prev_hash = ${e3!.prevHash}`);
      await append(db, 3);
      const refused = await loop.tick();
      expect(refused).toMatchObject({ taken: false });
      expect(!refused.taken && refused.reason).toMatch(/entry 5 no longer has the hash anchor #\d+ signed/);
      expect(errors.join("\n")).toMatch(/not anchoring the audit log: entry 5 no longer has the hash anchor #\d+ signed.*npm run audit:verify/s);
      expect(sinkLines(file)).toHaveLength(1);
      // A new process reads the last anchor back from the file and refuses as well, even with the anchors deleted.
      await tamper(db, sql`delete from audit_anchor`);
      const fresh = createAnchorLoop(db, { key, sink: { kind: "file", path: file }, intervalMs: 0, log: { error: () => {} } });
      expect(await fresh.tick()).toMatchObject({ taken: false });
      await fresh.stop();
      expect(sinkLines(file)).toHaveLength(1);
      expect(await verifyAuditChain(db, { key, sink: { kind: "file", path: file } })).toMatchObject({ ok: false, kind: "rewritten", firstBadId: 1, lastBadId: 5 });
    } finally {
      await loop.stop();
      await db.close();
    }
  });

  it("reports anchors signed with another key as forged", async () => {
    const db = await tdb.open();
    const file = sinkFile();
    try {
      await append(db, 3);
      await takeAnchor(db, { key, sink: { kind: "file", path: file } });
      const wrong = anchorKeyFrom(crypto.randomBytes(32));
      const result = await verifyAuditChain(db, { key: wrong, sink: { kind: "file", path: file } });
      expect(result).toMatchObject({ ok: false, kind: "forged_anchor", firstBadId: null, firstBad: null });
      expect(!result.ok && result.reason).toMatch(new RegExp(`^anchor #\\d+ \\(for entry 3, taken at \\S+\\) was signed with key ${key.keyId}, not this installation's key ${wrong.keyId}: it was forged, or STEWARD_SECRET_KEY changed since`));
    } finally {
      await db.close();
    }
  });

  it("reports an anchor whose signature does not match as forged", async () => {
    const db = await tdb.open();
    try {
      await append(db, 2);
      const [e2] = await db.db.select().from(auditLog).where(sql`${auditLog.id} = 2`);
      const forgedSig = crypto.createHmac("sha256", crypto.randomBytes(32)).update("anything").digest("hex");
      await db.db.insert(auditAnchor).values({ headId: 2, headHash: e2!.hash, at: new Date(), keyId: key.keyId, signature: forgedSig });
      const result = await verifyAuditChain(db, { key, sink: null });
      expect(result).toMatchObject({ ok: false, kind: "forged_anchor", firstBadId: null, firstBad: null, anchor: { headId: 2, source: "database" } });
      expect(!result.ok && result.reason).toMatch(/^anchor #\d+ \(for entry 2, taken at .*\) has an invalid signature: it was forged or altered after it was signed/);
    } finally {
      await db.close();
    }
  });

  it("is not fooled by an anchor of the attacker's own for a rewritten log", async () => {
    const db = await tdb.open();
    const sink: AnchorSink = { kind: "file", path: sinkFile() };
    try {
      await append(db, 3);
      await takeAnchor(db, { key, sink });
      await tamper(db, sql`update audit_log set target_id = 'x' where id = 2`);
      await rehashFrom(db, 2);
      const [e3] = await db.db.select().from(auditLog).where(sql`${auditLog.id} = 3`);
      await tamper(db, sql`insert into audit_anchor (head_id, head_hash, at, key_id, signature) values (3, ${e3!.hash}, now(), ${key.keyId}, ${"ab".repeat(32)})`);
      const result = await verifyAuditChain(db, { key, sink });
      expect(result).toMatchObject({ ok: false, kind: "rewritten", firstBadId: 1, lastBadId: 3 });
    } finally {
      await db.close();
    }
  });

  it("reports a forged last line of the anchor file", async () => {
    const db = await tdb.open();
    const file = sinkFile();
    const sink: AnchorSink = { kind: "file", path: file };
    try {
      await append(db, 3);
      await takeAnchor(db, { key, sink });
      const good = sinkLines(file)[0]!;
      fs.appendFileSync(file, JSON.stringify({ ...good, anchor: Number(good.anchor) + 1, signature: "0".repeat(64) }) + "\n");
      const result = await verifyAuditChain(db, { key, sink });
      expect(result).toMatchObject({ ok: false, kind: "forged_anchor", anchor: { source: "sink" } });
      expect(!result.ok && result.reason).toMatch(/has an invalid signature/);
    } finally {
      await db.close();
    }
  });

  it("reports anchors deleted from the database that the file still holds", async () => {
    const db = await tdb.open();
    const file = sinkFile();
    const sink: AnchorSink = { kind: "file", path: file };
    try {
      await append(db, 3);
      const taken = await takeAnchor(db, { key, sink });
      if (!taken.taken) throw new Error(taken.reason);
      await tamper(db, sql`delete from audit_anchor`);
      const result = await verifyAuditChain(db, { key, sink });
      expect(result).toMatchObject({ ok: false, kind: "anchor_deleted", firstBadId: null, anchor: { id: taken.anchor.id, source: "sink" } });
      expect(!result.ok && result.reason).toMatch(new RegExp(`anchor #${taken.anchor.id} \\(for entry 3, taken at .*\\) is in the anchor file but not in the database: it was deleted`));
    } finally {
      await db.close();
    }
  });
});
