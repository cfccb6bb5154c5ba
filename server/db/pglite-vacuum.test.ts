import { afterEach, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "./database";
import { busyClock, vacuumDue, vacuumWhenQuiet } from "./pglite-vacuum.mjs";

const QUEUE = `create table q (id bigserial primary key, run_id text not null, run_at timestamptz not null default now(), locked_until timestamptz);
               create index q_due on q (run_at)`;

/** What the engine does to its job queue: a row in, claimed, out. */
async function churn(pg: PGlite, n: number) {
  for (let i = 0; i < n; i++) {
    await pg.query("insert into q (run_id) values ($1)", [`r${i}`]);
    await pg.query("update q set locked_until = now() + interval '1 minute' where run_id = $1", [`r${i}`]);
    await pg.query("delete from q where run_id = $1", [`r${i}`]);
  }
}

/** Statistics reach pg_stat_user_tables at most once a second; this makes the next statement send them. */
async function flushStats(pg: PGlite) {
  await pg.query("select pg_stat_force_next_flush()");
  await pg.query("select 1");
}

const size = async (pg: PGlite, table: string) => Number((await pg.query<{ n: string }>(`select pg_total_relation_size('${table}') as n`)).rows[0]!.n);

const open: PGlite[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((pg) => pg.close()));
});
async function pglite() {
  const pg = new PGlite();
  open.push(pg);
  await pg.exec(QUEUE);
  return pg;
}

describe("vacuumDue", () => {
  it("keeps a queue that is filled and emptied at its size; without it the empty queue keeps growing", async () => {
    const [kept, left] = await Promise.all([pglite(), pglite()]);
    const sizes = { kept: [] as number[], left: [] as number[] };
    for (let round = 0; round < 4; round++) {
      await Promise.all([churn(kept, 1500), churn(left, 1500)]);
      await flushStats(kept);
      const done = await vacuumDue(kept);
      expect(done).toContainEqual({ name: "public.q", vacuum: true, analyze: true });
      sizes.kept.push(await size(kept, "q"));
      sizes.left.push(await size(left, "q"));
    }
    // Vacuumed, the queue takes its room once (with its free space and visibility maps) and keeps it.
    expect(sizes.kept[3]).toBeLessThanOrEqual(sizes.kept[1]!);
    expect(sizes.left[3]).toBeGreaterThan(1.5 * sizes.left[1]!);
    expect((await kept.query("select count(*)::int as n from q")).rows).toEqual([{ n: 0 }]);
  });

  it("works on the tables past autovacuum's thresholds only: changed rows to analyze, dead rows to vacuum", async () => {
    const pg = await pglite();
    await pg.exec("create table few (id int); create table many (id int)");
    await pg.query("insert into few select generate_series(1, 40)");
    await pg.query("insert into many select generate_series(1, 500)");
    await flushStats(pg);
    // 500 rows inserted: past the 50 changes that call for an analyze, short of the 1000 inserts for a vacuum.
    expect(await vacuumDue(pg)).toEqual([{ name: "public.many", vacuum: false, analyze: true }]);
    const stats = await pg.query<{ relname: string; analyzed: boolean; vacuumed: boolean }>(
      "select relname, last_analyze is not null as analyzed, last_vacuum is not null as vacuumed from pg_stat_user_tables where relname in ('few', 'many') order by relname",
    );
    expect(stats.rows).toEqual([
      { relname: "few", analyzed: false, vacuumed: false },
      { relname: "many", analyzed: true, vacuumed: false },
    ]);
    // The planner now knows the table's values, not only its size.
    expect((await pg.query("select count(*)::int as n from pg_stats where tablename = 'many'")).rows).toEqual([{ n: 1 }]);

    await pg.query("delete from many where id <= 300");
    await flushStats(pg);
    expect(await vacuumDue(pg)).toEqual([{ name: "public.many", vacuum: true, analyze: true }]);
    await flushStats(pg);
    expect(await vacuumDue(pg)).toEqual([]);
  });
});

/** A load that keeps the database busy all the time while `on`: its running total grows with the clock. */
function load() {
  let total = 0;
  let since: number | undefined;
  return {
    start: () => void (since = performance.now()),
    stop: () => {
      if (since !== undefined) total += performance.now() - since;
      since = undefined;
    },
    busyMs: () => total + (since === undefined ? 0 : performance.now() - since),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("vacuumWhenQuiet", () => {
  async function watched() {
    const pg = await pglite();
    const asked: string[] = [];
    const counted = { query: (text: string) => (asked.push(text), pg.query(text)), exec: (text: string) => (asked.push(text), pg.exec(text)) };
    await churn(pg, 100);
    await flushStats(pg);
    return { pg, asked, counted, vacuumed: () => asked.includes("VACUUM public.q") };
  }

  it("waits while statements keep the database busy, and vacuums once it is quiet", async () => {
    const { asked, counted, vacuumed } = await watched();
    const busy = load();
    busy.start();
    const vacuum = vacuumWhenQuiet(counted, { busyMs: busy.busyMs, checkMs: 20, everyMs: 20, maxWaitMs: 60_000 });
    try {
      await sleep(400);
      // Busy all along: not even the look at which tables are due, which reads the statistics.
      expect(asked).toEqual([]);
      busy.stop();
      await expect.poll(vacuumed, { timeout: 2000, interval: 10 }).toBe(true);
    } finally {
      await vacuum.stop();
    }
  });

  it("looks nothing up while nothing runs", async () => {
    const { asked, counted } = await watched();
    const vacuum = vacuumWhenQuiet(counted, { busyMs: () => 0, checkMs: 10, everyMs: 10 });
    await sleep(200);
    await vacuum.stop();
    expect(asked).toEqual([]);
  });

  it("still vacuums a database that is never quiet, once the longest wait has passed", async () => {
    const { counted, vacuumed } = await watched();
    const busy = load();
    busy.start();
    const t0 = performance.now();
    let at: number | undefined;
    const vacuum = vacuumWhenQuiet(counted, { busyMs: busy.busyMs, checkMs: 10, everyMs: 10, maxWaitMs: 300 });
    try {
      await expect.poll(() => vacuumed() && (at ??= performance.now()) > 0, { timeout: 3000, interval: 5 }).toBe(true);
      expect(at! - t0).toBeGreaterThanOrEqual(290);
    } finally {
      await vacuum.stop();
    }
  });

  it("stops after the round under way", async () => {
    const { asked, counted, vacuumed } = await watched();
    // One short statement after it began, then quiet.
    let busy = 0;
    const vacuum = vacuumWhenQuiet(counted, { busyMs: () => busy, checkMs: 10, everyMs: 10 });
    busy = 1;
    await expect.poll(vacuumed, { timeout: 2000, interval: 5 }).toBe(true);
    await vacuum.stop();
    const after = asked.length;
    busy = 2;
    await sleep(100);
    expect(asked.length).toBe(after);
  });
});

describe("busyClock", () => {
  it("counts the time any statement was under way, overlapping ones once, failed ones too", async () => {
    const clock = busyClock();
    expect(clock.busyMs()).toBe(0);
    const t0 = performance.now();
    await Promise.all([clock.timed(() => sleep(60)), clock.timed(() => sleep(30)), clock.timed(() => Promise.reject(new Error("no")).catch(() => sleep(10)))]);
    const both = clock.busyMs();
    expect(both).toBeGreaterThanOrEqual(55);
    expect(both).toBeLessThanOrEqual(performance.now() - t0 + 1);
    await sleep(50);
    // Nothing under way: the clock stands still.
    expect(clock.busyMs()).toBe(both);
    await expect(clock.timed(() => Promise.reject(new Error("failed")))).rejects.toThrow("failed");
    await expect(
      clock.timed(() => {
        throw new Error("thrown");
      }),
    ).rejects.toThrow("thrown");
    await sleep(20);
    expect(clock.busyMs()).toBeLessThan(both + 10);
  });
});

describe.each([
  { name: "in a worker thread", thread: true },
  { name: "on this thread", thread: false },
])("the app's PGlite $name", ({ thread }) => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it("vacuums and analyzes its job queue by itself once statements stop, not while they keep it busy", async () => {
    database = await openDatabase({ driver: "pglite", thread, vacuum: { checkMs: 50, everyMs: 100 } });
    const db = database;
    const vacuumed = async () =>
      (await db.rows<{ vacuumed: boolean; analyzed: boolean }>(sql`select last_vacuum is not null as vacuumed, last_analyze is not null as analyzed from pg_stat_user_tables where relname = 'engine_job'`))[0];
    // Two seconds of a queue filled and emptied back to back: statistics reach the table's
    // counters within a second, so the table is due well before the end, and never quiet.
    const end = performance.now() + 2000;
    for (let i = 0; performance.now() < end; i++) {
      await db.rows(sql`insert into engine_job (run_id, kind) values (${`r${i}`}, 'call')`);
      await db.rows(sql`delete from engine_job where run_id = ${`r${i}`}`);
    }
    expect(await vacuumed()).toEqual({ vacuumed: false, analyzed: false });
    // Quiet now (a look every 200 ms is all that runs): the next round vacuums and analyzes it.
    await expect.poll(vacuumed, { timeout: 15_000, interval: 200 }).toEqual({ vacuumed: true, analyzed: true });
  });
});
