// Plain ESM, shared by the PGlite worker thread (server/db/pglite-worker.mjs) and the in-process
// client (server/db/database.ts); types in pglite-vacuum.d.mts.

/**
 * PGlite runs Postgres in single-user mode, where autovacuum does not run. Every row updated or
 * deleted then stays in its table and indexes for good, nothing records where space came free, and
 * no table is ever analyzed. The engine's job queue, filled and emptied thousands of times a minute,
 * grows without end while holding a handful of rows, and every statement reading the hot tables
 * reads more pages: under the API load each of the engine's statements grew 20–35% slower within a
 * minute (docs/engine.md, Performance).
 *
 * So Steward does autovacuum's work itself, with autovacuum's own rule and PostgreSQL's default
 * thresholds: a table is vacuumed once its dead rows pass 50 + 20% of its rows (or rows inserted
 * since its last vacuum pass 1000 + 20%), and analyzed once the rows changed since its last analyze
 * pass 50 + 10%. Analyzing matters as much: vacuuming alone tells the planner a table's size but
 * not how its values spread, and one run read's plan went 4× slower on that half-knowledge.
 */
/**
 * Rows an analyze samples, in hundreds: PostgreSQL's default (100) samples 30,000 rows of each table
 * and held every statement up to a second and a half on a large one; the planner needs only how
 * the values spread, which a tenth of that shows.
 */
const STATISTICS_TARGET = 10;

const DUE = `
  select format('%I.%I', s.schemaname, s.relname) as name,
         s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
           or s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0) as vacuum,
         s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) as analyze
  from pg_stat_user_tables s join pg_class c on c.oid = s.relid
  where s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
     or s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0)
     or s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
  order by s.relname`;

/**
 * One round: vacuums and analyzes each table that is due, one statement per table, so that other
 * statements get PGlite's only connection between them. Returns what it did, e.g.
 * `[{ name: "public.engine_job", vacuum: true, analyze: true }]`.
 *
 * @param {{ query(sql: string): Promise<{ rows: any[] }>, exec(sql: string): Promise<unknown> }} pg
 * @returns {Promise<{ name: string, vacuum: boolean, analyze: boolean }[]>}
 */
export async function vacuumDue(pg) {
  const { rows } = await pg.query(DUE);
  for (const t of rows) {
    if (t.vacuum) await pg.exec(`VACUUM ${t.name}`);
    // VACUUM must be a statement of its own; an analyze may share one, so its setting holds for it alone.
    if (t.analyze) await pg.exec(`SET default_statistics_target = ${STATISTICS_TARGET}; ANALYZE ${t.name}; RESET default_statistics_target`);
  }
  return rows;
}

/**
 * Runs `vacuumDue` when the database is quiet. A round holds PGlite's only connection while it works
 * on a table (up to tens of milliseconds on the engine's tables), so rounds taken every 10 s under
 * load put those pauses into requests: at 50 clients they raised the API bench's p99 by 15–35%.
 * So every `checkMs` it looks at the share of that time the database spent on statements
 * (`busyMs()`, a running total of milliseconds) and starts a round only when the share was under
 * `quietShare`, something ran since the last round, and `everyMs` passed since it. A database that
 * is never quiet still gets a round once `maxWaitMs` passed since the last one. The next round comes
 * no sooner than `1 / maxShare` times as long as the last one took: housekeeping never takes more
 * than that share of the database's time, however large it grows. `stop` ends it once a round under
 * way has finished.
 *
 * @param {{ query(sql: string): Promise<{ rows: any[] }>, exec(sql: string): Promise<unknown> }} pg
 * @param {{ busyMs: () => number, checkMs?: number, everyMs?: number, quietShare?: number, maxWaitMs?: number, maxShare?: number, onError?: (e: unknown) => void }} options
 */
export function vacuumWhenQuiet(pg, { busyMs, checkMs = 1000, everyMs = 10_000, quietShare = 0.05, maxWaitMs = 300_000, maxShare = 0.05, onError = () => {} }) {
  let timer;
  let running = Promise.resolve();
  let stopped = false;
  let lastCheck = performance.now();
  let lastBusy = busyMs();
  /** The busy total when the last round began: more than that means something ran since. */
  let busyAtRound = lastBusy;
  let lastRound = lastCheck;
  let notBefore = lastCheck + everyMs;

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(check, checkMs);
    timer.unref?.();
  };
  function check() {
    const now = performance.now();
    const busy = busyMs();
    const share = (busy - lastBusy) / Math.max(1, now - lastCheck);
    lastCheck = now;
    lastBusy = busy;
    const due = busy > busyAtRound && now >= notBefore && (share < quietShare || now - lastRound >= maxWaitMs);
    if (!due) return schedule();
    busyAtRound = busy;
    lastRound = now;
    running = vacuumDue(pg).then(
      () => {
        const took = performance.now() - now;
        notBefore = now + Math.max(everyMs, took / maxShare);
        // The round's own statements are not the load's: measure the next share from here.
        lastCheck = performance.now();
        lastBusy = busyMs();
        schedule();
      },
      (e) => {
        if (!stopped) onError(e);
        notBefore = performance.now() + everyMs;
        schedule();
      },
    );
  }
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/**
 * The time during which at least one statement was under way (begun and not yet answered; a
 * transaction counts from its begin to its end), as a running total for `vacuumWhenQuiet`.
 * Overlapping statements count once: PGlite runs one at a time, and the others wait for it.
 */
export function busyClock() {
  let total = 0;
  let inFlight = 0;
  let since = 0;
  return {
    /** Wraps one statement's promise: the clock runs from now until it settles. */
    timed(start) {
      if (inFlight++ === 0) since = performance.now();
      let promise;
      try {
        promise = Promise.resolve(start());
      } catch (e) {
        promise = Promise.reject(e);
      }
      const done = () => {
        if (--inFlight === 0) total += performance.now() - since;
      };
      promise.then(done, done);
      return promise;
    },
    busyMs() {
      return total + (inFlight > 0 ? performance.now() - since : 0);
    },
  };
}

