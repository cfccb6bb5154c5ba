import "server-only";
import { appUrl, tracingConfig } from "@/server/env";
import type { Database } from "@/server/db/database";
import { ANY_RUN_ENDED, observationBus } from "@/server/observations/record";

/** Runs as OpenTelemetry traces, while on: each run this process ends is exported as one trace. */
export interface RunTracing {
  /** Waits for the runs being read, then sends every queued span. */
  flush(): Promise<void>;
  /** Flushes, then stops following runs. */
  stop(): Promise<void>;
}

declare global {
  // One per process: Next loads this module once per bundle layer.
  var __stewardRunTracing: Promise<RunTracing | null> | undefined;
}

/**
 * Starts the trace export when an OTLP endpoint is configured (docs/observability.md); resolves
 * to null, having loaded no OpenTelemetry module, when none is. Idempotent per process.
 *
 * A run is exported when it ends, by the process that ended it (the bus's ANY_RUN_ENDED, never a
 * NOTIFY from another replica), from what the engine recorded: a replayed step records nothing
 * new, and the span ids are derived from the run, so a restart or another replica cannot add a
 * second copy of a span.
 */
export function startRunTracing(database: () => Promise<Database>): Promise<RunTracing | null> {
  globalThis.__stewardRunTracing ??= start(database).catch((e: unknown) => {
    globalThis.__stewardRunTracing = undefined;
    throw e;
  });
  return globalThis.__stewardRunTracing;
}

async function start(database: () => Promise<Database>): Promise<RunTracing | null> {
  const config = tracingConfig();
  if (!config) return null;
  const { createRunTraceExporter } = await import("./exporter");
  const exporter = await createRunTraceExporter(config, appUrl());
  const reading = new Set<Promise<void>>();
  const onRunEnded = (runId: unknown) => {
    if (typeof runId !== "string") return;
    const job = (async () => {
      try {
        await exporter.exportRun(await database(), runId);
      } catch (e) {
        // A trace is a copy: failing to send it must never touch the run.
        console.error(`[tracing] could not export run ${runId}:`, e);
      }
    })();
    reading.add(job);
    void job.finally(() => reading.delete(job));
  };
  observationBus().on(ANY_RUN_ENDED, onRunEnded);
  const flush = async () => {
    await Promise.all([...reading]);
    await exporter.flush();
  };
  return {
    flush,
    async stop() {
      observationBus().off(ANY_RUN_ENDED, onRunEnded);
      await Promise.all([...reading]);
      await exporter.shutdown();
      globalThis.__stewardRunTracing = undefined;
    },
  };
}
