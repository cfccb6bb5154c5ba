import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql, type SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import type { Database } from "@/server/db/database";
import { seedMission } from "@/server/engine/testing/harness";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { testDatabases } from "@/test/databases";
import { RunError } from "./errors";
import { startRun } from "./service";

// A run of a mission's published version starts without reading the mission when this process
// has started one before (published-guess.ts): the run's insert checks that the mission is still
// live with that version published. Whatever changed since, wherever it was changed, is seen.

const graph = (summary: string) =>
  mission(
    "guessed",
    [node.trigger("start", { fields: [{ name: "id", type: "string" }] }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary })],
    edges("start->done"),
  );

describe.each(testDatabases())("starting the published version of a mission on $name", (tdb) => {
  let database: Database;
  const dialect = new PgDialect();
  /** The statements the app sent, as text. */
  const sent: string[] = [];
  beforeAll(async () => {
    const opened = await tdb.open();
    const rows = opened.rows.bind(opened);
    database = Object.assign(opened, {
      rows: <T>(query: SQL, on?: Parameters<Database["rows"]>[1]) => {
        sent.push(dialect.sqlToQuery(query).sql);
        return rows<T>(query, on);
      },
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  const send = async () => undefined;
  const start = (missionId: string, userId: string) => startRun(database, { missionId, input: { id: "x" }, userId }, { send });
  const missionReads = () => sent.filter((text) => text.includes("from mission m left join mission_version v")).length;
  const versionOf = async (runId: string) => (await database.rows<{ version_id: string }>(sql`select version_id from run where id = ${runId}`))[0]?.version_id;

  it("reads the mission for the first start only, and stores the run with the version it guessed", async () => {
    const seeded = await seedMission(database, graph("trigger.id"));
    sent.length = 0;
    const first = await start(seeded.missionId, seeded.starter);
    expect(missionReads()).toBe(1);
    const second = await start(seeded.missionId, seeded.starter);
    expect(missionReads()).toBe(1);
    expect([await versionOf(first.runId), await versionOf(second.runId)]).toEqual([seeded.versionId, seeded.versionId]);
  });

  it("refuses to start a mission archived since the guess, storing nothing", async () => {
    const seeded = await seedMission(database, graph("trigger.id"));
    await start(seeded.missionId, seeded.starter);
    await database.db.execute(sql`update mission set archived_at = now() where id = ${seeded.missionId}`);
    const before = await database.rows<{ n: number }>(sql`select count(*)::int as n from run where mission_id = ${seeded.missionId}`);
    const refused = await start(seeded.missionId, seeded.starter).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RunError);
    expect((refused as RunError).message).toMatch(/is archived/);
    expect(await database.rows(sql`select count(*)::int as n from run where mission_id = ${seeded.missionId}`)).toEqual(before);
  });

  it("refuses a start with a bad input to a mission archived since the guess as archived, as without a guess", async () => {
    const seeded = await seedMission(database, graph("trigger.id"));
    await start(seeded.missionId, seeded.starter);
    await database.db.execute(sql`update mission set archived_at = now() where id = ${seeded.missionId}`);
    const refused = await startRun(database, { missionId: seeded.missionId, input: { id: 7 }, userId: seeded.starter }, { send }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: "conflict", message: expect.stringMatching(/is archived/) });
  });

  it("runs the version published since the guess", async () => {
    const seeded = await seedMission(database, graph("trigger.id"));
    await start(seeded.missionId, seeded.starter);
    const v2 = `${seeded.versionId}-2`;
    await database.db.execute(
      sql`insert into mission_version (id, mission_id, number, graph, content_hash, author_id)
          values (${v2}, ${seeded.missionId}, 2, ${JSON.stringify(graph("'second ' + trigger.id"))}::jsonb, ${v2}, ${seeded.author})`,
    );
    await database.db.execute(sql`insert into version_review (version_id, mission_id, status, governance_hash, decided_at, note) values (${v2}, ${seeded.missionId}, 'published', '', now(), 'test')`);
    await database.db.execute(sql`update mission set latest_version = 2, published_version = 2 where id = ${seeded.missionId}`);
    const { runId } = await start(seeded.missionId, seeded.starter);
    expect(await versionOf(runId)).toBe(v2);
    // And the next start guesses the new one.
    sent.length = 0;
    expect(await versionOf((await start(seeded.missionId, seeded.starter)).runId)).toBe(v2);
    expect(missionReads()).toBe(0);
  });
});
