import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { testDatabases } from "@/test/databases";
import { openHarness, type Harness } from "@/test/app-harness";
import type { Database } from "@/server/db/database";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { seedMission, testEngine, waitForRun } from "@/server/engine/testing/harness";
import { observationBus } from "@/server/observations/record";
import { MAX_RUN_WAIT_SECONDS, preferredWait } from "@/server/runs/wait";
import * as missionRuns from "./route";

process.env.STEWARD_SECRET_KEY ??= "c".repeat(64);

/** trigger (id, n, msg) → three conditions reading the input → a verdict saying what it read. */
const quick = mission(
  "quick",
  [
    node.trigger("start", {
      fields: [
        { name: "id", type: "string" },
        { name: "n", type: "number" },
        { name: "msg", type: "string" },
      ],
    }),
    node.condition("has_id", { branches: [{ id: "ok", expression: "size(trigger.id) > 0" }] }),
    node.condition("positive", { branches: [{ id: "ok", expression: "trigger.n > 0" }] }),
    node.condition("has_msg", { branches: [{ id: "ok", expression: "size(trigger.msg) > 0" }] }),
    node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: 'trigger.id + " " + string(trigger.n * 3) + " " + trigger.msg' }),
  ],
  edges("start->has_id", "has_id:ok->positive", "positive:ok->has_msg", "has_msg:ok->done"),
);

/** Waits for an approver: its runs do not end while a start request waits. */
const gated = mission(
  "gated",
  [node.trigger("start"), node.approval("review"), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" })],
  edges("start->review", "review:approved->done"),
);

const INPUT = { id: "req-1", n: 21, msg: "hello" };

interface RunBody {
  id: string;
  status: string;
  verdict: { outcome: string; summary: string } | null;
  nodes: { nodeId: string; status: string; output: unknown }[];
}
interface Accepted {
  runId: string;
  status: string;
  links: { run: string };
}

/** How many listeners the Observation bus holds, over every run. */
const busListeners = () => observationBus().eventNames().reduce((n, e) => n + observationBus().listenerCount(e), 0);

const dialect = new PgDialect();

/** Counts the reads of a run's status through `database.rows` while `fn` runs. */
async function statusReads<T>(database: Database, fn: () => Promise<T>): Promise<{ result: T; reads: number }> {
  const rows = database.rows.bind(database);
  let reads = 0;
  database.rows = ((query, on) => {
    if (dialect.sqlToQuery(query).sql.startsWith("select status from run where id")) reads++;
    return rows(query, on);
  }) as Database["rows"];
  try {
    return { result: await fn(), reads };
  } finally {
    database.rows = rows;
  }
}

describe("the Prefer: wait header", () => {
  it("reads delta-seconds, quoted or not, in any case, the first wait only, parameters ignored", () => {
    expect(preferredWait("wait=5")).toBe(5);
    expect(preferredWait('respond-async, WAIT="12"')).toBe(12);
    expect(preferredWait("handling=lenient, wait=3; foo=bar, wait=9")).toBe(3);
    expect(preferredWait("return=minimal")).toBeNull();
    expect(preferredWait(null)).toBeNull();
  });
  it("gives null for a value that is not delta-seconds", () => {
    for (const bad of ["wait", "wait=", "wait=soon", "wait=-1", "wait=1.5", "wait=5s", "wait=1e3"]) expect(preferredWait(bad), bad).toBeNull();
  });
});

describe.each(testDatabases())("POST /api/v1/missions/{id}/runs with a wait, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  let quickId: string;
  let gatedId: string;

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database);
    setEngineDeps({ send: engine.send });
    await engine.executor.start({ workers: true });
    quickId = (await seedMission(h.database, quick)).missionId;
    gatedId = (await seedMission(h.database, gated)).missionId;
  });
  afterAll(async () => {
    await engine.executor.stop();
    resetEngineDeps();
    await h.close();
  });

  const start = (missionId: string, opts: { prefer?: string; query?: string; body?: unknown; signal?: AbortSignal } = {}) => {
    const headers = h.headers("builder");
    if (opts.prefer) headers.set("prefer", opts.prefer);
    return missionRuns.POST(
      new Request(`http://localhost/api/v1/missions/${missionId}/runs${opts.query ?? ""}`, {
        method: "POST",
        headers,
        body: JSON.stringify(opts.body ?? (missionId === gatedId ? {} : INPUT)),
        signal: opts.signal,
      }),
      { params: Promise.resolve({ id: missionId }) },
    );
  };

  it("answers 200 with the finished run and its verdict when it ends within Prefer: wait", async () => {
    const res = await start(quickId, { prefer: "wait=20" });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=20");
    const run = (await res.json()) as RunBody;
    expect(res.headers.get("content-location")).toBe(`/api/v1/runs/${run.id}`);
    expect(run.status).toBe("succeeded");
    expect(run.verdict).toEqual({ outcome: "ok", summary: "req-1 63 hello" });
    expect(run.nodes.find((n) => n.nodeId === "positive")).toMatchObject({ status: "succeeded", output: { branch: "ok" } });
    expect(run.nodes.find((n) => n.nodeId === "done")?.output).toEqual({ outcome: "ok", summary: "req-1 63 hello" });
  });

  it("reads no status for a run it has just started: the end's announcement reads the answer", async () => {
    // Each read is a statement beside the run's own dozen; under load they were a third of them. A
    // run started by this request cannot have ended before the wait listens, so the read when it
    // starts listening is not made either (it was, until the fourth performance session).
    const { result: res, reads } = await statusReads(h.database, () => start(quickId, { prefer: "wait=20" }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as RunBody).verdict?.summary).toBe("req-1 63 hello");
    expect(reads).toBe(0);
  });

  it("waits as long as ?wait=…s says, without Preference-Applied (nothing was preferred)", async () => {
    const res = await start(quickId, { query: "?wait=20s" });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBeNull();
    expect(((await res.json()) as RunBody).verdict?.summary).toBe("req-1 63 hello");
  });

  it("answers 202 with the run's status after the wait when the run waits for a decision, reading its status only on news", async () => {
    const t0 = performance.now();
    const { result: res, reads } = await statusReads(h.database, () => start(gatedId, { prefer: "respond-async, wait=1" }));
    const took = performance.now() - t0;
    expect(res.status).toBe(202);
    expect(res.headers.get("preference-applied")).toBe("wait=1");
    const body = (await res.json()) as Accepted;
    expect(res.headers.get("location")).toBe(`/api/v1/runs/${body.runId}`);
    expect(body).toEqual({ runId: body.runId, status: "waiting", links: { run: `/api/v1/runs/${body.runId}` } });
    expect(took).toBeGreaterThanOrEqual(990);
    // One read when it starts listening, one per burst of the run's Observations (started, waiting),
    // none while nothing happens: a poll every 10 ms would have made about 100.
    expect(reads).toBeLessThanOrEqual(6);
    expect(observationBus().listenerCount(body.runId)).toBe(0);
  });

  it("caps the wait at MAX_RUN_WAIT_SECONDS and says so in Preference-Applied", async () => {
    const res = await start(quickId, { prefer: "wait=86400" });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe(`wait=${MAX_RUN_WAIT_SECONDS}`);
  });

  it("ignores a Prefer wait it cannot read (RFC 7240): 202 at once, as without it", async () => {
    for (const prefer of ["wait=soon", "wait=-3", "wait=0"]) {
      const t0 = performance.now();
      const res = await start(gatedId, { prefer });
      expect(res.status, prefer).toBe(202);
      expect(performance.now() - t0, prefer).toBeLessThan(900);
      expect(res.headers.get("preference-applied"), prefer).toBeNull();
      expect(((await res.json()) as Accepted).status, prefer).toBe("queued");
    }
  });

  it("refuses a malformed ?wait with 400 naming query.wait, and starts nothing", async () => {
    const before = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`);
    for (const query of ["?wait=soon", "?wait=5m", "?wait=", "?wait=-1s"]) {
      const res = await start(quickId, { query });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { problems: { path: string }[] } };
      expect(body.error.problems[0]?.path, query).toBe("query.wait");
    }
    const after = await h.database.rows<{ n: number }>(sql`select count(*)::int as n from run`);
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it("serves many concurrent waiters, each with its own verdict, and leaves no listener behind", async () => {
    const listeners = busListeners();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => start(quickId, { prefer: "wait=25", body: { ...INPUT, id: `req-${i}` } })));
    const runs = await Promise.all(answers.map(async (r) => ({ status: r.status, run: (await r.json()) as RunBody })));
    for (const [i, { status, run }] of runs.entries()) {
      expect(status).toBe(200);
      expect(run.verdict?.summary).toBe(`req-${i} 63 hello`);
    }
    expect(busListeners()).toBe(listeners);
  });

  it("stops waiting, and listening, when the client goes away", async () => {
    const listeners = busListeners();
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 200);
    const res = await start(gatedId, { prefer: "wait=20", signal: ac.signal });
    expect(res.status).toBe(202);
    expect(performance.now() - t0).toBeLessThan(5_000);
    const { runId } = (await res.json()) as Accepted;
    expect(busListeners()).toBe(listeners);
    // The run itself goes on: it waits for its decision.
    await waitForRun(h.database, runId, ["waiting"]);
  });
});
