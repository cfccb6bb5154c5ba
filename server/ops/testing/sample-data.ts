import crypto from "node:crypto";
import path from "node:path";
import postgres from "postgres";
import { afterAll } from "vitest";
import { asc } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { auditLog, decision, mission, missionVersion, run } from "@/server/db/schema";
import { recordAudit } from "@/server/audit/record";
import { runScript } from "@/test/run-script";

// What the operations scripts' tests (backup and restore, migrate-to-postgres) move and compare.

/** Runs a script as its npm command does, with only the given configuration and an anchor file of its own in `tmp`. */
export function runOpsScript(tmp: string, script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const unset = { DATABASE_URL: undefined, STEWARD_DATA_DIR: undefined, STEWARD_SECRET_KEY: undefined };
  return runScript(script, args, { ...unset, STEWARD_AUDIT_ANCHOR: path.join(tmp, `anchors-${crypto.randomUUID()}.jsonl`), ...env });
}

/** A mission with a version, two runs, a decided and a waiting decision, and audit entries about them. */
export async function fill(database: Database): Promise<void> {
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
export async function contents(database: Database) {
  return {
    missions: await database.db.select().from(mission).orderBy(asc(mission.id)),
    runs: await database.db.select().from(run).orderBy(asc(run.id)),
    decisions: await database.db.select().from(decision).orderBy(asc(decision.id)),
    audit: await database.db.select().from(auditLog).orderBy(asc(auditLog.id)),
  };
}


/** For a describe block: `fresh()` creates an empty database on the server at `url` and returns its URL; all are dropped after the block. */
export function freshPostgresDatabases(url: string): { fresh(): Promise<string> } {
  const names: string[] = [];
  const admin = () => postgres(url, { max: 1, onnotice: () => {} });
  afterAll(async () => {
    const sql = admin();
    for (const name of names) await sql.unsafe(`drop database if exists ${name} with (force)`);
    await sql.end();
  });
  return {
    async fresh() {
      const name = `steward_test_${crypto.randomBytes(6).toString("hex")}`;
      const sql = admin();
      await sql.unsafe(`create database ${name}`);
      await sql.end();
      names.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
  };
}
