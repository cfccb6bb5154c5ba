import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Database } from "@/server/db/database";
import { decision, engineJob, mission, missionVersion, run, runNode } from "@/server/db/schema";
import type { ToolPort } from "@/server/connectors/tool-port";
import { testDatabases } from "@/test/databases";
import { measuredToolPort } from "./measured-tools";
import { metricsRefusal } from "./metrics-endpoint";
import { metrics, scrapeMetrics } from "./metrics";

const LEASE_MS = 60_000;
const TOKEN = "a-metrics-token-of-some-length";

/** The value of one sample in Prometheus text, e.g. `steward_runs_ended_total{outcome="failed"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function seed(database: Database) {
  // One instant for every time below: a millisecond between two reads of the clock would
  // put a step of exactly 0.5 s just past its bucket's bound.
  const now = Date.now();
  const ago = (seconds: number) => new Date(now - seconds * 1000);
  const graph = { nodes: [{ id: "w", kind: "worker" }, { id: "a", kind: "approval" }, { id: "x", kind: "action" }], edges: [] };
  await database.db.insert(mission).values({ id: "m1", name: "Refunds", draft: graph as never });
  await database.db.insert(missionVersion).values({ id: "v1", missionId: "m1", number: 1, graph: graph as never, contentHash: "h" });
  await database.db.insert(run).values([
    { id: "r1", missionId: "m1", versionId: "v1", status: "succeeded", input: {}, channel: "manual", startedAt: ago(100), endedAt: ago(50), tokensIn: 1200, tokensOut: 300, cost: "0.0125" },
    { id: "r2", missionId: "m1", versionId: "v1", status: "failed", input: {}, channel: "portal", startedAt: ago(90), endedAt: ago(80), tokensIn: 100, tokensOut: 20, cost: "0.001" },
    { id: "r3", missionId: "m1", versionId: "v1", status: "waiting", input: {}, channel: "manual", startedAt: ago(40) },
    { id: "r4", missionId: "m1", versionId: "v1", status: "queued", input: {}, channel: "api" },
  ]);
  await database.db.insert(runNode).values([
    // A quick Worker step, a slow one, a failed action and an approval that waited an hour.
    { runId: "r1", nodeId: "w", status: "succeeded", startedAt: ago(100), endedAt: ago(99.8) },
    { runId: "r2", nodeId: "w", status: "succeeded", startedAt: ago(90), endedAt: ago(87) },
    { runId: "r2", nodeId: "x", status: "failed", startedAt: ago(86), endedAt: ago(85.5) },
    { runId: "r1", nodeId: "a", status: "succeeded", startedAt: ago(3700), endedAt: ago(100) },
    { runId: "r3", nodeId: "w", status: "running", startedAt: ago(30) },
  ]);
  await database.db.insert(decision).values([
    { id: "d1", runId: "r3", nodeId: "a", kind: "approval", proposed: {}, createdAt: ago(600), dueAt: ago(60) },
    { id: "d2", runId: "r3", nodeId: "x", kind: "tool", proposed: {}, createdAt: ago(120) },
    { id: "d3", runId: "r1", nodeId: "a", kind: "approval", status: "approved", proposed: {}, createdAt: ago(3700) },
  ]);
  await database.db.insert(engineJob).values([
    { runId: "e1", kind: "call", runAt: ago(20) },
    { runId: "e2", kind: "call", runAt: ago(5) },
    { runId: "e3", kind: "call", runAt: ago(10), lockedUntil: new Date(now + LEASE_MS - 15_000) },
    { runId: "e4", kind: "call", runAt: ago(200), lockedUntil: ago(30) },
    { runId: "e5", kind: "timeout", runAt: ago(-3600) },
  ]);
}

describe.each(testDatabases())("metrics from what $name records", (tdb) => {
  let database: Database;
  let text: string;
  beforeAll(async () => {
    database = await tdb.open();
    await seed(database);
    text = await scrapeMetrics(database, LEASE_MS);
  });
  afterAll(async () => {
    await database.close();
  });

  it("counts runs started by channel and ended by outcome, and runs by status", () => {
    expect(sample(text, 'steward_runs_started_total{channel="manual"}')).toBe(2);
    expect(sample(text, 'steward_runs_started_total{channel="portal"}')).toBe(1);
    expect(sample(text, 'steward_runs_started_total{channel="api"}')).toBeUndefined();
    expect(sample(text, 'steward_runs_ended_total{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'steward_runs_ended_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'steward_runs{status="queued"}')).toBe(1);
    expect(sample(text, 'steward_runs{status="waiting"}')).toBe(1);
  });

  it("draws step durations as a histogram by node kind and outcome", () => {
    expect(text).toContain("# TYPE steward_step_duration_seconds histogram");
    const worker = (le: string) => sample(text, `steward_step_duration_seconds_bucket{le="${le}",kind="worker",outcome="succeeded"}`);
    expect(worker("0.1")).toBe(0);
    expect(worker("0.25")).toBe(1);
    expect(worker("2.5")).toBe(1);
    expect(worker("5")).toBe(2);
    expect(worker("+Inf")).toBe(2);
    expect(sample(text, 'steward_step_duration_seconds_count{kind="worker",outcome="succeeded"}')).toBe(2);
    expect(sample(text, 'steward_step_duration_seconds_sum{kind="worker",outcome="succeeded"}')).toBeCloseTo(3.2, 3);
    expect(sample(text, 'steward_step_duration_seconds_bucket{le="0.5",kind="action",outcome="failed"}')).toBe(1);
    expect(sample(text, 'steward_step_duration_seconds_bucket{le="3600",kind="approval",outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'steward_step_duration_seconds_bucket{le="900",kind="approval",outcome="succeeded"}')).toBe(0);
    expect(sample(text, "steward_steps_running")).toBe(1);
    expect(sample(text, "steward_step_oldest_running_seconds")).toBeGreaterThanOrEqual(30);
  });

  it("reports the queue: due jobs and the oldest's wait, leases and the stalest heartbeat", () => {
    // e1 and e2 are due; e4's lease expired 30 s ago, so it is due again and counts as expired.
    expect(sample(text, "steward_queue_due_jobs")).toBe(3);
    expect(sample(text, "steward_queue_oldest_due_seconds")).toBeGreaterThanOrEqual(200);
    expect(sample(text, "steward_queue_leased_jobs")).toBe(1);
    expect(sample(text, "steward_queue_expired_leases")).toBe(1);
    // e4 was last renewed LEASE_MS before its expiry, 30 s ago.
    const stalest = sample(text, "steward_queue_oldest_lease_age_seconds")!;
    expect(stalest).toBeGreaterThanOrEqual(90);
    expect(stalest).toBeLessThan(100);
  });

  it("reports decisions waiting by kind, the oldest's age and how many are overdue", () => {
    expect(sample(text, 'steward_decisions_waiting{kind="approval"}')).toBe(1);
    expect(sample(text, 'steward_decisions_waiting{kind="tool"}')).toBe(1);
    expect(sample(text, 'steward_decision_oldest_waiting_seconds{kind="approval"}')).toBeGreaterThanOrEqual(600);
    expect(sample(text, 'steward_decisions_overdue{kind="approval"}')).toBe(1);
    expect(sample(text, 'steward_decisions_overdue{kind="tool"}')).toBe(0);
  });

  it("totals model tokens and cost", () => {
    expect(sample(text, 'steward_model_tokens_total{direction="in"}')).toBe(1300);
    expect(sample(text, 'steward_model_tokens_total{direction="out"}')).toBe(320);
    expect(sample(text, "steward_model_cost_total")).toBeCloseTo(0.0135, 6);
  });

  it("follows the database: a decision decided and a run ended show at the next scrape", async () => {
    await database.db.execute(sql`update decision set status = 'approved' where id = 'd1'`);
    await database.db.execute(sql`update run set status = 'succeeded', ended_at = now() where id = 'r3'`);
    const next = await scrapeMetrics(database, LEASE_MS);
    expect(sample(next, 'steward_decisions_waiting{kind="approval"}')).toBeUndefined();
    expect(sample(next, 'steward_runs_ended_total{outcome="succeeded"}')).toBe(2);
  });
});

describe("connector calls, timed at the tool port", () => {
  const port = (answer: "ok" | "error" | "throw"): ToolPort => ({
    listTools: async () => [],
    callTool: async () => {
      await new Promise((r) => setTimeout(r, 20));
      if (answer === "throw") throw new Error("connection refused");
      return { isError: answer === "error", text: "", value: null, raw: null };
    },
  });
  const count = async (series: string) => sample(await metrics().registry.metrics(), series) ?? 0;

  it("records each call's latency by connector and outcome, and counts errors and failures", async () => {
    const before = {
      ok: await count('steward_connector_call_duration_seconds_count{connector="billing",outcome="ok"}'),
      slow: await count('steward_connector_call_duration_seconds_bucket{le="0.01",connector="billing",outcome="ok"}'),
      toolError: await count('steward_connector_call_errors_total{connector="billing",outcome="tool_error"}'),
      failed: await count('steward_connector_call_errors_total{connector="billing",outcome="failed"}'),
    };
    await measuredToolPort(port("ok")).callTool("billing.refund", {});
    await measuredToolPort(port("error")).callTool("billing.refund", {});
    await expect(measuredToolPort(port("throw")).callTool("billing.refund", {})).rejects.toThrow("connection refused");
    expect(await count('steward_connector_call_duration_seconds_count{connector="billing",outcome="ok"}')).toBe(before.ok + 1);
    // It took 20 ms: not in the 10 ms bucket.
    expect(await count('steward_connector_call_duration_seconds_bucket{le="0.01",connector="billing",outcome="ok"}')).toBe(before.slow);
    expect(await count('steward_connector_call_errors_total{connector="billing",outcome="tool_error"}')).toBe(before.toolError + 1);
    expect(await count('steward_connector_call_errors_total{connector="billing",outcome="failed"}')).toBe(before.failed + 1);
  });
});

describe("who may read /api/metrics", () => {
  it("is not found without METRICS_TOKEN configured", () => {
    expect(metricsRefusal(`Bearer ${TOKEN}`, undefined)?.status).toBe(404);
  });

  it("refuses a missing or wrong token with 401 and lets the token through", async () => {
    const missing = metricsRefusal(null, TOKEN);
    expect(missing?.status).toBe(401);
    expect(missing?.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await missing?.text()).toMatch(/METRICS_TOKEN/);
    expect(metricsRefusal(`Bearer ${TOKEN}x`, TOKEN)?.status).toBe(401);
    expect(metricsRefusal(TOKEN, TOKEN)?.status).toBe(401);
    expect(metricsRefusal(`Bearer ${TOKEN}`, TOKEN)).toBeNull();
    expect(metricsRefusal(`bearer ${TOKEN}`, TOKEN)).toBeNull();
  });
});
