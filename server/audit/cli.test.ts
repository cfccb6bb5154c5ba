import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asc, sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase, type Database } from "@/server/db/database";
import { auditLog } from "@/server/db/schema";
import { recordAudit } from "./record";
import { rehashFrom, tamper } from "./tampering";
import { anchorKeyFrom } from "./anchor-key";
import { takeAnchor } from "./anchor";
import { deriveKey } from "@/server/crypto/secrets";
import { runScript } from "@/test/run-script";


/** Runs the CLI as `npm run audit:verify` does, in a child process, with only the given configuration. */
function cli(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return runScript("audit-verify.ts", [], { DATABASE_URL: undefined, STEWARD_DATA_DIR: undefined, STEWARD_SECRET_KEY: undefined, STEWARD_AUDIT_ANCHOR: undefined, ...env });
}

async function fill(database: Database): Promise<void> {
  await recordAudit(database, { action: "auth.sign_in", actor: { id: null, label: "ada@example.com" } });
  await recordAudit(database, { action: "user.roles_changed", targetId: "u2", data: { before: ["viewer"], after: ["admin"] } });
  await recordAudit(database, { action: "decision.decided", targetId: "d1", data: { amount: 42.5 } });
  await recordAudit(database, { action: "run.verdict", runId: "r1", data: { outcome: "approve" } });
}

async function alterThird(database: Database) {
  const rows = await database.db.select().from(auditLog).orderBy(asc(auditLog.id));
  const third = rows[2]!;
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_log disable trigger audit_log_append_only`);
    await tx.execute(sql`update audit_log set data = '{"amount": 4250}'::jsonb where id = ${third.id}`);
    await tx.execute(sql`alter table audit_log enable trigger audit_log_append_only`);
  });
  return third;
}

describe("npm run audit:verify on an embedded data dir", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "steward-audit-cli-"));
    dirs.push(d);
    return d;
  };

  it("says the chain is intact and exits 0", async () => {
    const dir = tempDir();
    const database = await openDatabase({ driver: "pglite", dataDir: dir });
    await fill(database);
    await database.close();
    const res = await cli({ STEWARD_DATA_DIR: dir });
    expect(res.output).toContain("Audit chain intact: 4 entries verified.");
    expect(res.code).toBe(0);
  }, 120_000);

  it("refuses with exit 2 while a server holds the data dir, then names the altered entry and exits 1", async () => {
    const dir = tempDir();
    const database = await openDatabase({ driver: "pglite", dataDir: dir });
    await fill(database);
    const third = await alterThird(database);

    const locked = await cli({ STEWARD_DATA_DIR: dir });
    expect(locked.code).toBe(2);
    expect(locked.output).toContain(`is in use by a running Steward server (process ${process.pid})`);
    expect(locked.output).toMatch(/stop the server.*Verify chain/s);

    await database.close();
    const res = await cli({ STEWARD_DATA_DIR: dir });
    expect(res.output).toContain(`Audit chain broken at entry ${third.id} (decision.decided, ${third.at.toISOString()})`);
    expect(res.output).toContain("the entry was altered after it was written");
    expect(res.code).toBe(1);
  }, 120_000);

  it("names the entries deleted after an anchor from the anchor file, and reports anchors signed with another key as forged", async () => {
    const dir = tempDir();
    const anchors = path.join(tempDir(), "anchors.jsonl");
    const secretText = crypto.randomBytes(32).toString("hex");
    const database = await openDatabase({ driver: "pglite", dataDir: dir });
    await fill(database);
    const taken = await takeAnchor(database, { key: anchorKeyFrom(deriveKey(secretText)), sink: { kind: "file", path: anchors } });
    if (!taken.taken) throw new Error(taken.reason);
    // Everything deleted, the anchors in the database too, and the head reset to an empty log.
    await tamper(database, sql`delete from audit_log`, sql`delete from audit_anchor`);
    await rehashFrom(database, 1);
    await database.close();

    const res = await cli({ STEWARD_DATA_DIR: dir, STEWARD_SECRET_KEY: secretText, STEWARD_AUDIT_ANCHOR: anchors });
    expect(res.output).toContain(`✖ Audit log tampered: entries 1–4 were deleted after anchor #${taken.anchor.id} was taken at ${taken.anchor.at}`);
    expect(res.code).toBe(1);

    const other = crypto.randomBytes(32).toString("hex");
    const forged = await cli({ STEWARD_DATA_DIR: dir, STEWARD_SECRET_KEY: other, STEWARD_AUDIT_ANCHOR: anchors });
    expect(forged.output).toMatch(/✖ Audit anchor forged: anchor #\d+ \(for entry 4, taken at .*\) was signed with key [0-9a-f]{16}, not this installation's key [0-9a-f]{16}/);
    expect(forged.code).toBe(1);
  }, 120_000);

  it("exits 2 for a data dir that holds no database, instead of creating one", async () => {
    const dir = path.join(tempDir(), "missing");
    const res = await cli({ STEWARD_DATA_DIR: dir });
    expect(res.code).toBe(2);
    expect(res.output).toContain(`There is no embedded database at ${dir}`);
    expect(fs.existsSync(dir)).toBe(false);
  }, 60_000);
});

describe.skipIf(!process.env.TEST_DATABASE_URL)("npm run audit:verify on PostgreSQL (DATABASE_URL)", () => {
  const base = process.env.TEST_DATABASE_URL ?? "";
  const name = `steward_audit_cli_${crypto.randomBytes(5).toString("hex")}`;
  const url = (() => {
    if (!base) return "";
    const u = new URL(base);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  const anchorDir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-audit-cli-pg-"));
  afterAll(async () => {
    fs.rmSync(anchorDir, { recursive: true, force: true });
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("names the altered entry and exits 1", async () => {
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const database = await openDatabase({ driver: "postgres", url, max: 2 });
    try {
      await fill(database);
      // Its own anchor file, never the checkout's default beside ./.steward.
      const anchorFile = path.join(anchorDir, "anchors.jsonl");
      const intact = await cli({ DATABASE_URL: url, STEWARD_AUDIT_ANCHOR: anchorFile });
      expect(intact.output).toContain("Audit chain intact: 4 entries verified.");
      expect(intact.code).toBe(0);
      const third = await alterThird(database);
      const res = await cli({ DATABASE_URL: url, STEWARD_AUDIT_ANCHOR: anchorFile });
      expect(res.output).toContain(`Audit chain broken at entry ${third.id} (decision.decided, ${third.at.toISOString()})`);
      expect(res.code).toBe(1);
    } finally {
      await database.close();
    }
  }, 120_000);
});
