import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/server/db/database";
import { contents, fill, freshPostgresDatabases, runOpsScript } from "./testing/sample-data";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steward-backup-"));

/** Runs a script as its npm command does, with only the given configuration and an anchor file of its own. */
const npmRun = (script: string, args: string[], env: Record<string, string>) => runOpsScript(tmp, script, args, env);

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
  const freshDatabase = freshPostgresDatabases(url!).fresh;

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
