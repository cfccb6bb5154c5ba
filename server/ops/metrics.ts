import "server-only";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Database } from "@/server/db/database";
import { readRecordedFigures, STEP_BUCKETS, type StepDurations } from "./recorded-figures";

/**
 * A histogram whose buckets are counted by the database (run_node) at scrape time rather than
 * observed in this process: every replica reports the same cluster-wide figures.
 */
class RecordedHistogram extends Histogram<"kind" | "outcome"> {
  rows: StepDurations[] = [];

  constructor(private readonly about: { name: string; help: string; registers: Registry[] }) {
    super({ ...about, labelNames: ["kind", "outcome"], buckets: [...STEP_BUCKETS] });
  }

  /** What the registry renders: prom-client 15 reads a histogram through this (and get() splays its shared labels). */
  async getForPromString() {
    const name = this.about.name;
    const values = this.rows.flatMap((r) => {
      const sharedLabels = { kind: r.kind, outcome: r.outcome };
      return [
        ...STEP_BUCKETS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { le }, sharedLabels, value: r.buckets[i] ?? 0 })),
        { metricName: `${name}_bucket`, labels: { le: "+Inf" }, sharedLabels, value: r.count },
        { metricName: `${name}_sum`, labels: {}, sharedLabels, value: r.sum },
        { metricName: `${name}_count`, labels: {}, sharedLabels, value: r.count },
      ];
    });
    return { name, help: this.about.help, type: "histogram", aggregator: "sum", values };
  }
}

/** Sets a counter to a total the database keeps (a counter that only the database moves). */
function setTotal<T extends string>(counter: Counter<T>, rows: { labels: Partial<Record<T, string>>; value: number }[]) {
  counter.reset();
  for (const r of rows) counter.inc(r.labels, r.value);
}

function build() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "steward_" });
  const m = {
    registry,
    runsStarted: new Counter({ name: "steward_runs_started_total", help: "Runs started, by channel (recorded in the database; cluster-wide)", labelNames: ["channel"], registers: [registry] }),
    runsEnded: new Counter({ name: "steward_runs_ended_total", help: "Runs ended, by outcome: succeeded, failed, cancelled (cluster-wide)", labelNames: ["outcome"], registers: [registry] }),
    runs: new Gauge({ name: "steward_runs", help: "Runs by current status (cluster-wide)", labelNames: ["status"], registers: [registry] }),
    steps: new RecordedHistogram({ name: "steward_step_duration_seconds", help: "Duration of finished steps (run nodes), by node kind and outcome; an approval step includes its wait (cluster-wide)", registers: [registry] }),
    stepsRunning: new Gauge({ name: "steward_steps_running", help: "Steps running now (cluster-wide)", registers: [registry] }),
    stepOldest: new Gauge({ name: "steward_step_oldest_running_seconds", help: "Age of the longest-running step (cluster-wide)", registers: [registry] }),
    queueDue: new Gauge({ name: "steward_queue_due_jobs", help: "Embedded executor jobs due and not leased: the queue depth", registers: [registry] }),
    queueOldestDue: new Gauge({ name: "steward_queue_oldest_due_seconds", help: "How long the oldest due, unleased job has waited", registers: [registry] }),
    queueLeased: new Gauge({ name: "steward_queue_leased_jobs", help: "Jobs leased by a worker now", registers: [registry] }),
    queueExpired: new Gauge({ name: "steward_queue_expired_leases", help: "Jobs whose lease expired without a heartbeat (a worker died; they are taken over)", registers: [registry] }),
    queueHeartbeat: new Gauge({ name: "steward_queue_oldest_lease_age_seconds", help: "Time since the stalest lease was taken or renewed (healthy: under a third of STEWARD_ENGINE_LEASE_MS)", registers: [registry] }),
    decisions: new Gauge({ name: "steward_decisions_waiting", help: "Decisions waiting for a person, by kind", labelNames: ["kind"], registers: [registry] }),
    decisionOldest: new Gauge({ name: "steward_decision_oldest_waiting_seconds", help: "Age of the oldest waiting decision, by kind", labelNames: ["kind"], registers: [registry] }),
    decisionOverdue: new Gauge({ name: "steward_decisions_overdue", help: "Waiting decisions past their due time, by kind", labelNames: ["kind"], registers: [registry] }),
    tokens: new Counter({ name: "steward_model_tokens_total", help: "Model tokens used by runs, by direction: in, out (cluster-wide)", labelNames: ["direction"], registers: [registry] }),
    cost: new Counter({ name: "steward_model_cost_total", help: "Model cost of runs, in the currency of the configured model prices (cluster-wide)", registers: [registry] }),
    connectorCalls: new Histogram({
      name: "steward_connector_call_duration_seconds",
      help: "Tool calls on MCP connectors made by this process, by connector and outcome: ok, tool_error (the tool answered an error), failed (no answer)",
      labelNames: ["connector", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    connectorErrors: new Counter({ name: "steward_connector_call_errors_total", help: "Tool calls by this process that answered an error or failed, by connector and outcome", labelNames: ["connector", "outcome"], registers: [registry] }),
  };
  return m;
}

type Metrics = ReturnType<typeof build>;

declare global {
  var __stewardMetrics: Metrics | undefined;
  var __stewardMetricsScrape: Promise<unknown> | undefined;
}

/** The process's metrics, shared by every bundle layer (the route and the engine's tool port). */
export function metrics(): Metrics {
  globalThis.__stewardMetrics ??= build();
  return globalThis.__stewardMetrics;
}

/** Reads the recorded figures into the gauges and counters, then renders every metric as Prometheus text. */
async function scrape(database: Database, leaseMs: number): Promise<string> {
  const m = metrics();
  const f = await readRecordedFigures(database, leaseMs);
  setTotal(m.runsStarted, f.runsStarted.map((r) => ({ labels: { channel: r.channel }, value: r.count })));
  setTotal(m.runsEnded, f.runsEnded.map((r) => ({ labels: { outcome: r.outcome }, value: r.count })));
  m.runs.reset();
  for (const r of f.runsByStatus) m.runs.set({ status: r.status }, r.count);
  m.steps.rows = f.steps;
  m.stepsRunning.set(f.stepsRunning.count);
  m.stepOldest.set(f.stepsRunning.oldestSeconds);
  m.queueDue.set(f.queue.due);
  m.queueOldestDue.set(f.queue.oldestDueSeconds);
  m.queueLeased.set(f.queue.leased);
  m.queueExpired.set(f.queue.expiredLeases);
  m.queueHeartbeat.set(f.queue.oldestHeartbeatSeconds);
  for (const g of [m.decisions, m.decisionOldest, m.decisionOverdue]) g.reset();
  for (const d of f.decisionsWaiting) {
    m.decisions.set({ kind: d.kind }, d.count);
    m.decisionOldest.set({ kind: d.kind }, d.oldestSeconds);
    m.decisionOverdue.set({ kind: d.kind }, d.overdue);
  }
  setTotal(m.tokens, [
    { labels: { direction: "in" }, value: f.tokens.in },
    { labels: { direction: "out" }, value: f.tokens.out },
  ]);
  setTotal(m.cost, [{ labels: {}, value: f.tokens.cost }]);
  return m.registry.metrics();
}

/** GET /api/metrics: one scrape at a time, so two scrapers never interleave their reads and renders. */
export function scrapeMetrics(database: Database, leaseMs: number): Promise<string> {
  const next = (globalThis.__stewardMetricsScrape ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => scrape(database, leaseMs));
  globalThis.__stewardMetricsScrape = next;
  return next;
}

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
