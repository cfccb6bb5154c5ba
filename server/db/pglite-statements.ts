import "server-only";
import { parse, protocol, type PGlite, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";

const { serialize } = protocol;

/** What drizzle's PGlite driver calls on its client. */
export interface PgliteClient {
  query<T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

interface Prepared {
  name: string;
  paramTypes: number[];
  fields: { name: string; dataTypeID: number }[];
}

/** Statements worth preparing: the ones an app repeats. DDL and one-offs go through PGlite as they are. */
const REPEATED = /^\s*(select|insert|update|delete|with)\b/i;

/** Errors after which a prepared statement must be parsed again (the schema it was planned for changed). */
const STALE = new Set(["0A000", "26000"]);

/**
 * PGlite parses and plans every query afresh, in six calls into its WebAssembly Postgres
 * (parse, describe, bind, describe, execute, sync). For the engine's statements, planning is most
 * of the cost: a claim costs 0.6 ms that way and under 0.2 ms as a prepared statement. This gives
 * drizzle a client that prepares each repeated statement once, by name, and then runs it with one
 * call (bind, execute, sync), the way postgres-js does on PostgreSQL. The least recently used
 * statements are closed past `max`. Everything else (transactions' mutex, errors, parsers,
 * serializers, syncing to the data dir) behaves as PGlite's own query().
 */
export function preparedStatements(client: PGlite, max = 200): PgliteClient {
  // Map order is recency: a hit moves its statement to the end.
  const cache = new Map<string, Prepared>();
  let counter = 0;

  async function prepare(text: string): Promise<Prepared> {
    const name = `steward_${++counter}`;
    const oldest = cache.size >= max ? cache.entries().next().value : undefined;
    if (oldest) cache.delete(oldest[0]);
    const messages = await client.execProtocolStream(
      concat([...(oldest ? [serialize.close({ type: "S", name: oldest[1].name })] : []), serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()]),
      { syncToFs: false },
    );
    const rows = messages.find((m) => m.name === "rowDescription") as { fields: { name: string; dataTypeID: number }[] } | undefined;
    const prepared: Prepared = { name, paramTypes: parse.parseDescribeStatementResults(messages), fields: rows?.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) ?? [] };
    cache.set(text, prepared);
    return prepared;
  }

  async function execute<T>(text: string, params: unknown[], options: QueryOptions | undefined, retried = false): Promise<Results<T>> {
    let prepared = cache.get(text);
    if (prepared) {
      cache.delete(text);
      cache.set(text, prepared);
    } else {
      try {
        prepared = await prepare(text);
      } catch (e) {
        throw Object.assign(e as object, { query: text, params, queryOptions: options });
      }
    }
    const statement = prepared;
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const oid = statement.paramTypes[i] ?? 0;
      const serializer = options?.serializers?.[oid] ?? client.serializers[oid];
      return serializer ? serializer(param) : String(param);
    });
    try {
      const messages = await client.execProtocolStream(concat([serialize.bind({ statement: statement.name, values }), serialize.execute({}), serialize.sync()]), { syncToFs: false });
      // The fields were described once, when the statement was prepared.
      const described = { name: "rowDescription", fields: statement.fields } as unknown as (typeof messages)[number];
      return parse.parseResults([described, ...messages], parsersFor(options), options?.parsers ? { ...options, parsers: undefined } : options)[0] as Results<T>;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (!retried && code && STALE.has(code)) {
        cache.delete(text);
        return execute(text, params, options, true);
      }
      throw Object.assign(e as object, { query: text, params, queryOptions: options });
    }
  }

  /**
   * The parsers of one statement: the caller's over the client's. PGlite's parseResults copies all
   * of the client's (over 300, one per type) into a new object whenever a caller brings its own,
   * and drizzle brings its own with every statement: that copy was 9% of the server's CPU under
   * load. Layered on the client's instead, the lookup (`parsers[oid]`) finds the same functions.
   */
  function parsersFor(options: QueryOptions | undefined): PGlite["parsers"] {
    if (!options?.parsers) return client.parsers;
    return Object.assign(Object.create(client.parsers) as PGlite["parsers"], options.parsers);
  }

  /** One statement under the query mutex, as PGlite runs its own. */
  const run = <T>(text: string, params: unknown[], options: QueryOptions | undefined) => client.runExclusive(() => execute<T>(text, params, options));
  const plain = (options?: QueryOptions) => !!options?.blob || !!options?.paramTypes;

  return {
    async query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
      if (plain(options) || !REPEATED.test(text)) return client.query<T>(text, params, options);
      await client._checkReady();
      return client._runExclusiveTransaction(async () => {
        const result = await run<T>(text, params, options);
        await client.syncToFs();
        return result;
      });
    },
    transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
      return client.transaction((tx) =>
        fn({
          ...tx,
          // Inside the transaction's mutex already; a closed transaction refuses, as PGlite's does.
          query: <R>(text: string, params: unknown[] = [], options?: QueryOptions) => {
            if (tx.closed || plain(options) || !REPEATED.test(text)) return tx.query<R>(text, params, options);
            return run<R>(text, params, options);
          },
          get closed() {
            return tx.closed;
          },
        }),
      );
    },
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
