import "server-only";
import type postgres from "postgres";

/** Distinct statement texts a process prepares at most; later ones run unnamed. */
export const MAX_PREPARED = 300;
/** Texts remembered as seen once (cleared when full, so a one-off never grows it without bound). */
const MAX_SEEN = 2_000;

type Unsafe = (query: string, args?: unknown[], options?: postgres.UnsafeQueryOptions) => postgres.PendingQuery<postgres.Row[]>;

/**
 * drizzle sends every statement unnamed (`prepare: false` unless the code names it), and
 * postgres.js then describes an unnamed statement with parameters before it binds it: two round
 * trips to the server per statement, and PostgreSQL parses and plans it each time. A statement
 * repeated on a connection is better prepared once and then bound and executed in one round trip,
 * as postgres.js does by default for its own tagged queries.
 *
 * This client prepares a parameterised statement from its second use, for at most `max` distinct
 * texts per process: postgres.js keeps a connection's prepared statements until the connection
 * closes (connections are recycled after 30–60 minutes), so the cap bounds what every connection
 * and its backend can hold, whatever texts a caller builds (an `in (…)` list of each length is a
 * text of its own). Texts beyond it run unnamed, as before. A statement planned for a schema that
 * changed since is prepared again by postgres.js itself (it retries on PostgreSQL's "cached plan
 * must not change result type").
 */
export function preparingStatements<T extends postgres.Sql>(client: T, max = MAX_PREPARED): T {
  const prepared = new Set<string>();
  const seen = new Set<string>();

  function worthPreparing(query: string): boolean {
    if (prepared.has(query)) return true;
    if (prepared.size >= max) return false;
    if (!seen.has(query)) {
      if (seen.size >= MAX_SEEN) seen.clear();
      seen.add(query);
      return false;
    }
    seen.delete(query);
    prepared.add(query);
    return true;
  }

  const preparingUnsafe = (unsafe: Unsafe, target: object): Unsafe =>
    function (query, args, options) {
      if (arguments.length === 2 && !Array.isArray(args)) [options, args] = [args as unknown as postgres.UnsafeQueryOptions, []];
      // Statements without parameters go as one simple query; there is nothing to describe.
      const prepare = !!args?.length && options?.prepare !== true && worthPreparing(query);
      return unsafe.call(target, query, args ?? [], prepare ? { ...options, prepare: true } : options);
    };

  /** A transaction's own handle: postgres.js gives it an `unsafe` of its own. */
  const preparingTx = (tx: postgres.TransactionSql): postgres.TransactionSql =>
    new Proxy(tx, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return prop === "unsafe" && typeof value === "function" ? preparingUnsafe(value as Unsafe, target) : value;
      },
    });

  const begin = ((...args: unknown[]) => {
    const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
    return (client.begin as (...b: unknown[]) => Promise<unknown>).call(client, ...args, (tx: postgres.TransactionSql) => fn(preparingTx(tx)));
  }) as postgres.Sql["begin"];
  const unsafe = preparingUnsafe(client.unsafe as unknown as Unsafe, client);

  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "unsafe") return unsafe;
      if (prop === "begin") return begin;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}
