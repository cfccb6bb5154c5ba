import "server-only";
import path from "node:path";
import { z } from "zod";

const otlpProtocol = z
  .enum(["http/protobuf", "http/json"], { message: "must be http/protobuf or http/json (gRPC is not supported)" })
  .optional();

// The only module that reads process.env: everything else asks for a typed value.
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().positive().default(3000),
  STEWARD_URL: z.string().url().optional(),
  STEWARD_DATA_DIR: z.string().default(".steward"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  /** PostgreSQL connections this process opens for the app; the engine's progress adds half as many (docs/deployment.md). */
  STEWARD_DB_POOL_MAX: z.coerce.number().int().min(2).max(1_000).default(10),
  /** Repeated statements are prepared on each PostgreSQL connection; `0` for a pooler that cannot keep them (docs/deployment.md). */
  STEWARD_DB_PREPARE: z.enum(["0", "1"]).default("1"),
  /** Embedded PGlite runs in a worker thread, off the thread serving requests; `0` keeps it in-process (docs/deployment.md). */
  STEWARD_PGLITE_THREAD: z.enum(["0", "1"]).default("1"),
  /** Embedded PGlite's shared buffer pool in MB, all of it resident from the start; 32 when unset (docs/deployment.md). */
  STEWARD_PGLITE_SHARED_BUFFERS_MB: z.coerce.number().int().min(8).max(16_384).optional(),
  /** Embedded PGlite is vacuumed and analyzed when quiet, as autovacuum would; `0` leaves it to you (docs/deployment.md). */
  STEWARD_PGLITE_VACUUM: z.enum(["0", "1"]).default("1"),
  STEWARD_DEMO: z.enum(["0", "1"]).optional(),
  STEWARD_SECRET_KEY: z.string().min(32, "must be at least 32 characters (64 hex chars recommended)").optional(),
  /** Where signed audit anchors go besides the database: a file path (default `<data dir>-audit-anchors.jsonl`) or `stdout`. */
  STEWARD_AUDIT_ANCHOR: z.string().optional(),
  /** How often the audit log's head is anchored, when it moved since the last anchor. */
  STEWARD_AUDIT_ANCHOR_INTERVAL_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(10_000),
  STEWARD_BOOTSTRAP_API_KEY: z.string().min(20, "must be at least 20 characters").optional(),
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  INNGEST_EVENT_KEY: z.string().optional(),
  INNGEST_SIGNING_KEY: z.string().optional(),
  INNGEST_BASE_URL: z.string().url().optional(),
  INNGEST_DEV: z.string().optional(),
  STEWARD_EXECUTOR: z.enum(["embedded", "inngest", "off"]).optional(),
  /** Embedded executor: a job leased this long without a heartbeat is taken over (after a crash). */
  STEWARD_ENGINE_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /**
   * Embedded executor: jobs processed at once by this process. A job holds its slot for its whole
   * call, a Worker's model call included, so this bounds how many runs move at once.
   */
  STEWARD_ENGINE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** At SIGTERM, how long running steps may take to finish before the process exits anyway. */
  STEWARD_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(25_000),
  /** Sign-in attempts allowed per client address per minute. */
  STEWARD_SIGNIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  /** 1: trust `x-forwarded-for` (behind a reverse proxy) for client addresses. */
  STEWARD_TRUST_PROXY: z.enum(["0", "1"]).optional(),
  /** Bearer token that /api/metrics requires; unset, the endpoint answers 404 (docs/deployment.md). */
  METRICS_TOKEN: z.string().min(20, "must be at least 20 characters").optional(),
  NEXT_PHASE: z.string().optional(),
  // OpenTelemetry (docs/observability.md): with an OTLP endpoint set, each run is sent as a trace.
  OTEL_SDK_DISABLED: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url("must be a URL, e.g. http://localhost:4318").optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url("must be a URL, e.g. http://localhost:4318/v1/traces").optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol,
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(),
  /** A link to a run's trace in the tracing UI: `{traceId}` (and `{runId}`) are filled in. */
  STEWARD_TRACE_URL_TEMPLATE: z.string().regex(/^https?:\/\/.*\{traceId\}/, "must be an http(s) URL containing {traceId}").optional(),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  cached = parsed.data;
  return cached;
}

export function dataDir(): string {
  return path.resolve(env().STEWARD_DATA_DIR);
}

/** Demo mode: on by default for the embedded data dir, off with DATABASE_URL unless STEWARD_DEMO=1. */
export function demoMode(): boolean {
  const e = env();
  if (e.STEWARD_DEMO) return e.STEWARD_DEMO === "1";
  return !e.DATABASE_URL;
}

/** Which engine drives Mission runs: a real Inngest server when configured, else the embedded executor. */
export function executorMode(): "embedded" | "inngest" | "off" {
  const e = env();
  if (e.STEWARD_EXECUTOR) return e.STEWARD_EXECUTOR;
  return e.INNGEST_EVENT_KEY || e.INNGEST_BASE_URL ? "inngest" : "embedded";
}

export function appUrl(): string {
  const e = env();
  return e.STEWARD_URL ?? `http://localhost:${e.PORT}`;
}

export interface TracingConfig {
  /** Where spans are POSTed: the traces endpoint as given, else `<OTLP endpoint>/v1/traces`. */
  url: string;
  protocol: "http/protobuf" | "http/json";
  headers: Record<string, string>;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  /** `{traceId}` / `{runId}` template of a link to a trace, when set. */
  traceUrlTemplate: string | null;
}

/**
 * Runs as OpenTelemetry traces: null (nothing is loaded or sent) unless an OTLP endpoint is set.
 * Reads the standard OTEL_* variables, the signal-specific ones first.
 */
export function tracingConfig(): TracingConfig | null {
  const e = env();
  if (e.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return null;
  const url = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces` : null);
  if (!url) return null;
  return {
    url,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf",
    headers: { ...keyValueList(e.OTEL_EXPORTER_OTLP_HEADERS), ...keyValueList(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: e.OTEL_SERVICE_NAME ?? "steward",
    resourceAttributes: keyValueList(e.OTEL_RESOURCE_ATTRIBUTES),
    traceUrlTemplate: e.STEWARD_TRACE_URL_TEMPLATE ?? null,
  };
}

/** The OTEL_* list format: `key1=value1,key2=value2`, values percent-encoded. */
function keyValueList(list: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (list ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    const raw = pair.slice(at + 1).trim();
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}
