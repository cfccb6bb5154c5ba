import "server-only";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context } from "@opentelemetry/api";
import { AlwaysOnSampler, BatchSpanProcessor, TracerProvider, type IdGenerator, type SpanExporter } from "@opentelemetry/sdk-trace";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { TracingConfig } from "@/server/env";
import type { Database } from "@/server/db/database";
import { spanIdOf, traceIdOf } from "./ids";
import { readRunTrace } from "./run-trace";

// The OpenTelemetry SDK side of run traces, loaded only when tracing is on (start.ts). Spans are
// made with the SDK's own tracer and sent by its batch processor and OTLP exporter; the one
// thing set by hand is each span's id, derived from the run (ids.ts), through the id generator.

/** Hands the tracer the ids planned for the next span it starts (startSpan is synchronous). */
class PlannedIds implements IdGenerator {
  traceId = "";
  spanId = "";
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

export interface RunTraceExporter {
  /** Reads the run's recorded spans and queues them for export; false for an unknown run. */
  exportRun(database: Database, runId: string): Promise<boolean>;
  /** Sends what is queued now. */
  flush(): Promise<void>;
  /** Sends what is queued, then stops. */
  shutdown(): Promise<void>;
}

async function otlpExporter(config: TracingConfig): Promise<SpanExporter> {
  const options = { url: config.url, headers: config.headers };
  if (config.protocol === "http/json") {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
  return new OTLPTraceExporter(options);
}

export async function createRunTraceExporter(config: TracingConfig, appUrl: string, opts: { exporter?: SpanExporter } = {}): Promise<RunTraceExporter> {
  const ids = new PlannedIds();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: new AlwaysOnSampler(),
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor({ exporter: opts.exporter ?? (await otlpExporter(config)), scheduledDelayMillis: 1_000 })],
  });
  // This provider's own tracer, never the global one: the Inngest SDK may register its own.
  const tracer = provider.getTracer("steward.runs");

  return {
    async exportRun(database, runId) {
      const spans = await readRunTrace(database, runId, `${appUrl.replace(/\/+$/, "")}/runs/${encodeURIComponent(runId)}`);
      if (!spans) return false;
      const traceId = traceIdOf(runId);
      for (const s of spans) {
        ids.traceId = traceId;
        ids.spanId = spanIdOf(runId, s.key);
        const parent: Context = s.parent
          ? trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: spanIdOf(runId, s.parent), traceFlags: TraceFlags.SAMPLED })
          : ROOT_CONTEXT;
        const span = tracer.startSpan(s.name, { kind: s.kind === "client" ? SpanKind.CLIENT : SpanKind.INTERNAL, startTime: s.start, attributes: s.attributes }, parent);
        for (const e of s.events) span.addEvent(e.name, e.attributes, e.at);
        if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
        span.end(s.end);
      }
      return true;
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
