/** The part of PGlite that housekeeping uses. */
export interface Vacuumable {
  query(sql: string): Promise<{ rows: unknown[] }>;
  exec(sql: string): Promise<unknown>;
}

/** One round of autovacuum's work on embedded PGlite: the tables due, what was done to each (pglite-vacuum.mjs). */
export declare function vacuumDue(pg: Vacuumable): Promise<{ name: string; vacuum: boolean; analyze: boolean }[]>;

/** Rounds of vacuumDue when the database is quiet (or `maxWaitMs` after the last), at most one per `everyMs` and `maxShare` of its time (pglite-vacuum.mjs). */
export declare function vacuumWhenQuiet(
  pg: Vacuumable,
  options: VacuumTiming & { busyMs: () => number; onError?: (e: unknown) => void },
): { stop(): Promise<void> };

/** When rounds come (defaults: look every 1 s, quiet under 5% busy, at least 10 s apart, at most 5 min apart, at most 5% of the time). */
export interface VacuumTiming {
  checkMs?: number;
  everyMs?: number;
  quietShare?: number;
  maxWaitMs?: number;
  maxShare?: number;
}

/** A running total of the time any statement was under way (pglite-vacuum.mjs). */
export declare function busyClock(): {
  timed<T>(start: () => T | Promise<T>): Promise<T>;
  busyMs(): number;
};
