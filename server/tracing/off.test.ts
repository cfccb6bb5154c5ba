import { afterEach, describe, expect, it, vi } from "vitest";

// Which OpenTelemetry modules were loaded: each is passed through as it is, noting the import.
const loaded = vi.hoisted(() => new Set<string>());
vi.mock("@opentelemetry/api", async (real) => (loaded.add("@opentelemetry/api"), await real()));
vi.mock("@opentelemetry/sdk-trace", async (real) => (loaded.add("@opentelemetry/sdk-trace"), await real()));
vi.mock("@opentelemetry/resources", async (real) => (loaded.add("@opentelemetry/resources"), await real()));
vi.mock("@opentelemetry/semantic-conventions", async (real) => (loaded.add("@opentelemetry/semantic-conventions"), await real()));
vi.mock("@opentelemetry/semantic-conventions/incubating", async (real) => (loaded.add("@opentelemetry/semantic-conventions/incubating"), await real()));
vi.mock("@opentelemetry/exporter-trace-otlp-http", async (real) => (loaded.add("@opentelemetry/exporter-trace-otlp-http"), await real()));
vi.mock("@opentelemetry/exporter-trace-otlp-proto", async (real) => (loaded.add("@opentelemetry/exporter-trace-otlp-proto"), await real()));

const OTEL_VARIABLES = [
  "OTEL_SDK_DISABLED",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
  "OTEL_SERVICE_NAME",
  "OTEL_RESOURCE_ATTRIBUTES",
  "STEWARD_TRACE_URL_TEMPLATE",
];

/** The tracing modules afresh, with these variables (server/env.ts reads the environment once). */
async function fresh(vars: Record<string, string> = {}) {
  for (const name of OTEL_VARIABLES) vi.stubEnv(name, vars[name]);
  vi.resetModules();
  // A process decides once (the environment does not change under it); each case here is a new process.
  globalThis.__stewardRunTracing = undefined;
  loaded.clear();
  const [start, env, link, record] = await Promise.all([import("./start"), import("@/server/env"), import("./link"), import("@/server/observations/record")]);
  return { ...start, ...env, ...link, ...record };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const noDatabase = () => Promise.reject(new Error("tracing is off: no run is read"));

describe("runs as traces, switched by the OTLP endpoint", () => {
  it("without an endpoint loads no OpenTelemetry module, follows no run and shows no trace id", async () => {
    const t = await fresh();
    expect(t.tracingConfig()).toBeNull();
    expect(await t.startRunTracing(noDatabase)).toBeNull();
    expect(t.observationBus().listenerCount(t.ANY_RUN_ENDED)).toBe(0);
    t.observationBus().emit(t.ANY_RUN_ENDED, "0b4f4a8e-3c5e-4c1e-9a53-2a4a7c8d9e10");
    expect(t.runTraceLink("0b4f4a8e-3c5e-4c1e-9a53-2a4a7c8d9e10")).toBeNull();
    expect([...loaded]).toEqual([]);
  });

  it("OTEL_SDK_DISABLED=true switches it off even with an endpoint", async () => {
    const t = await fresh({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" });
    expect(await t.startRunTracing(noDatabase)).toBeNull();
    expect([...loaded]).toEqual([]);
  });

  it("with an endpoint loads the SDK and the protobuf exporter, and follows every run this process ends", async () => {
    const t = await fresh({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" });
    const tracing = await t.startRunTracing(noDatabase);
    try {
      expect(tracing).not.toBeNull();
      expect(loaded).toContain("@opentelemetry/sdk-trace");
      expect(loaded).toContain("@opentelemetry/exporter-trace-otlp-proto");
      expect(loaded).not.toContain("@opentelemetry/exporter-trace-otlp-http");
      expect(t.observationBus().listenerCount(t.ANY_RUN_ENDED)).toBe(1);
    } finally {
      await tracing?.stop();
    }
    expect(t.observationBus().listenerCount(t.ANY_RUN_ENDED)).toBe(0);
  });

  it("reads the standard variables, the traces-specific ones first", async () => {
    let t = await fresh({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector.example:4318/",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic%20YWJj, x-scope-orgid=tenant-1",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-scope-orgid=tenant-2",
      OTEL_SERVICE_NAME: "steward-eu",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod",
    });
    expect(t.tracingConfig()).toEqual({
      url: "https://collector.example:4318/v1/traces",
      protocol: "http/protobuf",
      headers: { authorization: "Basic YWJj", "x-scope-orgid": "tenant-2" },
      serviceName: "steward-eu",
      resourceAttributes: { "deployment.environment.name": "prod" },
      traceUrlTemplate: null,
    });
    t = await fresh({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://cloud.langfuse.com/api/public/otel/v1/traces", OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json" });
    expect(t.tracingConfig()).toMatchObject({ url: "https://cloud.langfuse.com/api/public/otel/v1/traces", protocol: "http/json", serviceName: "steward" });
  });

  it("refuses a protocol it cannot speak or a trace link without {traceId}, naming the variable", async () => {
    let t = await fresh({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    expect(() => t.tracingConfig()).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: must be http\/protobuf or http\/json/);
    t = await fresh({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", STEWARD_TRACE_URL_TEMPLATE: "https://jaeger.example/trace" });
    expect(() => t.tracingConfig()).toThrow(/STEWARD_TRACE_URL_TEMPLATE: must be an http\(s\) URL containing \{traceId\}/);
  });
});
