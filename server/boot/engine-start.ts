import "server-only";
import { executorMode } from "@/server/env";
import { getEngineDeps } from "@/server/engine/deps";
import type { EmbeddedExecutor } from "@/server/engine/inngest/embedded-executor";
import { sweepOnce } from "@/server/engine/sweeper";
import { startRunTracing } from "@/server/tracing/start";
import { engineRuntime, startEmbeddedExecutor, wireEngineRoot } from "./engine-root";

export interface StartedEngine {
  mode: "embedded" | "inngest" | "off";
  executor: EmbeddedExecutor | null;
  stop(): Promise<void>;
  /** After a stop() that outlived the shutdown's grace: gives back the leases still held; how many. */
  abandon(): Promise<number>;
}

declare global {
  var __stewardEngineStart: Promise<StartedEngine> | undefined;
  /** The engine once started and until it stops, for /api/ready (server/ops/ready.ts). */
  var __stewardEngineStarted: StartedEngine | undefined;
}

const SWEEP_EVERY_MS = 30_000;

/**
 * Called from instrumentation.ts (Node runtime only, never during `next build`). Idempotent per
 * process. Embedded mode starts the executor on the app database; inngest mode leaves execution
 * to the Inngest server; off starts nothing. The sweeper runs in embedded and inngest modes.
 */
export function startEngine(): Promise<StartedEngine> {
  globalThis.__stewardEngineStart ??= start().then(
    (engine) => (globalThis.__stewardEngineStarted = engine),
    (e: unknown) => {
      // Not cached: a later call (or a restart) may succeed.
      globalThis.__stewardEngineStart = undefined;
      throw e;
    },
  );
  return globalThis.__stewardEngineStart;
}

async function start(): Promise<StartedEngine> {
  // In every mode: with runs off, senders are told so and the route still answers.
  wireEngineRoot();
  const mode = executorMode();
  if (mode === "off") return { mode, executor: null, stop: async () => {}, abandon: async () => 0 };
  engineRuntime();
  // Before the executor: a run it resumes and ends at once is exported too. Nothing is loaded without an OTLP endpoint.
  const tracing = await startRunTracing(() => getEngineDeps().database()).catch((e: unknown) => {
    console.error("[tracing] could not start; runs are not exported:", e);
    return null;
  });
  const executor = mode === "embedded" ? await startEmbeddedExecutor() : null;
  let sweeping = false;
  const sweep = () => {
    if (sweeping) return;
    sweeping = true;
    void (async () => {
      try {
        const deps = getEngineDeps();
        await sweepOnce(await deps.database(), deps.send);
      } catch (e) {
        console.error("[engine] sweep failed:", e);
      } finally {
        sweeping = false;
      }
    })();
  };
  // Once at start too: after a crash, decisions whose event never went out resume their runs
  // now rather than at the first interval.
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return {
    mode,
    executor,
    async stop() {
      // Not ready from the first moment of a shutdown: load balancers stop sending work here.
      globalThis.__stewardEngineStarted = undefined;
      clearInterval(timer);
      await executor?.stop();
      await tracing?.stop();
      const rt = globalThis.__stewardEngine;
      if (rt) {
        rt.executor = null;
        rt.starting = null;
      }
      globalThis.__stewardEngineStart = undefined;
    },
    abandon: async () => (await executor?.abandon()) ?? 0,
  };
}
