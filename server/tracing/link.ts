import "server-only";
import { tracingConfig } from "@/server/env";
import { traceIdOf } from "./ids";

/** What the run page shows of a run's trace: its id and, with STEWARD_TRACE_URL_TEMPLATE, a link. */
export interface RunTraceLink {
  traceId: string;
  url: string | null;
}

/** Null when runs are not traced (no OTLP endpoint set). */
export function runTraceLink(runId: string): RunTraceLink | null {
  const config = tracingConfig();
  if (!config) return null;
  const traceId = traceIdOf(runId);
  const url = config.traceUrlTemplate?.replaceAll("{traceId}", traceId).replaceAll("{runId}", encodeURIComponent(runId)) ?? null;
  return { traceId, url };
}
