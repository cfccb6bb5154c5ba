import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openDatabase } from "@/server/db/database";
import { knowledgeClause, knowledgeDocument, observation } from "@/server/db/schema";
import { recordAudit } from "@/server/audit/record";
import { contents, fill, freshPostgresDatabases, runOpsScript } from "./testing/sample-data";

// `npm run migrate-to-postgres` through the npm script, from a PGlite data dir into a fresh
// PostgreSQL database: the same missions, runs, decisions and audit log row for row, an audit chain
// that verifies there and goes on, serial ids that go on after the copied ones; refused while a
// server holds the data dir, into a database with rows, or with another secret key.

const url = process.env.TEST_DATABASE_URL;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steward-migrate-"));
const npmRun = (env: Record<string, string>) => runOpsScript(tmp, "migrate-to-postgres.ts", [], env);

describe.runIf(url)("npm run migrate-to-postgres", () => {
  const freshDatabase = freshPostgresDatabases(url!).fresh;
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("moves a data dir into PostgreSQL with one command: the same rows, and the audit chain verifies and goes on", async () => {
    const dataDir = path.join(tmp, "data");
    const key = crypto.randomBytes(32).toString("hex");
    const source = await openDatabase({ driver: "pglite", dataDir });
    await fill(source);
    await source.db.insert(observation).values([
      { runId: "r1", nodeId: "a", kind: "status", text: "a waiting", data: { status: "waiting" } },
      { runId: "r1", nodeId: "a", kind: "status", text: "a approved by Ada", data: { status: "succeeded" } },
    ]);
    // A table with a generated column (full-text search): computed again on the other side.
    await source.db.insert(knowledgeDocument).values({ id: "k1", slug: "refunds", title: "Refunds", format: "markdown", source: "# Refunds", sizeBytes: 9, contentHash: "h" });
    await source.db.insert(knowledgeClause).values({ id: "REF-1", documentId: "k1", position: 0, title: "Refund window", text: "Refunds within 30 days", headingPath: ["Refunds"] });
    fs.writeFileSync(path.join(dataDir, "secret.key"), `${key}\n`);
    const target = await freshDatabase();
    // A server holds the data dir: refused, naming it, and nothing written.
    const busy = await npmRun({ STEWARD_DATA_DIR: dataDir, DATABASE_URL: target, STEWARD_SECRET_KEY: key });
    expect(busy.output).toMatch(new RegExp(`in use by a running Steward server \\(process ${process.pid}\\)`));
    expect(busy.code).toBe(2);
    const before = await contents(source);
    const observationsBefore = await source.db.select().from(observation);
    const clausesBefore = await source.db.select().from(knowledgeClause);
    await source.close();

    // Another key than the one the data dir's secrets are encrypted with: refused.
    const wrongKey = await npmRun({ STEWARD_DATA_DIR: dataDir, DATABASE_URL: target, STEWARD_SECRET_KEY: "f".repeat(64) });
    expect(wrongKey.output).toContain("STEWARD_SECRET_KEY is not the key the data dir's secrets are encrypted with");
    expect(wrongKey.code).toBe(1);

    const moved = await npmRun({ STEWARD_DATA_DIR: dataDir, DATABASE_URL: target, STEWARD_SECRET_KEY: key });
    expect(moved.output).toMatch(/✔ Moved \d+ rows in \d+ tables/);
    expect(moved.code).toBe(0);
    const verified = await runOpsScript(tmp, "audit-verify.ts", [], { DATABASE_URL: target });
    expect(verified.output).toMatch(/intact/);
    expect(verified.code).toBe(0);

    const pg = await openDatabase({ driver: "postgres", url: target, max: 1 });
    try {
      expect(await contents(pg)).toEqual(before);
      expect(before.audit).toHaveLength(3);
      expect(await pg.db.select().from(observation)).toEqual(observationsBefore);
      expect(await pg.db.select().from(knowledgeClause)).toEqual(clausesBefore);
      expect(clausesBefore[0]?.search).toContain("refund");
      // Serial ids go on after the copied ones, and the chain goes on from the copied head.
      const [next] = await pg.db.insert(observation).values({ runId: "r1", kind: "text", text: "after the move" }).returning({ id: observation.id });
      expect(next!.id).toBeGreaterThan(Math.max(...observationsBefore.map((o) => o.id)));
      await recordAudit(pg, { action: "mission.updated", targetId: "m1" });
      const [{ n } = { n: 0 }] = await pg.rows<{ n: number }>(sql`select count(*)::int as n from audit_log`);
      expect(n).toBe(4);
    } finally {
      await pg.close();
    }
    const still = await runOpsScript(tmp, "audit-verify.ts", [], { DATABASE_URL: target });
    expect(still.output).toMatch(/intact/);
    expect(still.code).toBe(0);

    // Again into the same database: it has rows now, so it is refused and nothing changes.
    const again = await npmRun({ STEWARD_DATA_DIR: dataDir, DATABASE_URL: target, STEWARD_SECRET_KEY: key });
    expect(again.output).toContain("The target database is not empty");
    expect(again.code).toBe(1);
    // Without a target: says how to run it.
    const usage = await npmRun({ STEWARD_DATA_DIR: dataDir });
    expect(usage.output).toContain("npm run migrate-to-postgres");
    expect(usage.code).toBe(2);
  }, 180_000);
});
