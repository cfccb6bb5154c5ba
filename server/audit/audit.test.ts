import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc, sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import { emptyMission } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { auditLog, mission, missionVersion, run, user } from "@/server/db/schema";
import { recordAudit, requestActor, SYSTEM_ACTOR } from "./record";
import { verifyAuditChain } from "./verify";
import { auditFacets, exportAuditJsonl, listAudit, runAuditRecord } from "./query";
import { GENESIS_HASH, auditHash } from "./hash";

/** What an attacker with database access does: switch the guard off, change rows, switch it back on. */
async function tamper(database: Database, statement: ReturnType<typeof sql>) {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
    await tx.execute(statement);
    await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
  });
}

async function entries(database: Database) {
  return database.db.select().from(auditLog).orderBy(asc(auditLog.id));
}

/** The database's own message: drizzle wraps it as the cause of a "Failed query" error. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : (e as Error).message;
  }
  return "(it succeeded)";
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of it) out.push(line);
  return out;
}

describe.each(testDatabases())("audit log on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database.close());

  // Most tests need a log of their own (they count entries or tamper with it): a fresh database each.
  async function fresh(): Promise<Database> {
    return tdb.open();
  }

  it("chains entries from the genesis hash and verifies them", async () => {
    const db = await fresh();
    try {
      await db.db.insert(user).values({ id: "u1", email: "ada@example.com", name: "Ada" });
      const a = await recordAudit(db, { action: "auth.sign_in", actor: { id: "u1" }, targetType: "user", targetId: "u1" });
      const b = await recordAudit(db, { action: "user.roles_changed", actor: { id: "u1", label: "ada@example.com" }, targetType: "user", targetId: "u2", data: { before: ["viewer"], after: ["builder", "viewer"] } });
      const c = await recordAudit(db, { action: "run.verdict", runId: "r1", data: { outcome: "approve" } });
      expect(a.prevHash).toBe(GENESIS_HASH);
      expect(b.prevHash).toBe(a.hash);
      expect(c.prevHash).toBe(b.hash);
      expect(a.actorLabel).toBe("ada@example.com");
      expect(c.actorLabel).toBe("system");
      expect(c.actorId).toBeNull();
      const stored = await entries(db);
      expect(stored.map((r) => r.hash)).toEqual([a.hash, b.hash, c.hash]);
      expect(stored[1]!.data).toEqual({ before: ["viewer"], after: ["builder", "viewer"] });
      expect(stored[0]!.at.toISOString()).toBe(a.at.toISOString());
      expect(auditHash(GENESIS_HASH, { ...stored[0]!, at: stored[0]!.at.toISOString() })).toBe(a.hash);
      expect(await verifyAuditChain(db)).toEqual({ ok: true, count: 3, anchor: null, notes: [] });
    } finally {
      await db.close();
    }
  });

  it("hashes a label the database looks up exactly as it is stored, whatever it holds", async () => {
    const db = await fresh();
    try {
      // The statement writes the looked-up label into the hashed JSON itself: escaping must match JS's.
      const odd = 'o\'dd "quoted" \\ tab\t line\n bell\u0007 del\u007f naïve ☃ 😀@example.com';
      await db.db.insert(user).values({ id: "u-odd", email: odd, name: "Odd" });
      const a = await recordAudit(db, { action: "auth.sign_in", actor: { id: "u-odd" }, targetId: "u-odd" });
      const b = await recordAudit(db, { action: "auth.sign_in", actor: { id: "u-gone" }, targetId: "u-gone" });
      expect(a.actorLabel).toBe(odd);
      expect(b.actorLabel).toBe("user u-gone");
      const stored = await entries(db);
      expect(stored.map((r) => r.actorLabel)).toEqual([odd, "user u-gone"]);
      expect(auditHash(GENESIS_HASH, { ...stored[0]!, at: stored[0]!.at.toISOString() })).toBe(a.hash);
      expect(await verifyAuditChain(db)).toEqual({ ok: true, count: 2, anchor: null, notes: [] });
    } finally {
      await db.close();
    }
  });

  it("hashes what jsonb stores, whatever the key order and number spelling", async () => {
    const db = await fresh();
    try {
      await recordAudit(db, {
        action: "model.changed",
        data: { z: 1, a: { y: [3, 2, 1], b: null }, big: 1e21, tiny: 5e-324, frac: 0.1 + 0.2, text: "naïve ☃ \"quoted\" \n", nested: { "k ey": { deep: true } } },
      });
      await recordAudit(db, { action: "model.changed", data: { dropped: undefined, kept: "x" } });
      expect(await verifyAuditChain(db)).toEqual({ ok: true, count: 2, anchor: null, notes: [] });
      const [, second] = await entries(db);
      expect(second!.data).toEqual({ kept: "x" });
    } finally {
      await db.close();
    }
  });

  it("refuses an entry whose action is not a dotted verb, naming the field", async () => {
    await expect(recordAudit(database, { action: "Signed In" })).rejects.toThrow(/action: must be a dotted lowercase verb/);
  });

  it("keeps one chain with 20 parallel writers", async () => {
    const db = await fresh();
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2
            ? recordAudit(db, { action: "decision.decided", targetType: "decision", targetId: `d${i}`, data: { i } })
            : db.db.transaction((tx) => recordAudit(tx, { action: "decision.opened", targetType: "decision", targetId: `d${i}`, data: { i } })),
        ),
      );
      const rows = await entries(db);
      expect(rows).toHaveLength(20);
      // A fork would show as two entries sharing one predecessor.
      expect(new Set(rows.map((r) => r.prevHash)).size).toBe(20);
      rows.forEach((r, i) => expect(r.prevHash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1]!.hash));
      expect(await verifyAuditChain(db)).toEqual({ ok: true, count: 20, anchor: null, notes: [] });
    } finally {
      await db.close();
    }
  });

  it("rolls back with the transaction it was recorded in", async () => {
    const db = await fresh();
    try {
      await recordAudit(db, { action: "connector.created", targetId: "c1" });
      await expect(
        db.db.transaction(async (tx) => {
          await recordAudit(tx, { action: "connector.policy_loosened", targetId: "c1" });
          throw new Error("the act failed");
        }),
      ).rejects.toThrow("the act failed");
      await recordAudit(db, { action: "connector.deleted", targetId: "c1" });
      const rows = await entries(db);
      expect(rows.map((r) => r.action)).toEqual(["connector.created", "connector.deleted"]);
      expect(await verifyAuditChain(db)).toEqual({ ok: true, count: 2, anchor: null, notes: [] });
    } finally {
      await db.close();
    }
  });

  it("refuses UPDATE, DELETE and TRUNCATE", async () => {
    const db = await fresh();
    try {
      const row = await recordAudit(db, { action: "user.created", targetId: "u9" });
      expect(await failure(db.db.execute(sql`update audit_log set action = 'user.deleted' where id = ${row.id}`))).toMatch(/audit_log is append-only: UPDATE/);
      expect(await failure(db.db.execute(sql`delete from audit_log where id = ${row.id}`))).toMatch(/audit_log is append-only: DELETE/);
      expect(await failure(db.db.execute(sql`truncate audit_log`))).toMatch(/audit_log is append-only: TRUNCATE/);
      const rows = await entries(db);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.action).toBe("user.created");
    } finally {
      await db.close();
    }
  });

  it("names exactly the entry that was altered in the database", async () => {
    const db = await fresh();
    try {
      for (let i = 1; i <= 8; i++) await recordAudit(db, { action: "decision.decided", targetId: `d${i}`, data: { amount: i * 10 } });
      const rows = await entries(db);
      const victim = rows[4]!;
      await tamper(db, sql`update audit_log set data = '{"amount": 1}'::jsonb where id = ${victim.id}`);
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, firstBadId: victim.id, count: 5, firstBad: { id: victim.id, action: "decision.decided", at: victim.at.toISOString() } });
      expect(result.ok === false && result.reason).toMatch(/altered/);
    } finally {
      await db.close();
    }
  });

  it("notices a changed timestamp as well as changed data", async () => {
    const db = await fresh();
    try {
      for (let i = 1; i <= 3; i++) await recordAudit(db, { action: "run.started", actor: { id: "u1", label: "ada@example.com" }, runId: `r${i}` });
      const rows = await entries(db);
      await tamper(db, sql`update audit_log set at = at - interval '1 millisecond' where id = ${rows[0]!.id}`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: rows[0]!.id });
    } finally {
      await db.close();
    }
  });

  it("notices a changed actor as well as changed data", async () => {
    const db2 = await fresh();
    try {
      for (let i = 1; i <= 3; i++) await recordAudit(db2, { action: "run.started", actor: { id: "u1", label: "ada@example.com" }, runId: `r${i}` });
      const rows = await entries(db2);
      await tamper(db2, sql`update audit_log set actor_label = 'someone-else@example.com' where id = ${rows[2]!.id}`);
      expect(await verifyAuditChain(db2)).toMatchObject({ ok: false, firstBadId: rows[2]!.id });
    } finally {
      await db2.close();
    }
  });

  it("names a deleted entry, and detects one altered and re-hashed at the entry after it", async () => {
    const db = await fresh();
    try {
      for (let i = 1; i <= 6; i++) await recordAudit(db, { action: "mission.version_saved", targetId: `m${i}` });
      const rows = await entries(db);
      await tamper(db, sql`delete from audit_log where id = ${rows[2]!.id}`);
      const result = await verifyAuditChain(db);
      // Ids rise by one, so the deleted entry itself is named, not the one after it.
      expect(result).toMatchObject({ ok: false, kind: "missing", firstBadId: rows[2]!.id, lastBadId: rows[2]!.id, firstBad: null, count: 3, verified: 2 });
      expect(result.ok === false && result.reason).toBe(`entry ${rows[2]!.id} is missing: it was deleted`);
    } finally {
      await db.close();
    }
    const db2 = await fresh();
    try {
      for (let i = 1; i <= 4; i++) await recordAudit(db2, { action: "mission.version_saved", targetId: `m${i}` });
      const rows = await entries(db2);
      const r = rows[1]!;
      const forged = { ...r, targetId: "forged", at: r.at.toISOString() };
      await tamper(db2, sql`update audit_log set target_id = 'forged', hash = ${auditHash(r.prevHash, forged)} where id = ${r.id}`);
      const relinked = await verifyAuditChain(db2);
      expect(relinked).toMatchObject({ ok: false, kind: "relinked", firstBadId: rows[2]!.id });
      expect(relinked.ok === false && relinked.reason).toMatch(new RegExp(`entry ${r.id} was altered and re-hashed`));
    } finally {
      await db2.close();
    }
  });

  it("detects the oldest entries being deleted", async () => {
    const db = await fresh();
    try {
      for (let i = 1; i <= 3; i++) await recordAudit(db, { action: "auth.sign_in", targetId: `u${i}` });
      const rows = await entries(db);
      await tamper(db, sql`delete from audit_log where id = ${rows[0]!.id}`);
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, kind: "missing", firstBadId: rows[0]!.id, firstBad: null, count: 1, verified: 0 });
      expect(result.ok === false && result.reason).toMatch(/first entry/);
    } finally {
      await db.close();
    }
  });

  // 100k on PostgreSQL; PGlite (one query at a time, in WASM) proves the same paging with fewer.
  const total = tdb.name === "postgres" ? 100_000 : 25_000;
  it(`verifies ${total.toLocaleString("en")} entries page by page`, async () => {
    const db = await fresh();
    try {
      // Built in bulk (the trigger allows inserts), chained exactly as recordAudit chains.
      const start = Date.parse("2026-01-01T00:00:00.000Z");
      let prevHash = GENESIS_HASH;
      for (let base = 0; base < total; base += 2_000) {
        const batch = [];
        for (let i = base + 1; i <= Math.min(base + 2_000, total); i++) {
          const row = { id: i, at: new Date(start + i), actorId: null, actorLabel: "system", action: "run.started", targetType: "run", targetId: `r${i}`, runId: `r${i}`, data: { i } };
          const hash = auditHash(prevHash, { ...row, at: row.at.toISOString() });
          batch.push({ ...row, prevHash, hash });
          prevHash = hash;
        }
        await db.db.insert(auditLog).values(batch);
      }
      // The chain's head, as the appends would have left it.
      await db.db.execute(sql`update audit_head set id = ${total}, hash = ${prevHash}`);
      const next = await recordAudit(db, { action: "run.cancelled", runId: "r1" });
      expect(next.id).toBe(total + 1);
      expect(next.prevHash).toBe(prevHash);
      expect(await verifyAuditChain(db)).toEqual({ ok: true, count: total + 1, anchor: null, notes: [] });
      await tamper(db, sql`update audit_log set data = '{"i": 0}'::jsonb where id = ${total - 1}`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadId: total - 1, count: total - 1 });
    } finally {
      await db.close();
    }
  }, 240_000);

  describe("reading", () => {
    let db: Database;
    let runId: string;
    beforeAll(async () => {
      db = await fresh();
      await db.db.insert(user).values({ id: "u-admin", email: "admin@example.com", name: "Admin" });
      const missionId = crypto.randomUUID();
      const versionId = crypto.randomUUID();
      runId = crypto.randomUUID();
      await db.db.insert(mission).values({ id: missionId, name: "Refunds", draft: emptyMission("Refunds"), latestVersion: 1 });
      await db.db.insert(missionVersion).values({ id: versionId, missionId, number: 1, graph: emptyMission("Refunds"), contentHash: "x" });
      await db.db.insert(run).values({ id: runId, missionId, versionId, input: {}, status: "succeeded", verdict: { outcome: "partial", summary: "Refund 42.50 EUR" } });
      const admin = { id: "u-admin" };
      await recordAudit(db, { action: "auth.sign_in", actor: admin, targetType: "user", targetId: "u-admin" });
      await recordAudit(db, { action: "run.started", actor: admin, targetType: "run", targetId: runId, runId });
      await recordAudit(db, { action: "decision.opened", targetType: "decision", targetId: "d1", runId, data: { proposed: { amount: 50 } } });
      await recordAudit(db, { action: "decision.decided", actor: requestActor({ id: "u-admin", email: "admin@example.com" }, new Headers({ authorization: "Bearer stw_abcdefghijklmnop" })), targetType: "decision", targetId: "d1", runId, data: { before: { amount: 50 }, after: { amount: 42.5 } } });
      await recordAudit(db, { action: "user.roles_changed", actor: admin, targetType: "user", targetId: "u2", data: { before: [], after: ["viewer"] } });
      await recordAudit(db, { action: "run.verdict", actor: SYSTEM_ACTOR, targetType: "run", targetId: runId, runId, data: { outcome: "partial" } });
      await recordAudit(db, { action: "connector.created", actor: admin, targetType: "connector", targetId: "100%_real" });
    });
    afterAll(() => db.close());

    it("lists newest first with filters", async () => {
      const all = await listAudit(db, { limit: 50 });
      expect(all.entries.map((e) => e.action)).toEqual([
        "connector.created",
        "run.verdict",
        "user.roles_changed",
        "decision.decided",
        "decision.opened",
        "run.started",
        "auth.sign_in",
      ]);
      expect(all.nextCursor).toBeNull();
      expect((await listAudit(db, { action: "decision.decided", limit: 50 })).entries).toHaveLength(1);
      expect((await listAudit(db, { action: "decision.*", limit: 50 })).entries.map((e) => e.action)).toEqual(["decision.decided", "decision.opened"]);
      expect((await listAudit(db, { actorId: "u-admin", limit: 50 })).entries).toHaveLength(5);
      expect((await listAudit(db, { actor: "ADMIN@", limit: 50 })).entries).toHaveLength(5);
      expect((await listAudit(db, { actor: "api key stw_abcdef", limit: 50 })).entries.map((e) => e.action)).toEqual(["decision.decided"]);
      expect((await listAudit(db, { actor: "system", limit: 50 })).entries.map((e) => e.action)).toEqual(["run.verdict", "decision.opened"]);
      expect((await listAudit(db, { targetType: "user", limit: 50 })).entries).toHaveLength(2);
      expect((await listAudit(db, { targetType: "connector", targetId: "100%_real", limit: 50 })).entries).toHaveLength(1);
      // LIKE wildcards in a filter are literal characters.
      expect((await listAudit(db, { actor: "%", limit: 50 })).entries).toHaveLength(0);
      expect((await listAudit(db, { runId, limit: 50 })).entries).toHaveLength(4);
    });

    it("filters by date range: from inclusive, to exclusive", async () => {
      const all = (await listAudit(db, { limit: 50 })).entries;
      const third = all[2]!;
      const fromThird = await listAudit(db, { from: third.at, limit: 50 });
      expect(fromThird.entries.every((e) => e.at >= third.at)).toBe(true);
      expect(fromThird.entries.map((e) => e.id)).toContain(third.id);
      const beforeThird = await listAudit(db, { to: third.at, limit: 50 });
      expect(beforeThird.entries.every((e) => e.at < third.at)).toBe(true);
      expect((await listAudit(db, { from: "2000-01-01", to: "2000-01-02", limit: 50 })).entries).toHaveLength(0);
      await expect(listAudit(db, { from: "last tuesday", limit: 50 })).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/^Invalid audit filters: from: must be an ISO date/), problems: [{ path: "from" }] });
      expect((await listAudit(db, { from: "", to: "", limit: 50 })).entries).toHaveLength(7);
    });

    it("pages with a cursor until the last page", async () => {
      const seen: number[] = [];
      let cursor: number | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<typeof listAudit>> = await listAudit(db, { limit: 3, cursor });
        seen.push(...page.entries.map((e) => e.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
      expect(new Set(seen).size).toBe(7);
    });

    it("exports the filtered entries as JSON Lines, oldest first, in pages", async () => {
      const lines = await collect(exportAuditJsonl(db, { action: "decision.*" }, 1));
      expect(lines).toHaveLength(2);
      expect(lines.every((l) => l.endsWith("\n"))).toBe(true);
      const parsed = lines.map((l) => JSON.parse(l) as { action: string; hash: string; prevHash: string; data: unknown });
      expect(parsed.map((p) => p.action)).toEqual(["decision.opened", "decision.decided"]);
      expect(parsed[1]!.data).toEqual({ before: { amount: 50 }, after: { amount: 42.5 } });
      const everything = (await collect(exportAuditJsonl(db, {}, 2))).map((l) => JSON.parse(l) as { id: number; hash: string; prevHash: string; at: string });
      expect(everything).toHaveLength(7);
      // An unfiltered export carries the chain and can be re-verified offline.
      everything.forEach((e, i) => expect(e.prevHash).toBe(i === 0 ? GENESIS_HASH : everything[i - 1]!.hash));
      await expect(collect(exportAuditJsonl(db, { to: "soon" }))).rejects.toMatchObject({ problems: [{ path: "to" }] });
    });

    it("gives a run's audit record in order with its verdict", async () => {
      const rec = await runAuditRecord(db, runId);
      expect(rec.verdict).toEqual({ outcome: "partial", summary: "Refund 42.50 EUR" });
      expect(rec.run).toMatchObject({ status: "succeeded" });
      expect(rec.entries.map((e) => e.action)).toEqual(["run.started", "decision.opened", "decision.decided", "run.verdict"]);
      await expect(runAuditRecord(db, "no-such-run")).rejects.toMatchObject({ code: "not_found" });
    });

    it("lists the recorded actions and target types", async () => {
      expect(await auditFacets(db)).toEqual({
        actions: ["auth.sign_in", "connector.created", "decision.decided", "decision.opened", "run.started", "run.verdict", "user.roles_changed"],
        targetTypes: ["connector", "decision", "run", "user"],
      });
    });
  });
});
