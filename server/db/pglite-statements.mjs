// Plain ESM (no "server-only", no TypeScript) so that the PGlite worker thread
// (server/db/pglite-worker.mjs) runs the same code as the in-process client; types in
// pglite-statements.d.mts.
import { parse, protocol } from "@electric-sql/pglite";

const { serialize } = protocol;

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
 *
 * @param {import("@electric-sql/pglite").PGlite} client
 */
export function preparedStatements(client, max = 200) {
  // Map order is recency: a hit moves its statement to the end.
  /** @type {Map<string, { name: string, paramTypes: number[], fields: { name: string, dataTypeID: number }[] }>} */
  const cache = new Map();
  let counter = 0;

  async function prepare(text) {
    const name = `steward_${++counter}`;
    const oldest = cache.size >= max ? cache.entries().next().value : undefined;
    if (oldest) cache.delete(oldest[0]);
    const messages = await client.execProtocolStream(
      concat([...(oldest ? [serialize.close({ type: "S", name: oldest[1].name })] : []), serialize.parse({ name, text }), serialize.describe({ type: "S", name }), serialize.sync()]),
      { syncToFs: false },
    );
    const rows = messages.find((m) => m.name === "rowDescription");
    const prepared = { name, paramTypes: parse.parseDescribeStatementResults(messages), fields: rows?.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) ?? [] };
    cache.set(text, prepared);
    return prepared;
  }

  async function execute(text, params, options, retried = false) {
    let prepared = cache.get(text);
    if (prepared) {
      cache.delete(text);
      cache.set(text, prepared);
    } else {
      try {
        prepared = await prepare(text);
      } catch (e) {
        throw Object.assign(e, { query: text, params, queryOptions: options });
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
      const described = { name: "rowDescription", fields: statement.fields };
      return parse.parseResults([described, ...messages], parsersFor(options), options?.parsers ? { ...options, parsers: undefined } : options)[0];
    } catch (e) {
      const code = e?.code;
      if (!retried && code && STALE.has(code)) {
        cache.delete(text);
        return execute(text, params, options, true);
      }
      throw Object.assign(e, { query: text, params, queryOptions: options });
    }
  }

  /**
   * The parsers of one statement: the caller's over the client's. PGlite's parseResults copies all
   * of the client's (over 300, one per type) into a new object whenever a caller brings its own,
   * and drizzle brings its own with every statement: that copy was 9% of the server's CPU under
   * load. Layered on the client's instead, the lookup (`parsers[oid]`) finds the same functions.
   */
  function parsersFor(options) {
    if (!options?.parsers) return client.parsers;
    return Object.assign(Object.create(client.parsers), options.parsers);
  }

  /** One statement under the query mutex, as PGlite runs its own. */
  const run = (text, params, options) => client.runExclusive(() => execute(text, params, options));
  const plain = (options) => !!options?.blob || !!options?.paramTypes;

  return {
    async query(text, params = [], options) {
      if (plain(options) || !REPEATED.test(text)) return client.query(text, params, options);
      await client._checkReady();
      return client._runExclusiveTransaction(async () => {
        const result = await run(text, params, options);
        await client.syncToFs();
        return result;
      });
    },
    transaction(fn) {
      return client.transaction((tx) =>
        fn({
          ...tx,
          // Inside the transaction's mutex already; a closed transaction refuses, as PGlite's does.
          query: (text, params = [], options) => {
            if (tx.closed || plain(options) || !REPEATED.test(text)) return tx.query(text, params, options);
            return run(text, params, options);
          },
          get closed() {
            return tx.closed;
          },
        }),
      );
    },
  };
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
