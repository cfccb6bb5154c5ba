import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { NonRetriableError, RetryAfterError } from "inngest";
import canonicalize from "canonicalize";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { serve } from "inngest/next";
import type { EmbeddedEngine } from "./embedded";
import { EmbeddedExecutor, type ServeHandler } from "./embedded-executor";
import { createEngineClient } from "./client";
import { generateSigningKey, signatureHeader } from "./signing";
import type { EngineClient } from "./client";

// The contract between the embedded executor and the pinned inngest SDK (4.24.0): every opcode
// the project relies on, driven through the real serve() handler. An SDK upgrade that changes the
// protocol fails here, not in production.

interface Probe {
  flakyCalls: number;
  retryAfterCalls: number[];
  notified: string[];
  failures: { runId: string; message: string }[];
  afterCancel: number;
  prepared: number;
  chained: string[];
  afterStale: number;
  ticks: { name: string; cron: string }[];
}

/** A cron that does not come round while the tests run: its ticks are fired by hand. */
const NEW_YEAR_IN_PARIS = "TZ=Europe/Paris 0 0 1 1 *";

function contractFunctions(client: EngineClient, probe: Probe, cancel: (runId: string) => Promise<unknown>) {
  const child = client.createFunction({ id: "double", triggers: [{ event: "contract/double.requested" }] }, async ({ event }) => ({
    doubled: Number(event.data.n) * 2,
  }));
  const flow = client.createFunction(
    { id: "flow", retries: 2, triggers: [{ event: "contract/flow.requested" }] },
    async ({ event, step }) => {
      const doc = await step.run("prepare", () => {
        probe.prepared++;
        return { title: String(event.data.title).toUpperCase() };
      });
      const [a, b] = await Promise.all([
        step.run("enrich-a", () => `${doc.title}:A`),
        step.run("enrich-b", () => {
          if (++probe.flakyCalls === 1) throw new Error("transient");
          return `${doc.title}:B`;
        }),
      ]);
      const { doubled } = await step.invoke("call-child", { function: child, data: { n: 21 } });
      const sleptFrom = await step.run("before-nap", () => Date.now());
      await step.sleep("nap", "1s");
      const sleptMs = await step.run("after-nap", () => Date.now() - sleptFrom);
      await step.sendEvent("notify", { name: "contract/notified", data: { key: event.data.key } });
      const decision = await step.waitForEvent("wait-approval", {
        event: "contract/approved",
        timeout: String(event.data.timeout),
        if: "async.data.key == event.data.key",
      });
      return { a, b, doubled, sleptMs, decision: decision ? decision.data : null };
    },
  );
  const notified = client.createFunction({ id: "notified", triggers: [{ event: "contract/notified" }] }, async ({ event, step }) => {
    await step.run("record", () => {
      probe.notified.push(String(event.data.key));
    });
  });
  const fatal = client.createFunction(
    {
      id: "fatal",
      triggers: [{ event: "contract/fatal.requested" }],
      onFailure: async ({ event, error }) => {
        probe.failures.push({ runId: event.data.run_id, message: error.message });
      },
    },
    async ({ step }) => {
      await step.run("boom", () => {
        throw new NonRetriableError("bad input");
      });
      return "unreachable";
    },
  );
  const politeRetry = client.createFunction({ id: "polite-retry", triggers: [{ event: "contract/polite.requested" }] }, async ({ step }) => {
    return step.run("rate-limited", () => {
      probe.retryAfterCalls.push(Date.now());
      if (probe.retryAfterCalls.length === 1) throw new RetryAfterError("slow down", "2s");
      return "ok";
    });
  });
  const cancellable = client.createFunction(
    { id: "cancellable", triggers: [{ event: "contract/long.requested" }], cancelOn: [{ event: "contract/cancel", match: "data.key" }] },
    async ({ step }) => {
      await step.waitForEvent("forever", { event: "contract/never", timeout: "1h" });
      await step.run("after", () => {
        probe.afterCancel++;
      });
    },
  );
  const unsupported = client.createFunction({ id: "unsupported", triggers: [{ event: "contract/ai.requested" }] }, async ({ step }) => {
    return step.ai.infer("think", { model: step.ai.models.openai({ model: "gpt-4o-mini", apiKey: "unused" }), body: { messages: [] } });
  });
  const chain = client.createFunction({ id: "chain", triggers: [{ event: "contract/chain.requested" }] }, async ({ step }) => {
    let total = 0;
    for (const n of [1, 2, 3, 4, 5]) {
      total += await step.run(`add-${n}`, () => {
        probe.chained.push(`add-${n}`);
        return n;
      });
    }
    return { total };
  });
  const stale = client.createFunction({ id: "stale", triggers: [{ event: "contract/stale.requested" }] }, async ({ step, runId }) => {
    await step.run("first", () => "one");
    // The run ends while this step runs: its checkpoint is refused and the call must stop here.
    await step.run("cancel-meanwhile", () => cancel(runId).then(() => "cancelled"));
    await step.run("never", () => {
      probe.afterStale++;
    });
  });
  const bulky = client.createFunction({ id: "bulky", retries: 0, triggers: [{ event: "contract/bulky.requested" }] }, async ({ step }) => {
    const small = await step.run("small", () => "fine");
    const big = await step.run("big", () => "x".repeat(80 * 1024));
    return { small, big: big.length };
  });
  // A cron trigger, as the schedules' tick uses one (server/triggers/schedule-function.ts).
  const ticker = client.createFunction({ id: "ticker", triggers: [{ cron: NEW_YEAR_IN_PARIS }] }, async ({ event, step }) => {
    await step.run("tick", () => {
      probe.ticks.push({ name: event.name, cron: String((event.data as { cron?: unknown }).cron) });
    });
  });
  return [child, flow, notified, fatal, politeRetry, cancellable, unsupported, chain, stale, bulky, ticker];
}

describe.each(testDatabases())("embedded executor contract on $name", (tdb) => {
  let database: Database;
  let engine: EmbeddedEngine;
  const probe: Probe = { flakyCalls: 0, retryAfterCalls: [], notified: [], failures: [], afterCancel: 0, prepared: 0, chained: [], afterStale: 0, ticks: [] };
  const signingKey = generateSigningKey();
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const callsPerRun = new Map<string, number>();
  /** The protocol version of every answer serve() gave. */
  const answerVersions = new Set<string | null>();

  const runsOf = (fnId: string) =>
    database.rows<{ id: string; status: string; output: unknown; error: { message?: string } | null }>(
      sql`select id, status, output, error from engine_run where fn_id = ${`steward-${fnId}`} order by created_at`,
    );
  const until = async (pred: () => Promise<boolean>, ms = 20_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await pred()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("condition not met in time");
  };
  const waitingOn = async (runId: string, eventName: string) =>
    (await database.rows(sql`select 1 from engine_wait where run_id = ${runId} and event_name = ${eventName}`)).length > 0;

  beforeAll(async () => {
    database = await tdb.open();
    // Built by hand (as createEmbeddedEngine does) to watch the calls into serve(): discovery
    // calls of one run must never overlap.
    const client = createEngineClient({
      mode: "embedded",
      signingKey,
      fetch: (input, init) => executor.fetch(input, init),
      logger: { info() {}, warn() {}, error() {}, debug() {} },
    });
    const handler = serve({ client, functions: contractFunctions(client, probe, (runId) => executor.cancelRun(runId, "Cancelled by the test")) });
    const watched: ServeHandler = {
      async POST(req: Request, ctx?: unknown) {
        const url = new URL(req.url);
        const body = (await req.clone().json()) as { ctx: { run_id: string } };
        const key = `${body.ctx.run_id}:${url.searchParams.get("stepId") === "step" ? "discovery" : "step"}`;
        callsPerRun.set(body.ctx.run_id, (callsPerRun.get(body.ctx.run_id) ?? 0) + 1);
        const now = (inFlight.get(key) ?? 0) + 1;
        inFlight.set(key, now);
        if (now > (maxInFlight.get(key) ?? 0)) maxInFlight.set(key, now);
        try {
          const res = await handler.POST(req as never, ctx);
          answerVersions.add(res.headers.get("x-inngest-req-version"));
          return res;
        } finally {
          inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
        }
      },
      PUT: (req: Request, ctx?: unknown) => handler.PUT(req as never, ctx),
    };
    const executor: EmbeddedExecutor = new EmbeddedExecutor({
      database,
      handler: watched,
      signingKey,
      concurrency: 4,
      idleMs: 20,
      retryBaseMs: 50,
      maxStepOutputBytes: 64 * 1024,
      logger: { error: () => {}, warn: () => {} },
    });
    engine = { client, handler, executor };
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  it("learns every function from the in-band sync, with retries, cancelOn and the onFailure function", () => {
    const fns = new Map(engine.executor.functions.map((f) => [f.id, f]));
    expect([...fns.keys()].sort()).toEqual(
      [
        "steward-bulky",
        "steward-cancellable",
        "steward-chain",
        "steward-double",
        "steward-fatal",
        "steward-fatal-failure",
        "steward-flow",
        "steward-notified",
        "steward-polite-retry",
        "steward-stale",
        "steward-ticker",
        "steward-unsupported",
      ].sort(),
    );
    expect(fns.get("steward-flow")?.steps.step?.retries?.attempts).toBe(2);
    expect(fns.get("steward-cancellable")?.cancel).toEqual([{ event: "contract/cancel", if: "event.data.key == async.data.key" }]);
    expect(fns.get("steward-fatal-failure")?.triggers[0]?.event).toBe("inngest/function.failed");
    expect(fns.get("steward-ticker")?.triggers).toEqual([{ cron: NEW_YEAR_IN_PARIS }]);
  });

  it("runs a cron-triggered function once per tick, with the event an Inngest server sends (inngest/scheduled.timer)", async () => {
    const at = new Date("2027-01-01T00:00:00+01:00");
    // Every replica's clock fires the same tick: one run.
    await Promise.all([engine.executor.fireCron("steward-ticker", NEW_YEAR_IN_PARIS, at), engine.executor.fireCron("steward-ticker", NEW_YEAR_IN_PARIS, at)]);
    await until(async () => (await runsOf("ticker"))[0]?.status === "completed");
    expect(await runsOf("ticker")).toHaveLength(1);
    expect(probe.ticks).toEqual([{ name: "inngest/scheduled.timer", cron: NEW_YEAR_IN_PARIS }]);
    await expect(engine.executor.fireCron("steward-flow", NEW_YEAR_IN_PARIS, at)).rejects.toThrow(/has the cron trigger/);
  });

  it("rejects calls to serve() that are not signed with the local key", async () => {
    const body = canonicalize({ version: 2, event: { name: "x", data: {} }, events: [], steps: {}, ctx: { run_id: "forged", attempt: 0, stack: { stack: [], current: 0 } } }) ?? "";
    const unsigned = await engine.handler.POST(
      new Request("http://embedded.invalid/api/inngest?fnId=steward-flow&stepId=step", { method: "POST", body, headers: { "content-type": "application/json" } }) as never,
      undefined,
    );
    expect(unsigned.status).toBe(401);
    const wrongKey = await engine.handler.POST(
      new Request("http://embedded.invalid/api/inngest?fnId=steward-flow&stepId=step", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-inngest-signature": signatureHeader(generateSigningKey(), body) },
      }) as never,
      undefined,
    );
    expect(wrongKey.status).toBe(401);
  });

  it("runs steps, parallel steps with a retry, invoke, sleep, sendEvent and waitForEvent (match, no match, timeout)", async () => {
    await engine.client.send([
      { name: "contract/flow.requested", data: { key: "k1", title: "hello", timeout: "1h" } },
      { name: "contract/flow.requested", data: { key: "k2", title: "bye", timeout: "1s" } },
    ]);
    const runs = await runsOf("flow");
    expect(runs).toHaveLength(2);
    const r1 = runs[0] as { id: string };
    const r2 = runs[1] as { id: string };

    await until(() => waitingOn(r1.id, "contract/approved"));
    // Only events received after the wait was stored count, and only those matching its `if`.
    await engine.client.send({ name: "contract/approved", data: { key: "someone-else", by: "mallory" } });
    await until(async () => (await runsOf("flow")).find((r) => r.id === r2.id)?.status === "completed");
    expect(await waitingOn(r1.id, "contract/approved")).toBe(true);
    await engine.client.send({ name: "contract/approved", data: { key: "k1", by: "alice" } });
    await until(async () => (await runsOf("flow")).every((r) => r.status === "completed"));

    const done = new Map((await runsOf("flow")).map((r) => [r.id, r.output as Record<string, unknown>]));
    expect(done.get(r1.id)).toMatchObject({ a: "HELLO:A", b: "HELLO:B", doubled: 42, decision: { key: "k1", by: "alice" } });
    expect(done.get(r2.id)).toMatchObject({ a: "BYE:A", b: "BYE:B", doubled: 42, decision: null });
    expect(Number(done.get(r1.id)?.sleptMs)).toBeGreaterThanOrEqual(900);
    // enrich-b failed once per run: 2 runs → at least 3 calls, and each run still completed.
    expect(probe.flakyCalls).toBeGreaterThanOrEqual(3);
    // A memoized step never runs again on replay.
    expect(probe.prepared).toBe(2);
    await until(async () => probe.notified.length === 2);
    expect(probe.notified.sort()).toEqual(["k1", "k2"]);
    const leftovers = await database.rows(sql`select 1 from engine_job union all select 1 from engine_wait`);
    expect(leftovers).toHaveLength(0);
    for (const run of [r1, r2]) {
      expect(maxInFlight.get(`${run.id}:discovery`)).toBe(1);
      expect(maxInFlight.get(`${run.id}:step`)).toBeGreaterThanOrEqual(1);
    }
  });

  it("runs a chain of steps in one call, checkpointing each result as it goes", async () => {
    await engine.client.send({ name: "contract/chain.requested", data: {} });
    await until(async () => (await runsOf("chain"))[0]?.status === "completed");
    const [run] = await runsOf("chain");
    expect(run?.output).toEqual({ total: 15 });
    expect(probe.chained).toEqual(["add-1", "add-2", "add-3", "add-4", "add-5"]);
    // Without checkpoints this is six calls (one per step, one to finish).
    expect(callsPerRun.get(run?.id ?? "")).toBe(1);
    const memo = await database.rows<{ n: number }>(sql`select count(*)::int as n from engine_step where run_id = ${run?.id ?? ""}`);
    expect(Number(memo[0]?.n)).toBe(5);
    // The calls name no protocol version (protocol.ts, callBody): the SDK answers in v2, the one the executor reads.
    expect([...answerVersions]).toEqual(["2"]);
  });

  it("stops a call whose checkpoint is refused because the run ended meanwhile", async () => {
    await engine.client.send({ name: "contract/stale.requested", data: {} });
    await until(async () => (await runsOf("stale"))[0]?.status === "cancelled");
    const [run] = await runsOf("stale");
    // Give a call that did not stop the time to run the next step.
    await new Promise((r) => setTimeout(r, 300));
    expect(probe.afterStale).toBe(0);
    expect(run?.error?.message).toBe("Cancelled by the test");
    // "first" may have been stored or still kept (write-behind) when the run ended; nothing after it was.
    const memo = await database.rows<{ n: number }>(sql`select count(*)::int as n from engine_step where run_id = ${run?.id ?? ""}`);
    expect(Number(memo[0]?.n)).toBeLessThanOrEqual(1);
  });

  it("refuses to checkpoint a step output over the limit and stores it as that step's error", async () => {
    await engine.client.send({ name: "contract/bulky.requested", data: {} });
    await until(async () => (await runsOf("bulky"))[0]?.status === "failed", 30_000);
    const [run] = await runsOf("bulky");
    expect(run?.error?.message).toMatch(/Step "big" returned 819\d\d bytes; the limit is 65536/);
  });

  it("fails at once on NonRetriableError and runs onFailure with the reason", async () => {
    await engine.client.send({ name: "contract/fatal.requested", data: {} });
    await until(async () => probe.failures.length === 1);
    const [run] = await runsOf("fatal");
    expect(run?.status).toBe("failed");
    expect(run?.error?.message).toContain("bad input");
    expect(probe.failures[0]).toMatchObject({ runId: run?.id, message: expect.stringContaining("bad input") });
  });

  it("honours Retry-After from RetryAfterError", async () => {
    await engine.client.send({ name: "contract/polite.requested", data: {} });
    await until(async () => (await runsOf("polite-retry"))[0]?.status === "completed");
    expect(probe.retryAfterCalls).toHaveLength(2);
    const [first, second] = probe.retryAfterCalls as [number, number];
    expect(second - first).toBeGreaterThanOrEqual(1_500);
  });

  it("cancels a run when its cancelOn event matches, and not otherwise", async () => {
    await engine.client.send([
      { name: "contract/long.requested", data: { key: "c1" } },
      { name: "contract/long.requested", data: { key: "c2" } },
    ]);
    const runs = await runsOf("cancellable");
    await until(async () => (await Promise.all(runs.map((r) => waitingOn(r.id, "contract/never")))).every(Boolean));
    await engine.client.send({ name: "contract/cancel", data: { key: "c1" } });
    const after = new Map((await runsOf("cancellable")).map((r) => [r.id, r.status]));
    const c1 = (await database.rows<{ id: string }>(sql`select id from engine_run where event->'data'->>'key' = 'c1'`))[0]?.id;
    const c2 = (await database.rows<{ id: string }>(sql`select id from engine_run where event->'data'->>'key' = 'c2'`))[0]?.id;
    expect(after.get(c1 ?? "")).toBe("cancelled");
    expect(after.get(c2 ?? "")).toBe("running");
    await engine.client.send({ name: "contract/never", data: {} });
    await until(async () => (await runsOf("cancellable")).find((r) => r.id === c2)?.status === "completed");
    expect(probe.afterCancel).toBe(1);
    // An explicit cancel works without an event too.
    expect(await engine.executor.cancelRun(c2 ?? "")).toBe(false);
  });

  it("fails a run that uses an opcode the embedded executor does not offer, naming it", async () => {
    await engine.client.send({ name: "contract/ai.requested", data: {} });
    await until(async () => (await runsOf("unsupported"))[0]?.status === "failed");
    const [run] = await runsOf("unsupported");
    expect(run?.error?.message).toMatch(/does not support the AIGateway opcode \(step "think"\)/);
  });

  it("ignores an event id it has seen (idempotent sends)", async () => {
    const before = (await runsOf("notified")).length;
    await engine.executor.send({ id: "same-event", name: "contract/notified", data: { key: "dup" } });
    await engine.executor.send({ id: "same-event", name: "contract/notified", data: { key: "dup" } });
    expect((await runsOf("notified")).length).toBe(before + 1);
  });

  it("refuses oversized events and the reserved inngest/ names, through the client too", async () => {
    await expect(engine.executor.send({ name: "contract/big", data: { blob: "x".repeat(600 * 1024) } })).rejects.toThrow(/bytes; the limit is 524288/);
    await expect(engine.client.send({ name: "contract/big", data: { blob: "x".repeat(600 * 1024) } })).rejects.toThrow();
    await expect(engine.executor.send({ name: "inngest/function.failed", data: {} })).rejects.toThrow(/reserved/);
  });
});
