import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { openDatabase, type Database } from "@/server/db/database";
import { auditLog, decision, mission, missionVersion, run } from "@/server/db/schema";
import { recordAudit } from "@/server/audit/record";
import { runScript } from "@/test/run-script";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steward-backup-"));

/** Runs a script as its npm command does, with only the given configuration and an anchor file of its own. */
function npmRun(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const unset = { DATABASE_URL: undefined, STEWARD_DATA_DIR: undefined, STEWARD_SECRET_KEY: undefined };
  return runScript(script, args, { ...unset, STEWARD_AUDIT_ANCHOR: path.join(tmp, `anchors-${crypto.randomUUID()}.jsonl`), ...env });
}

/** A mission with a version, two runs, a decided and a waiting decision, and audit entries about them. */
async function fill(database: Database): Promise<void> {
  const graph = { nodes: [{ id: "a", kind: "approval" }], edges: [] };
  await database.db.insert(mission).values({ id: "m1", name: "Refunds", draft: graph as never });
  await database.db.insert(missionVersion).values({ id: "v1", missionId: "m1", number: 1, graph: graph as never, contentHash: "h" });
  await database.db.insert(run).values([
    { id: "r1", missionId: "m1", versionId: "v1", status: "succeeded", input: { amount: 42.5 }, verdict: { outcome: "approve", summary: "Refunded" } },
    { id: "r2", missionId: "m1", versionId: "v1", status: "waiting", input: { amount: 900 } },
  ]);
  await database.db.insert(decision).values([
    { id: "d1", runId: "r1", nodeId: "a", kind: "approval", status: "approved", proposed: { amount: 42.5 }, reason: "fine" },
    { id: "d2", runId: "r2", nodeId: "a", kind: "approval", proposed: { amount: 900 } },
  ]);
  await recordAudit(database, { action: "mission.created", targetId: "m1" });
  await recordAudit(database, { action: "decision.decided", targetId: "d1", data: { approve: true } });
  await recordAudit(database, { action: "run.verdict", runId: "r1", data: { outcome: "approve" } });
}

/** What must survive a round trip: missions, runs, decisions and the audit chain, row for row. */
async function contents(database: Database) {
  return {
    missions: await database.db.select().from(mission).orderBy(asc(mission.id)),
    runs: await database.db.select().from(run).orderBy(asc(run.id)),
    decisions: await database.db.select().from(decision).orderBy(asc(decision.id)),
    audit: await database.db.select().from(auditLog).orderBy(asc(auditLog.id)),
  };
}

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("backup and restore of the embedded data dir (stop, copy, start)", () => {
  const source = path.join(tmp, "data");
  const restored = path.join(tmp, "restored");
  const file = path.join(tmp, "steward.tar.gz");

  it("round-trips missions, runs, decisions and an audit chain that verifies", async () => {
    const database = await openDatabase({ driver: "pglite", dataDir: source });
    await fill(database);
    // The key the server keeps in its data dir (it decrypts connector and model secrets) goes along.
    fs.writeFileSync(path.join(source, "secret.key"), crypto.randomBytes(32).toString("hex"));
    // While a server holds the data dir, a copy would not be consistent: refused, naming the owner.
    const busy = await npmRun("backup.ts", [file], { STEWARD_DATA_DIR: source });
    expect(busy.code).toBe(2);
    expect(busy.output).toMatch(new RegExp(`in use by a running Steward server \\(process ${process.pid}\\)`));
    expect(fs.existsSync(file)).toBe(false);
    const before = await contents(database);
    await database.close();

    const made = await npmRun("backup.ts", [file], { STEWARD_DATA_DIR: source });
    expect(made.output).toContain("✔ Backed up");
    expect(made.code).toBe(0);
    const back = await npmRun("restore.ts", [file], { STEWARD_DATA_DIR: restored });
    expect(back.output).toContain("✔ Restored");
    expect(back.code).toBe(0);
    const verified = await npmRun("audit-verify.ts", [], { STEWARD_DATA_DIR: restored });
    expect(verified.output).toMatch(/intact/);
    expect(verified.code).toBe(0);

    const again = await openDatabase({ driver: "pglite", dataDir: restored });
    try {
      expect(await contents(again)).toEqual(before);
      expect(before.audit).toHaveLength(3);
    } finally {
      await again.close();
    }
    expect(fs.readFileSync(path.join(restored, "secret.key"))).toEqual(fs.readFileSync(path.join(source, "secret.key")));
  }, 120_000);

  it("refuses to restore over a data dir that holds something, or a file that is not a backup", async () => {
    const over = await npmRun("restore.ts", [file], { STEWARD_DATA_DIR: restored });
    expect(over.code).toBe(1);
    expect(over.output).toContain(`${restored} is not empty`);
    const junk = path.join(tmp, "junk.bin");
    fs.writeFileSync(junk, "not a backup");
    const wrong = await npmRun("restore.ts", [junk], { STEWARD_DATA_DIR: path.join(tmp, "fresh") });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toContain("is not an embedded data dir archive");
    const missing = await npmRun("backup.ts", [], { STEWARD_DATA_DIR: source });
    expect(missing.code).toBe(2);
    expect(missing.output).toContain("npm run backup -- <file>");
  }, 60_000);
});

const url = process.env.TEST_DATABASE_URL;

describe.runIf(url)("backup and restore on PostgreSQL (pg_dump custom format)", () => {
  const names: string[] = [];
  const admin = () => postgres(url!, { max: 1, onnotice: () => {} });
  async function freshDatabase(): Promise<string> {
    const name = `steward_test_${crypto.randomBytes(6).toString("hex")}`;
    const sql = admin();
    await sql.unsafe(`create database ${name}`);
    await sql.end();
    names.push(name);
    const u = new URL(url!);
    u.pathname = `/${name}`;
    return u.toString();
  }
  afterAll(async () => {
    const sql = admin();
    for (const name of names) await sql.unsafe(`drop database if exists ${name} with (force)`);
    await sql.end();
  });

  it("round-trips into a fresh database while the source stays open, and the audit chain verifies", async () => {
    const sourceUrl = await freshDatabase();
    const database = await openDatabase({ driver: "postgres", url: sourceUrl, max: 2 });
    const file = path.join(tmp, "steward.dump");
    try {
      await fill(database);
      const before = await contents(database);
      const made = await npmRun("backup.ts", [file], { DATABASE_URL: sourceUrl });
      expect(made.output).toContain("✔ Backed up PostgreSQL");
      expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe("PGDMP");

      const targetUrl = await freshDatabase();
      const back = await npmRun("restore.ts", [file], { DATABASE_URL: targetUrl });
      expect(back.output).toContain("✔ Restored");
      expect(back.code).toBe(0);
      const verified = await npmRun("audit-verify.ts", [], { DATABASE_URL: targetUrl });
      expect(verified.output).toMatch(/intact/);
      expect(verified.code).toBe(0);
      const restored = await openDatabase({ driver: "postgres", url: targetUrl, max: 1 });
      try {
        expect(await contents(restored)).toEqual(before);
      } finally {
        await restored.close();
      }
      // Restoring again over what is now there is refused: it would mix two histories.
      const over = await npmRun("restore.ts", [file], { DATABASE_URL: targetUrl });
      expect(over.code).toBe(1);
      expect(over.output).toContain("The target database is not empty");
      const wrong = await npmRun("restore.ts", [path.join(tmp, "steward.tar.gz")], { DATABASE_URL: await freshDatabase() });
      expect(wrong.output).toMatch(/not a pg_dump custom-format backup|There is no backup/);
    } finally {
      await database.close();
    }
  }, 120_000);
});
