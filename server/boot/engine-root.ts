import "server-only";
import type { Database } from "@/server/db/database";
import { env, executorMode } from "@/server/env";
import { DECISION_MADE, RUN_REQUESTED, type EngineEvent, type SendEvents } from "@/server/contracts/events";
import { redeliverDecision } from "@/server/decisions/queries";
import { embeddedDeps, getEngineDeps, setEngineDeps, type EngineDeps } from "@/server/engine/deps";
import { HeldStates } from "@/server/engine/held-states";
import { createEngineClient, embeddedSigningKey, type EngineClient, type EngineLogger } from "@/server/engine/inngest/client";
import { createEmbeddedEngine, type EmbeddedEngine } from "@/server/engine/inngest/embedded";
import { EmbeddedExecutor, type EmbeddedExecutorOptions, type ServeHandler } from "@/server/engine/inngest/embedded-executor";
import { missionEndpoints, registerServeEndpoint, type ServeEndpoint } from "@/server/engine/inngest/endpoint";
import { createMissionFunctions } from "@/server/engine/inngest/functions";

// The composition root of the engine: the one place that wires the Inngest adapter, the mission
// engine and the services it calls back (decision redelivery, held node states). Only
// server/boot/ imports it (lint enforces it); everyone else reaches the engine through what it
// registers: `send` in server/engine/deps.ts and the serve() endpoint in engine/inngest/endpoint.ts.
// Tests use createMissionEngine below, the same wiring on a database of their own.

/** The executor's hooks into the mission engine, the same for the app and for tests. */
function missionHooks(database: Database, send: () => SendEvents): Pick<EmbeddedExecutorOptions, "onWaitCreated" | "holdWrites" | "resentEvents"> {
  return {
    // A run's request follows its stored run row, and the sweeper re-sends it while the run is queued.
    resentEvents: [RUN_REQUESTED],
    // A decision made before its wait existed is sent again once the wait is there.
    onWaitCreated: async (wait) => {
      if (wait.eventName === DECISION_MADE) await redeliverDecision(database, wait.expr, send());
    },
    // A chained call's direct node changes are written together, before its step results.
    holdWrites: () => new HeldStates(),
  };
}

/** The process-wide engine: one client, its serve() handlers, and (embedded mode) one executor. */
export interface EngineRuntime {
  mode: "embedded" | "inngest" | "off";
  client: EngineClient;
  /** The route's handler (app/api/inngest): every call must be signed. */
  handler: ServeEndpoint;
  /** The same functions for the embedded executor's calls in this process (endpoint.ts, inProcessEndpoint). */
  inProcess: ServeEndpoint;
  signingKey: string | null;
  executor: EmbeddedExecutor | null;
  starting: Promise<EmbeddedExecutor> | null;
}

declare global {
  // globalThis, not a module variable: Next loads this module once per bundle layer (route
  // handlers, instrumentation), and they must share one engine.
  var __stewardEngine: EngineRuntime | undefined;
}

/** Registers the engine with the rest of the app: events go to sendToEngine, the route answers with the handler. */
export function wireEngineRoot(): void {
  setEngineDeps({ send: sendToEngine });
  registerServeEndpoint(() => engineRuntime().handler);
}

/** Built lazily on first use (never at import, so `next build` touches nothing). */
export function engineRuntime(): EngineRuntime {
  if (globalThis.__stewardEngine) return globalThis.__stewardEngine;
  const mode = executorMode();
  let client: EngineClient;
  let signingKey: string | null = null;
  if (mode === "inngest") client = createEngineClient({ mode: "inngest" });
  else {
    signingKey = embeddedSigningKey();
    client = createEngineClient({
      mode: "embedded",
      signingKey,
      fetch: (input, init) => {
        const executor = globalThis.__stewardEngine?.executor;
        if (!executor) return Promise.resolve(Response.json({ error: "The embedded executor is not running" }, { status: 503 }));
        return executor.fetch(input, init);
      },
    });
  }
  const { route: handler, inProcess } = missionEndpoints(client, mode === "inngest" ? getEngineDeps : embeddedDeps(getEngineDeps));
  globalThis.__stewardEngine = { mode, client, handler, inProcess, signingKey, executor: null, starting: null };
  return globalThis.__stewardEngine;
}

/** The serve() handler behind app/api/inngest/route.ts. */
export function inngestHandler(): ServeEndpoint {
  return engineRuntime().handler;
}

/** Starts the embedded executor on the app database (idempotent). */
export async function startEmbeddedExecutor(): Promise<EmbeddedExecutor> {
  const rt = engineRuntime();
  if (rt.executor) return rt.executor;
  if (rt.starting) return rt.starting;
  if (!rt.signingKey) throw new Error(`The embedded executor cannot run in ${rt.mode} mode`);
  const database = await getEngineDeps().database();
  const executor = new EmbeddedExecutor({
    database,
    handler: rt.inProcess as unknown as ServeHandler,
    signingKey: rt.signingKey,
    leaseMs: env().STEWARD_ENGINE_LEASE_MS,
    concurrency: env().STEWARD_ENGINE_CONCURRENCY,
    // PGlite's data dir is locked to this process: any lease in it is a dead process's.
    exclusive: database.driver === "pglite",
    ...missionHooks(database, () => sendToEngine),
    // The schedules' tick (mission-schedules) and any other cron trigger, as an Inngest server would.
    cron: true,
  });
  // Published only once started: sendToEngine must not hand events to an executor still syncing.
  rt.starting ??= executor.start().then(
    () => {
      rt.executor = executor;
      return executor;
    },
    (e: unknown) => {
      rt.starting = null;
      throw e;
    },
  );
  return rt.starting;
}

/** Sends events to the engine: the embedded executor in-process, or the Inngest server. */
export async function sendToEngine(events: EngineEvent | EngineEvent[]): Promise<void> {
  const rt = engineRuntime();
  if (rt.executor) {
    await rt.executor.send(events);
    return;
  }
  if (rt.mode === "inngest") {
    await rt.client.send([events].flat().map((e) => ({ name: e.name, data: e.data, ...(e.id ? { id: e.id } : {}) })));
    return;
  }
  throw new Error(
    rt.mode === "off"
      ? "Runs are disabled (STEWARD_EXECUTOR=off): no engine receives events"
      : "The embedded executor is not running yet: startEngine() has not completed",
  );
}

/**
 * The same wiring on a database of the caller's (tests, benchmarks): the mission-run function,
 * its executor and the same hooks as the app's; events go to this engine's executor.
 */
export function createMissionEngine(opts: {
  database: Database;
  signingKey: string;
  /** Defaults to the registered deps with this database; events go to this engine's executor. */
  deps?: () => EngineDeps;
  logger?: EngineLogger;
  executor?: Omit<EmbeddedExecutorOptions, "database" | "handler" | "signingKey" | "onWaitCreated" | "holdWrites">;
}): EmbeddedEngine & { deps: () => EngineDeps } {
  const send: EngineDeps["send"] = async (events) => {
    await engine.executor.send(events);
  };
  const deps = embeddedDeps(opts.deps ?? (() => ({ ...getEngineDeps(), database: async () => opts.database, send })));
  const engine: EmbeddedEngine = createEmbeddedEngine({
    database: opts.database,
    signingKey: opts.signingKey,
    ...(opts.logger ? { logger: opts.logger } : {}),
    functions: (client) => createMissionFunctions(client, deps),
    executor: { ...opts.executor, ...missionHooks(opts.database, () => deps().send) },
  });
  return { ...engine, deps };
}
