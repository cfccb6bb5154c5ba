import "server-only";
import { serve } from "inngest/next";
import { env, executorMode } from "@/server/env";
import { redeliverDecision } from "@/server/decisions/queries";
import { embeddedDeps, getEngineDeps } from "./deps";
import { DECISION_MADE, type EngineEvent } from "./events";
import { createEngineClient, embeddedSigningKey, type EngineClient } from "./inngest/client";
import { EmbeddedExecutor, type ServeHandler } from "./inngest/embedded-executor";
import { createMissionFunctions } from "./inngest/functions";

/** The process-wide engine: one client, one serve() handler, and (embedded mode) one executor. */
export interface EngineRuntime {
  mode: "embedded" | "inngest" | "off";
  client: EngineClient;
  handler: ReturnType<typeof serve>;
  signingKey: string | null;
  executor: EmbeddedExecutor | null;
  starting: Promise<EmbeddedExecutor> | null;
}

declare global {
  // globalThis, not a module variable: Next loads this module once per bundle layer (route
  // handlers, instrumentation), and they must share one engine.
  var __stewardEngine: EngineRuntime | undefined;
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
  const handler = serve({ client, functions: createMissionFunctions(client, mode === "inngest" ? getEngineDeps : embeddedDeps(getEngineDeps)) });
  globalThis.__stewardEngine = { mode, client, handler, signingKey, executor: null, starting: null };
  return globalThis.__stewardEngine;
}

/** The serve() handler behind app/api/inngest/route.ts. */
export function inngestHandler(): ReturnType<typeof serve> {
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
    handler: rt.handler as unknown as ServeHandler,
    signingKey: rt.signingKey,
    leaseMs: env().STEWARD_ENGINE_LEASE_MS,
    // PGlite's data dir is locked to this process: any lease in it is a dead process's.
    exclusive: database.driver === "pglite",
    // The schedules' tick (mission-schedules) and any other cron trigger, as an Inngest server would.
    cron: true,
    onWaitCreated: async (wait) => {
      if (wait.eventName === DECISION_MADE) await redeliverDecision(database, wait.expr, sendToEngine);
    },
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
