// The thread that holds embedded PGlite when the app runs it off the main thread
// (openDatabase({ driver: "pglite", thread: true }), server/db/pglite-thread.ts, which speaks the
// protocol below). Plain ESM: it is loaded by Node from this path, outside Next's bundle.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { pgliteOptions } from "./pglite-options.mjs";
import { preparedStatements } from "./pglite-statements.mjs";
import { busyClock, vacuumWhenQuiet } from "./pglite-vacuum.mjs";

const port = parentPort;
if (!port) throw new Error("pglite-worker.mjs runs as a worker thread (server/db/pglite-thread.ts)");

/** Open transactions by the id of the message that began them, each waiting for its end. */
const transactions = new Map();
/** Unsubscribe functions of LISTENs by the id of the message that made them. */
const listeners = new Map();
/** Identity parsers by the list of type OIDs the caller parses itself (drizzle sends the same few). */
const rawParsers = new Map();
const identity = (value) => value;

let pg;
let client;
let vacuum;
/** How long statements kept the database busy: the vacuum waits for it to be quiet. */
const busy = busyClock();
try {
  pg = new PGlite(pgliteOptions(workerData.dataDir, workerData.sharedBuffersMb));
  await pg.waitReady;
  client = preparedStatements(pg);
  if (workerData.vacuum !== false) {
    vacuum = vacuumWhenQuiet(pg, {
      ...workerData.vacuum,
      busyMs: busy.busyMs,
      onError: (e) => console.warn("[pglite] vacuuming failed:", e instanceof Error ? e.message : e),
    });
  }
  port.postMessage({ kind: "ready" });
} catch (e) {
  port.postMessage({ kind: "failed", error: serializeError(e) });
}

port.on("message", (message) => {
  // The end of a transaction is answered by the transaction's own message, once committed or rolled back.
  if (message.op === "end") return void transactions.get(message.tx)?.end(message.commit);
  (message.op === "query" || message.op === "begin" ? busy.timed(() => handle(message)) : handle(message)).then(
    (value) => reply(message.id, { value }),
    (e) => reply(message.id, { error: serializeError(e) }),
  );
});

function reply(id, answer) {
  try {
    port.postMessage({ kind: "done", id, ...answer });
  } catch (e) {
    // Something that cannot be cloned (a parameter or value of an odd type): the caller still gets an answer.
    const error = answer.error ?? serializeError(e);
    port.postMessage({ kind: "done", id, error: { message: error.message, name: error.name, stack: error.stack, fields: plainFields(error.fields) } });
  }
}

async function handle(message) {
  switch (message.op) {
    case "query": {
      if (message.tx === undefined) return client.query(message.text, message.params, queryOptions(message));
      // Sent right after its transaction's begin, without waiting for it: waits here until it has begun.
      const transaction = transactions.get(message.tx);
      if (!transaction) throw new Error("Transaction is closed");
      return (await transaction.begun).query(message.text, message.params, queryOptions(message));
    }
    case "begin": {
      let end;
      const ended = new Promise((resolve) => (end = resolve));
      let began;
      let failed;
      const begun = new Promise((resolve, reject) => ((began = resolve), (failed = reject)));
      begun.catch(() => undefined);
      transactions.set(message.id, { begun, end });
      try {
        await client.transaction(async (tx) => {
          began(tx);
          // Thrown, the rollback marker makes PGlite roll back; the caller rethrows its own error.
          if (!(await ended)) throw ROLLBACK;
        });
      } catch (e) {
        failed(e);
        if (e !== ROLLBACK) throw e;
      } finally {
        transactions.delete(message.id);
      }
      return undefined;
    }
    case "listen": {
      const unlisten = await pg.listen(message.channel, (payload) => port.postMessage({ kind: "notify", id: message.id, payload }));
      listeners.set(message.id, unlisten);
      return undefined;
    }
    case "unlisten": {
      const unlisten = listeners.get(message.listener);
      listeners.delete(message.listener);
      await unlisten?.();
      return undefined;
    }
    case "close":
      await vacuum?.stop();
      await pg.close();
      return undefined;
    default:
      throw new Error(`unknown message ${JSON.stringify(message.op)}`);
  }
}

const ROLLBACK = Symbol("rollback");

/** PGlite's options for one query: the caller's parsers stay on its side, so their types come back as text. */
function queryOptions({ rowMode, paramTypes, raw }) {
  const options = {};
  if (rowMode) options.rowMode = rowMode;
  if (paramTypes) options.paramTypes = paramTypes;
  if (raw?.length) {
    const key = raw.join(",");
    let parsers = rawParsers.get(key);
    if (!parsers) rawParsers.set(key, (parsers = Object.fromEntries(raw.map((oid) => [oid, identity]))));
    options.parsers = parsers;
  }
  return options;
}

function plainFields(fields = {}) {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => typeof value === "string" || typeof value === "number"));
}

/** An error as data: its message, name and every field PGlite sets (code, detail, constraint, …). */
function serializeError(e) {
  if (!(e instanceof Error)) return { message: String(e), name: "Error", fields: {} };
  const fields = {};
  for (const [key, value] of Object.entries(e)) {
    // queryOptions holds functions; the caller knows its own options.
    if (key === "queryOptions" || typeof value === "function") continue;
    fields[key] = value;
  }
  return { message: e.message, name: e.name, stack: e.stack, fields };
}
