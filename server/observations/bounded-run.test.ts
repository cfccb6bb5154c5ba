import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { isTruncated, jsonBytes } from "@/lib/bounded";
import type { MissionGraph } from "@/lib/mission/schema";
import { openHarness, type Harness, type Persona } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { createCaller } from "@/server/api/root";
import { createContext } from "@/server/api/trpc";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { scriptedWorker, testEngine, usage, waitForRun } from "@/server/engine/testing/harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { startRun } from "@/server/runs/service";
import * as runRoute from "@/app/api/v1/runs/[id]/route";
import * as valuesRoute from "@/app/api/v1/runs/[id]/values/route";

process.env.STEWARD_SECRET_KEY ??= "e".repeat(64);

/** What a run page (tRPC `runs.get` and its Observations) may weigh for a run of a few nodes. */
const RUN_PAGE_LIMIT = 256_000;

// Finding 8 of #18: a run whose verdict repeated a large input stored a 9.5 MB verdict and audit
// row, and its run page weighed 32 MB.
describe.each(testDatabases())("a run's stored values and its run page are bounded, on $name", (tdb) => {
  let h: Harness;
  let engine: ReturnType<typeof testEngine>;
  const worker = scriptedWorker([() => ({ kind: "completed", output: { blob: "w".repeat(2_600_000) }, usage: usage(), transcript: [] })]);

  beforeAll(async () => {
    h = await openHarness(tdb);
    engine = testEngine(h.database, { runWorker: worker });
    setEngineDeps({ send: engine.send, runWorker: worker });
    await engine.executor.start({ workers: true });
  });
  afterAll(async () => {
    await engine?.executor.stop();
    resetEngineDeps();
    await h?.close();
  });

  async function runOf(graph: MissionGraph, input: Record<string, unknown>): Promise<string> {
    const builder = h.userId("builder");
    const m = await createMission(h.database.db, { name: graph.name }, builder);
    await saveVersion(h.database.db, m.id, { graph, message: "test" }, builder);
    const { runId } = await startRun(h.database, { missionId: m.id, userId: builder, input, channel: "api" }, { send: engine.send });
    return runId;
  }
  const trpc = async (p: Persona) => createCaller(await createContext({ headers: h.headers(p), database: h.database }));
  const get = (route: typeof runRoute.GET, path: string, runId: string) =>
    route(new Request(`http://localhost${path}`, { headers: h.headers("viewer") }), { params: Promise.resolve({ id: runId }) });

  it("stores a bounded verdict and audit row for a verdict that repeats the largest input a field takes, and ships a run page under 256 KB", async () => {
    // A text field holds at most 100,000 characters (a larger run input is refused: server/runs/input.test.ts).
    const big = "x".repeat(100_000);
    const graph = mission(
      "Echo",
      [
        node.trigger("trigger", { channels: ["api"], fields: [{ name: "text", label: "Text", type: "string", required: true }] }),
        node.verdict("done", { outcomes: ["echoed"], outcome: "'echoed'", summary: "trigger.text" }),
      ],
      edges("trigger->done"),
    );
    const runId = await runOf(graph, { text: big });
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("succeeded");

    const [stored] = await h.database.rows<{ verdict: { outcome: string; summary: string } }>(sql`select verdict from run where id = ${runId}`);
    expect(jsonBytes(stored!.verdict)).toBeLessThan(5_000);
    expect(stored!.verdict.summary.slice(3990)).toBe("xxxxxxxxxx… [truncated: 100 KB in all]");
    const audit = await h.database.rows<{ action: string; bytes: number }>(sql`select action, octet_length(data::text) as bytes from audit_log where run_id = ${runId} order by id`);
    expect(audit.map((a) => a.action)).toEqual(["run.started", "run.verdict"]);
    // The verdict's entry holds the cut summary; the start's a bounded copy of the input (the run row keeps all of it).
    expect(Number(audit[1]!.bytes)).toBeLessThan(5_000);
    expect(Number(audit[0]!.bytes)).toBeLessThan(70_000);
    const [obs] = await h.database.rows<{ biggest: number; total: number }>(
      sql`select max(octet_length(text) + coalesce(octet_length(data::text), 0)) as biggest, sum(octet_length(text) + coalesce(octet_length(data::text), 0)) as total
          from observation where run_id = ${runId}`,
    );
    expect(Number(obs!.biggest)).toBeLessThan(70_000);
    const [out] = await h.database.rows<{ bytes: number }>(sql`select octet_length(output::text) as bytes from run_node where run_id = ${runId} and node_id = 'done'`);
    expect(Number(out!.bytes)).toBeLessThan(5_000);

    // The run page: the input stands in as a truncated value with a link to the whole of it.
    const viewer = await trpc("viewer");
    const page = await viewer.runs.get({ runId });
    const observations = await viewer.observations.list({ runId });
    expect(jsonBytes(page) + jsonBytes(observations)).toBeLessThan(RUN_PAGE_LIMIT);
    expect(isTruncated(page.run.input)).toBe(true);
    expect(page.run.input).toMatchObject({ $truncated: { bytes: 100_011, download: `/api/v1/runs/${runId}/values?part=input` } });
    expect(page.run.nodes.find((n) => n.nodeId === "trigger")?.output).toMatchObject({ $truncated: { download: `/api/v1/runs/${runId}/values?part=node.trigger` } });

    const rest = await get(runRoute.GET, `/api/v1/runs/${runId}`, runId);
    expect(rest.status).toBe(200);
    expect((await rest.text()).length).toBeLessThan(RUN_PAGE_LIMIT);

    const download = await valuesRoute.GET(new Request(`http://localhost/api/v1/runs/${runId}/values?part=input`, { headers: h.headers("viewer") }), { params: Promise.resolve({ id: runId }) });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toContain("attachment");
    expect(await download.json()).toEqual({ text: big });
    const bad = await valuesRoute.GET(new Request(`http://localhost/api/v1/runs/${runId}/values?part=nodes`, { headers: h.headers("viewer") }), { params: Promise.resolve({ id: runId }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: { path: string }[] } }).error.problems[0]?.path).toBe("part");
  });

  it("fails a node whose output is over 2 MB, saying so, instead of storing it", async () => {
    const graph = mission(
      "Big worker",
      [
        node.trigger("trigger", { channels: ["api"] }),
        node.worker("dump", { instructions: "Return everything.", outputs: [{ name: "blob", type: "string" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'" }),
      ],
      edges("trigger->dump", "dump->done"),
    );
    const runId = await runOf(graph, {});
    expect(await waitForRun(h.database, runId, ["succeeded", "failed"])).toBe("failed");
    const [n] = await h.database.rows<{ status: string; error: string; bytes: number | null }>(
      sql`select status, error, octet_length(output::text) as bytes from run_node where run_id = ${runId} and node_id = 'dump'`,
    );
    expect(n).toMatchObject({ status: "failed", bytes: null });
    expect(n!.error).toContain("dump: its output is 2.6 MB; a node's output may be at most 2 MB");
  });
});
