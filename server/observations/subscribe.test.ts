import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openDatabase, notify, type Database } from "@/server/db/database";
import { testDatabases } from "@/test/databases";
import { OBSERVATION_CHANNEL, recordObservation } from "./record";
import { listObservations } from "./query";
import { observeRun, openRunStream, parsePayload, type ObservedRow } from "./subscribe";
import { seedRun } from "./testing/seed-run";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs observeRun in the background, collecting rows until stopped. */
function collect(database: Database, runId: string, opts: { after?: number; pollMs?: number; pageSize?: number } = {}) {
  const rows: ObservedRow[] = [];
  const ctl = new AbortController();
  const done = (async () => {
    for await (const row of observeRun(database, { runId, signal: ctl.signal, pollMs: opts.pollMs ?? 60_000, ...opts })) rows.push(row);
  })();
  return {
    rows,
    ids: () => rows.map((r) => r.observation.id),
    async until(pred: () => boolean, what: string, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what} (have ${rows.length} rows)`);
        await sleep(10);
      }
    },
    async stop() {
      ctl.abort();
      await done;
    },
  };
}

async function dbIds(database: Database, runId: string): Promise<number[]> {
  const rows = await database.rows<{ id: number }>(sql`select id from observation where run_id = ${runId} order by id`);
  return rows.map((r) => Number(r.id));
}

function write(database: Database, runId: string, text: string) {
  return recordObservation(database, { runId, nodeId: "approval", kind: "reasoning", text });
}

/** Inserts a "slow" row in a transaction that stays open until `commit()`; resolves once the row has its id. */
async function uncommitted(database: Database, runId: string) {
  let release!: () => void;
  const mayCommit = new Promise<void>((r) => (release = r));
  let inserted!: () => void;
  const hasId = new Promise<void>((r) => (inserted = r));
  const committed = database.db.transaction(async (tx) => {
    await recordObservation(database, { runId, kind: "status", text: "slow" }, tx);
    inserted();
    await mayCommit;
  });
  await hasId;
  return {
    async commit() {
      release();
      await committed;
    },
  };
}

describe("parsePayload", () => {
  it("splits `<runId>:<id>` and refuses anything else", () => {
    expect(parsePayload("3f1c-9a:42")).toEqual({ runId: "3f1c-9a", id: 42 });
    expect(parsePayload("run:with:colons:7")).toEqual({ runId: "run:with:colons", id: 7 });
    expect(parsePayload("nothing")).toBeNull();
    expect(parsePayload(":5")).toBeNull();
    expect(parsePayload("r:abc")).toBeNull();
    expect(parsePayload("r:0")).toBeNull();
  });
});

describe.each(testDatabases())("observeRun on $name", (tdb) => {
  let database: Database;
  beforeAll(async () => {
    database = await tdb.open();
  });
  afterAll(() => database?.close());

  it("sends the backlog in id order, then live rows, each once", async () => {
    const { runId } = await seedRun(database);
    const other = await seedRun(database);
    for (let i = 0; i < 7; i++) await write(database, runId, `backlog ${i}`);
    await write(database, other.runId, "another run");
    // A page size smaller than the backlog makes the backlog read in several pages.
    const sub = collect(database, runId, { pageSize: 3 });
    await sub.until(() => sub.rows.length === 7, "the backlog");
    for (let i = 0; i < 5; i++) await write(database, runId, `live ${i}`);
    await sub.until(() => sub.rows.length === 12, "the live rows");
    await sleep(100);
    await sub.stop();
    expect(sub.ids()).toEqual(await dbIds(database, runId));
    expect(sub.rows.map((r) => r.observation.text)).toEqual([...Array.from({ length: 7 }, (_, i) => `backlog ${i}`), ...Array.from({ length: 5 }, (_, i) => `live ${i}`)]);
    expect(sub.rows.every((r) => r.observation.runId === runId)).toBe(true);
    // The resume point is the row's own id when rows arrive in order.
    expect(sub.rows.map((r) => r.cursor)).toEqual(sub.ids());
    expect(typeof sub.rows[0]?.observation.at).toBe("string");
  });

  it("resumes after lastEventId with nothing missing and nothing repeated", async () => {
    const { runId } = await seedRun(database);
    for (let i = 0; i < 6; i++) await write(database, runId, `row ${i}`);
    const all = await dbIds(database, runId);
    const resumeAfter = all[2]!;
    const sub = collect(database, runId, { after: resumeAfter });
    await sub.until(() => sub.rows.length === 3, "rows after the resume point");
    await write(database, runId, "after resume");
    await sub.until(() => sub.rows.length === 4, "the live row");
    await sleep(100);
    await sub.stop();
    expect(sub.ids()).toEqual((await dbIds(database, runId)).filter((id) => id > resumeAfter));
  });

  /** 4 writers × 60 rows, every third inside a transaction that stays open a moment (out-of-order commits). */
  function concurrentWriters(runId: string) {
    return Array.from({ length: 4 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 60; i++) {
          if (i % 3 === 0) {
            // Written inside a transaction (as the engine does): published before it commits.
            await database.db.transaction(async (tx) => {
              await recordObservation(database, { runId, nodeId: `w${w}`, kind: "status", text: `w${w} tx ${i}` }, tx);
              await sleep(1);
            });
          } else {
            await write(database, runId, `w${w} ${i}`);
          }
        }
      })(),
    );
  }

  it("misses and repeats nothing while writers run concurrently with subscribing", async () => {
    const { runId } = await seedRun(database);
    const writers = concurrentWriters(runId);
    await sleep(15);
    const sub = collect(database, runId);
    await Promise.all(writers);
    const expected = await dbIds(database, runId);
    expect(expected).toHaveLength(240);
    await sub.until(() => sub.rows.length >= expected.length, "every row");
    await sleep(200);
    await sub.stop();
    expect(sub.ids()).toHaveLength(expected.length);
    expect([...sub.ids()].sort((a, b) => a - b)).toEqual(expected);
  });

  it("a client that reconnects resumes after its last resume point and, re-reading its recent rows, misses nothing", async () => {
    const { runId } = await seedRun(database);
    const writers = concurrentWriters(runId);
    await sleep(15);
    const first = collect(database, runId);
    await sleep(40);
    await first.stop();
    const resumeFrom = first.rows.at(-1)?.cursor ?? 0;
    const second = collect(database, runId, { after: resumeFrom });
    // What the run view does on every reconnect: list again from 500 rows back (out-of-order
    // commits are a few ids behind at most), keeping rows unique by id.
    const held = first.ids().sort((a, b) => a - b);
    const floor = held.length > 500 ? held[held.length - 500]! : 0;
    const relisted = (await listObservations(database, { runId, limit: 5_000, ...(floor ? { cursor: floor } : {}) })).items.map((o) => o.id);
    await Promise.all(writers);
    const expected = await dbIds(database, runId);
    const seen = () => new Set([...first.ids(), ...relisted, ...second.ids()]);
    await second.until(() => seen().size === expected.length, "every row");
    await sleep(200);
    await second.stop();
    expect([...seen()].sort((a, b) => a - b)).toEqual(expected);
    // Each connection sends each id once.
    expect(new Set(first.ids()).size).toBe(first.ids().length);
    expect(new Set(second.ids()).size).toBe(second.ids().length);
  });

  it("delivers a row whose transaction commits after a higher id was already delivered", async () => {
    const { runId } = await seedRun(database);
    const sub = collect(database, runId);
    await write(database, runId, "before");
    await sub.until(() => sub.rows.length === 1, "the first row");
    const slow = await uncommitted(database, runId);
    if (database.driver === "postgres") {
      // Another connection takes a higher id and commits first: the slow row becomes visible later.
      await write(database, runId, "fast");
      await sub.until(() => sub.rows.some((r) => r.observation.text === "fast"), "the fast row");
      expect(sub.rows.some((r) => r.observation.text === "slow")).toBe(false);
    }
    await slow.commit();
    if (database.driver === "pglite") await write(database, runId, "fast");
    await sub.until(() => sub.rows.some((r) => r.observation.text === "slow") && sub.rows.some((r) => r.observation.text === "fast"), "the slow row");
    await sleep(200);
    await sub.stop();
    expect(sub.ids().sort((a, b) => a - b)).toEqual(await dbIds(database, runId));
    // The resume point never goes back below a row already delivered.
    const cursors = sub.rows.map((r) => r.cursor);
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
  });

  it("opened at the end, with the backlog listed after it opened, misses nothing while writers run", async () => {
    const { runId } = await seedRun(database);
    const writers = Array.from({ length: 3 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 50; i++) {
          if (i % 4 === 0) {
            await database.db.transaction(async (tx) => {
              await recordObservation(database, { runId, nodeId: `w${w}`, kind: "status", text: `w${w} tx ${i}` }, tx);
            });
          } else {
            await write(database, runId, `w${w} ${i}`);
          }
        }
      })(),
    );
    await sleep(10);
    const ctl = new AbortController();
    const stream = await openRunStream(database, { runId, after: "end", signal: ctl.signal, pollMs: 60_000 });
    const streamed: number[] = [];
    const reading = (async () => {
      for await (const row of stream) streamed.push(row.observation.id);
    })();
    // The client's backlog read, after the stream is open.
    const listed: number[] = [];
    let cursor: number | undefined;
    for (;;) {
      const page = await listObservations(database, { runId, limit: 40, ...(cursor ? { cursor } : {}) });
      listed.push(...page.items.map((o) => o.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    await Promise.all(writers);
    const expected = await dbIds(database, runId);
    expect(expected).toHaveLength(150);
    const union = () => new Set([...listed, ...streamed]);
    const end = Date.now() + 10_000;
    while (union().size < expected.length && Date.now() < end) await sleep(10);
    ctl.abort();
    await reading;
    expect([...union()].sort((a, b) => a - b)).toEqual(expected);
    expect(new Set(streamed).size).toBe(streamed.length);
  });

  it.runIf(tdb.name === "postgres")("opened at the end, still delivers a row that commits late below the end", async () => {
    const { runId } = await seedRun(database);
    const slow = await uncommitted(database, runId);
    await write(database, runId, "fast");
    const ctl = new AbortController();
    const stream = await openRunStream(database, { runId, after: "end", signal: ctl.signal, pollMs: 60_000 });
    const streamed: string[] = [];
    const reading = (async () => {
      for await (const row of stream) streamed.push(row.observation.text);
    })();
    const listed = (await listObservations(database, { runId })).items.map((o) => o.text);
    expect(listed).toEqual(["fast"]);
    await slow.commit();
    const end = Date.now() + 5_000;
    while (!streamed.includes("slow") && Date.now() < end) await sleep(10);
    ctl.abort();
    await reading;
    // "fast" may come both ways (its NOTIFY can arrive after the stream opened); never twice here.
    expect(streamed).toContain("slow");
    expect(new Set(streamed).size).toBe(streamed.length);
  });

  it.runIf(tdb.name === "postgres")("resumed after a point, still delivers a row below it that commits after the client re-listed", async () => {
    const { runId } = await seedRun(database);
    const slow = await uncommitted(database, runId);
    // The first connection is sent "fast" (a higher id) and drops; "slow" is still uncommitted.
    await write(database, runId, "fast");
    const first = collect(database, runId);
    await first.until(() => first.rows.length === 1, "the fast row");
    await first.stop();
    const resumeFrom = first.rows[0]!.cursor;
    const second = collect(database, runId, { after: resumeFrom });
    await sleep(50);
    const relisted = (await listObservations(database, { runId })).items.map((o) => o.text);
    expect(relisted).toEqual(["fast"]);
    await slow.commit();
    await second.until(() => second.rows.some((r) => r.observation.text === "slow"), "the late row", 5_000);
    await sleep(100);
    await second.stop();
    expect(second.rows.filter((r) => r.observation.text === "slow")).toHaveLength(1);
    // The resume point does not go back below what the client was already sent.
    expect(second.rows.every((r) => r.cursor >= resumeFrom)).toBe(true);
  });

  it("releases its listener when a stream that was opened is aborted before it is read", async () => {
    const { runId } = await seedRun(database);
    const { observationBus } = await import("./record");
    const ctl = new AbortController();
    await openRunStream(database, { runId, after: "end", signal: ctl.signal });
    expect(observationBus().listenerCount(runId)).toBe(1);
    ctl.abort();
    expect(observationBus().listenerCount(runId)).toBe(0);
  });

  it("stops when the signal aborts, and releases its bus listener", async () => {
    const { runId } = await seedRun(database);
    const { observationBus } = await import("./record");
    const sub = collect(database, runId);
    await sub.until(() => observationBus().listenerCount(runId) === 1, "the bus listener");
    await sub.stop();
    expect(observationBus().listenerCount(runId)).toBe(0);
  });

  it("lists a page, filtered by node and kind, with a cursor", async () => {
    const { runId } = await seedRun(database);
    await recordObservation(database, { runId, nodeId: "a", kind: "reasoning", text: "r1" });
    await recordObservation(database, { runId, nodeId: "a", kind: "tool_call", text: "t1", data: { tool: "x.y", args: { n: 1 } } });
    await recordObservation(database, { runId, nodeId: "b", kind: "reasoning", text: "r2" });
    await recordObservation(database, { runId, nodeId: "a", kind: "error", text: "e1" });
    const page1 = await listObservations(database, { runId, limit: 2 });
    expect(page1.items.map((o) => o.text)).toEqual(["r1", "t1"]);
    expect(page1.nextCursor).toBe(page1.items[1]!.id);
    const page2 = await listObservations(database, { runId, limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((o) => o.text)).toEqual(["r2", "e1"]);
    expect(page2.nextCursor).toBeNull();
    expect((await listObservations(database, { runId, nodeId: "a" })).items.map((o) => o.text)).toEqual(["r1", "t1", "e1"]);
    expect((await listObservations(database, { runId, kinds: ["reasoning", "error"] })).items.map((o) => o.text)).toEqual(["r1", "r2", "e1"]);
    expect((await listObservations(database, { runId, nodeId: "a", kinds: ["tool_call"] })).items[0]?.data).toEqual({ tool: "x.y", args: { n: 1 } });
    await expect(listObservations(database, { runId, limit: 0 })).rejects.toMatchObject({ code: "bad_request", problems: [{ path: "limit" }] });
  });

  it.runIf(tdb.name === "postgres")("wakes on a NOTIFY from another replica's database handle", async () => {
    const { runId } = await seedRun(database);
    const [{ name } = { name: "" }] = await database.rows<{ name: string }>(sql`select current_database() as name`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    const replica = await openDatabase({ driver: "postgres", url: url.toString(), max: 2 });
    try {
      // Polling is effectively off: only the NOTIFY can deliver these in time.
      const sub = collect(database, runId, { pollMs: 600_000 });
      await sleep(50);
      for (let i = 0; i < 3; i++) {
        // The other replica writes and notifies; nothing is emitted on this process's bus.
        const [row] = await replica.rows<{ id: number }>(
          sql`insert into observation (run_id, kind, text) values (${runId}, 'text', ${`replica ${i}`}) returning id`,
        );
        await notify(replica, OBSERVATION_CHANNEL, `${runId}:${row!.id}`);
      }
      await sub.until(() => sub.rows.length === 3, "the replica's rows", 5_000);
      await sub.stop();
      expect(sub.rows.map((r) => r.observation.text)).toEqual(["replica 0", "replica 1", "replica 2"]);
    } finally {
      await replica.close();
    }
  });
});
