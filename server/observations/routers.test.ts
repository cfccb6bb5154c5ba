import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { openHarness, type Harness, type Persona } from "@/test/app-harness";
import { testDatabases } from "@/test/databases";
import { createCallerFactory, createContext, router } from "@/server/api/trpc";
import { runsRouter } from "@/server/api/routers/runs";
import { observationsRouter } from "@/server/api/routers/observations";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import type { EngineEvent } from "@/server/contracts/events";
import { createMission, saveVersion } from "@/server/missions/service";
import { publishForTest } from "@/test/publishing";
import { recordObservation } from "./record";

// The two routers as the root router holds them (`runs`, `observations`).
const createCaller = createCallerFactory(router({ runs: runsRouter, observations: observationsRouter }));

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`;
  }
}

describe.each(testDatabases())("runs and observations routers on $name", (tdb) => {
  let h: Harness;
  let missionId: string;
  // A caller's signal (set when it is created) is what ends its subscriptions.
  const as = async (p: Persona, signal?: AbortSignal) => createCaller(await createContext({ headers: h.headers(p), database: h.database }), signal ? { signal } : {});

  const sent: EngineEvent[] = [];

  beforeAll(async () => {
    // No engine runs here: its events are only collected.
    setEngineDeps({ send: async (events) => void sent.push(...[events].flat()) });
    h = await openHarness(tdb);
    const m = await createMission(h.database.db, { name: "Office supplies", template: "approval" }, h.userId("builder"));
    missionId = m.id;
    await saveVersion(h.database.db, missionId, { message: "first" }, h.userId("builder"));
    await publishForTest(h.database.db, missionId, h.userId("approver"));
  });
  afterAll(async () => {
    resetEngineDeps();
    await h?.close();
  });

  it("lets builders start, cancel and re-run, and every signed-in role look", async () => {
    const builder = await as("builder");
    const { runId } = await builder.runs.start({ missionId, input: { title: "Stapler" } });
    for (const p of ["viewer", "approver", "admin"] as const) {
      const caller = await as(p);
      expect((await caller.runs.get({ runId })).run.id).toBe(runId);
      expect((await caller.runs.list({})).items.some((r) => r.id === runId)).toBe(true);
      expect((await caller.observations.list({ runId })).items.length).toBeGreaterThan(0);
      expect(await codeOf(caller.runs.start({ missionId, input: { title: "x" } }))).toBe("FORBIDDEN");
      expect(await codeOf(caller.runs.cancel({ runId }))).toBe("FORBIDDEN");
      expect(await codeOf(caller.runs.rerun({ runId }))).toBe("FORBIDDEN");
    }
    const anonymous = await as("anonymous");
    expect(await codeOf(anonymous.runs.get({ runId }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.observations.list({ runId }))).toBe("UNAUTHORIZED");
    expect(await codeOf(anonymous.observations.onRun({ runId }))).toBe("UNAUTHORIZED");
  });

  it("returns the run with its pinned graph, its starter and decisions", async () => {
    const builder = await as("builder");
    const { runId } = await builder.runs.start({ missionId, input: { title: "Desk lamp", details: "for the office" } });
    const page = await (await as("viewer")).runs.get({ runId });
    expect(page.run).toMatchObject({ id: runId, missionId, missionName: "Office supplies", versionNumber: 1, status: "queued", input: { title: "Desk lamp", details: "for the office" } });
    expect(page.graph.nodes.map((n) => n.id)).toEqual(["trigger", "approval", "verdict"]);
    expect(page.startedByName).toBe("builder");
    expect(page.decisions).toEqual([]);
    expect(page.run.nodes.map((n) => [n.nodeId, n.status])).toEqual([
      ["trigger", "pending"],
      ["approval", "pending"],
      ["verdict", "pending"],
    ]);
  });

  it("answers bad input, unknown ids and conflicts with the right codes and field problems", async () => {
    const builder = await as("builder");
    try {
      await builder.runs.start({ missionId, input: { title: "", colour: "red" } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TRPCError);
      expect((e as TRPCError).code).toBe("BAD_REQUEST");
      const problems = ((e as TRPCError).cause as { problems?: { path: string }[] }).problems?.map((p) => p.path);
      expect(problems).toEqual(expect.arrayContaining(["input.title", "input.colour"]));
    }
    expect(await codeOf(builder.runs.start({ missionId: "nope", input: {} }))).toBe("NOT_FOUND");
    expect(await codeOf(builder.runs.get({ runId: "nope" }))).toBe("NOT_FOUND");
    expect(await codeOf(builder.runs.cancel({ runId: "nope" }))).toBe("NOT_FOUND");
    expect(await codeOf(builder.observations.list({ runId: "nope" }))).toBe("NOT_FOUND");
    expect(await codeOf(builder.observations.onRun({ runId: "nope" }))).toBe("NOT_FOUND");
    expect(await codeOf(builder.observations.onRun({ runId: "x", lastEventId: "12; drop table" }))).toBe("BAD_REQUEST");

    const { runId } = await builder.runs.start({ missionId, input: { title: "Chair" } });
    expect(await builder.runs.cancel({ runId })).toEqual({ runId, status: "cancelled" });
    expect(sent.filter((e) => e.name === "mission/run.cancel.requested").map((e) => e.data.runId)).toContain(runId);
    expect(await codeOf(builder.runs.cancel({ runId }))).toBe("CONFLICT");
  });

  it("re-runs with the same version and input", async () => {
    const builder = await as("builder");
    const { runId } = await builder.runs.start({ missionId, input: { title: "Monitor" } });
    const again = await builder.runs.rerun({ runId });
    expect(again.runId).not.toBe(runId);
    const [a, b] = await Promise.all([builder.runs.get({ runId }), builder.runs.get({ runId: again.runId })]);
    expect(b.run.versionId).toBe(a.run.versionId);
    expect(b.run.input).toEqual(a.run.input);
  });

  it("searches and filters the run history, newest first, a page at a time", async () => {
    const builder = await as("builder");
    const { runId: tagged } = await builder.runs.start({ missionId, input: { title: "Purple paperclips" } });
    await h.database.db.execute(
      sql`update run set status = 'succeeded', verdict = ${JSON.stringify({ outcome: "approved", summary: "Approved: Purple paperclips" })}::jsonb where id = ${tagged}`,
    );
    const viewer = await as("viewer");
    expect((await viewer.runs.list({ search: "purple" })).items.map((r) => r.id)).toEqual([tagged]);
    expect((await viewer.runs.list({ search: tagged.slice(0, 8) })).items.map((r) => r.id)).toEqual([tagged]);
    expect((await viewer.runs.list({ verdict: "Approved" })).items.map((r) => r.id)).toEqual([tagged]);
    expect((await viewer.runs.list({ status: "succeeded" })).items.map((r) => r.id)).toEqual([tagged]);
    expect((await viewer.runs.list({ startedBy: "builder@" })).items.length).toBeGreaterThan(1);
    expect((await viewer.runs.list({ startedBy: "nobody-like-this" })).items).toEqual([]);
    expect((await viewer.runs.list({ search: "100%_" })).items).toEqual([]);
    expect((await viewer.runs.list({ missionId, from: new Date(Date.now() + 86_400_000) })).items).toEqual([]);

    const all = (await viewer.runs.list({ limit: 200 })).items;
    expect(all.map((r) => r.createdAt)).toEqual([...all.map((r) => r.createdAt)].sort().reverse());
    const first = await viewer.runs.list({ limit: 2 });
    const second = await viewer.runs.list({ limit: 2, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((r) => r.id)).toEqual(all.slice(0, 4).map((r) => r.id));
    expect(await codeOf(viewer.runs.list({ cursor: "garbage" }))).toBe("BAD_REQUEST");

    const facets = await viewer.runs.facets();
    expect(facets.missions).toEqual([{ id: missionId, name: "Office supplies" }]);
    expect(facets.verdicts).toEqual(["approved"]);
  });

  it("streams a run's Observations as tracked events that resume after lastEventId", async () => {
    const builder = await as("builder");
    const { runId } = await builder.runs.start({ missionId, input: { title: "Whiteboard" } });
    await recordObservation(h.database, { runId, nodeId: "approval", kind: "reasoning", text: "thinking" });
    const ctl = new AbortController();
    const viewer = await as("viewer", ctl.signal);
    const stream = await viewer.observations.onRun({ runId });
    const got: [string, { id: number; text: string }][] = [];
    const reading = (async () => {
      for await (const ev of stream as AsyncIterable<unknown>) {
        const [id, data] = ev as [string, { id: number; text: string }];
        got.push([id, data]);
        if (got.length === 3) ctl.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await recordObservation(h.database, { runId, nodeId: "approval", kind: "text", text: "live" });
    await reading;
    expect(got.map(([, o]) => o.text)).toEqual(["Run queued (version 1, manual)", "thinking", "live"]);
    expect(got.map(([id, o]) => id === String(o.id))).toEqual([true, true, true]);

    const resumed = await (await as("viewer", AbortSignal.timeout(300))).observations.onRun({ runId, lastEventId: got[1]![0] });
    const after: number[] = [];
    try {
      for await (const ev of resumed as AsyncIterable<unknown>) after.push((ev as [string, { id: number }])[1].id);
    } catch {
      // the timeout ends the stream
    }
    expect(after).toEqual([got[2]![1].id]);
  });
});
