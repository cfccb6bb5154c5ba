import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorPool } from "@/server/connectors/pool";
import { setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { filesystemTools } from "@/server/connectors/fixtures/filesystem-tools";
import type { Database } from "@/server/db/database";
import { decide } from "@/server/decisions/decide";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { seedMission, testEngine, waitForRun, waitingDecision } from "@/server/engine/testing/harness";
import { REPLAY_FORMAT } from "@/server/models/replay/fixture";
import { createModel, createProvider } from "@/server/models/service";
import { getRun, startRun } from "@/server/runs/service";
import { testDatabases } from "@/test/databases";
import { createWorkerRunner } from "./run-worker";
import type { WorkerRunner } from "./types";

setTestSecretKey();

/**
 * Issue #5: a Worker that proposes a destructive tool call gets a pending decision instead of the
 * call; after approval the call runs exactly once. Real parts throughout: server-filesystem over
 * stdio on a temp dir, the connector layer (policy from its annotations), the Worker loop with the
 * replay model, the engine on its embedded executor, and the database.
 */
describe.each(testDatabases())("a Worker's gated tool call, on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  let fsRoot: string;
  let replayDir: string;
  const pool = new ConnectorPool();
  /** Every call that reached the connector layer, by tool ref. */
  const calls: string[] = [];
  /** Resumed turns to fail once (as a crash would), by run id. */
  const failResumeOnce = new Set<string>();
  const failedResumes: string[] = [];

  beforeAll(async () => {
    database = await tdb.open();
    fsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "steward-gated-"));
    replayDir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-replay-"));
    const tools = await filesystemTools(database, fsRoot, pool, calls);
    const worker = createWorkerRunner(database, tools, { models: { replayDir, replayDelayMs: 0 }, flushMs: 5 });
    const runWorker: WorkerRunner = async (input) => {
      if (input.resume && failResumeOnce.delete(input.runId)) {
        failedResumes.push(input.runId);
        throw new Error("the worker process died before it answered");
      }
      return worker(input);
    };
    engine = testEngine(database, { tools, runWorker });
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await pool.closeAll();
    await database?.close();
    fs.rmSync(fsRoot, { recursive: true, force: true });
    fs.rmSync(replayDir, { recursive: true, force: true });
  });

  function writeFixture(name: string, turns: unknown[]) {
    fs.writeFileSync(path.join(replayDir, `${name}.json`), JSON.stringify({ format: REPLAY_FORMAT, name, workers: { writer: { turns } } }));
  }

  function writerMission(name: string, model: string) {
    return mission(
      name,
      [
        node.trigger("start"),
        node.worker("writer", { model, tools: ["files.write_file", "files.read_text_file"], outputs: [{ name: "summary", type: "string" }] }),
        node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "writer.summary" }),
      ],
      edges("start->writer", "writer->done"),
    );
  }

  it("opens a decision instead of writing; after approval writes exactly once, though the resumed turn is retried", async () => {
    const target = path.join(fsRoot, "note.txt");
    writeFixture("gated-write", [
      { toolCalls: [{ toolName: "files.write_file", input: { path: target, content: "Refund approved for order 1042\n" } }], usage: { inputTokens: 100, outputTokens: 20 } },
      { text: JSON.stringify({ summary: "wrote the note" }), usage: { inputTokens: 150, outputTokens: 10 } },
    ]);
    const seeded = await seedMission(database, writerMission("gated write", "replay:gated-write"));
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: {}, userId: seeded.starter }, { send: engine.send });
    failResumeOnce.add(runId);

    const decisionId = await waitingDecision(database, runId, "writer");
    const [decision] = await database.rows<{ kind: string; status: string; title: string }>(sql`select kind, status, title from decision where id = ${decisionId}`);
    expect(decision).toMatchObject({ kind: "tool", status: "pending" });
    expect(fs.existsSync(target), "nothing is written before the decision").toBe(false);
    expect(calls.filter((c) => c === "files.write_file")).toHaveLength(0);
    const [proposed] = await database.rows<{ data: Record<string, unknown> }>(
      sql`select data from observation where run_id = ${runId} and kind = 'tool_call' and node_id = 'writer'`,
    );
    expect(proposed?.data).toMatchObject({ tool: "files.write_file", gated: true, args: { path: target } });

    await decide(database, { decisionId, userId: seeded.approvers[0] as string, userRoles: ["approver"], approve: true }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"], 30_000)).toBe("succeeded");

    expect(failedResumes).toContain(runId);
    expect(calls.filter((c) => c === "files.write_file"), "the approved call ran once").toHaveLength(1);
    expect(fs.readFileSync(target, "utf8")).toBe("Refund approved for order 1042\n");
    const run = await getRun(database, runId);
    expect(run.verdict).toEqual({ outcome: "ok", summary: "wrote the note" });
  });

  it("does not write when the approver rejects; the Worker reads the rejection", async () => {
    const target = path.join(fsRoot, "rejected.txt");
    writeFixture("rejected-write", [
      { toolCalls: [{ toolName: "files.write_file", input: { path: target, content: "nope" } }], usage: { inputTokens: 100, outputTokens: 20 } },
      { text: JSON.stringify({ summary: "the write was rejected" }), usage: { inputTokens: 150, outputTokens: 10 } },
    ]);
    const before = calls.length;
    const seeded = await seedMission(database, writerMission("rejected write", "replay:rejected-write"));
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: {}, userId: seeded.starter }, { send: engine.send });
    const decisionId = await waitingDecision(database, runId, "writer");
    await decide(database, { decisionId, userId: seeded.approvers[1] as string, userRoles: ["approver"], approve: false, reason: "wrong file" }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"], 30_000)).toBe("succeeded");
    expect(calls.length).toBe(before);
    expect(fs.existsSync(target)).toBe(false);
    expect((await getRun(database, runId)).verdict?.summary).toBe("the write was rejected");
  });

  it("rolls tokens and cost up per node and per run, priced by the registered model", async () => {
    writeFixture("priced-read", [
      { toolCalls: [{ toolName: "files.read_text_file", input: { path: path.join(fsRoot, "note.txt") } }], usage: { inputTokens: 1_000, outputTokens: 200 } },
      { text: JSON.stringify({ summary: "read it" }), usage: { inputTokens: 3_000, outputTokens: 800 } },
    ]);
    const provider = await createProvider(database, { name: "Replay", kind: "replay" });
    await createModel(database, { providerId: provider.id, modelName: "priced-read", priceInPerMtok: 3, priceOutPerMtok: 15 }, { replayDir });
    const seeded = await seedMission(database, writerMission("priced read", "replay:priced-read"));
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: {}, userId: seeded.starter }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"], 30_000)).toBe("succeeded");

    const run = await getRun(database, runId);
    // 4,000 in × $3 + 1,000 out × $15 per million.
    const cost = (4_000 * 3 + 1_000 * 15) / 1_000_000;
    expect(run).toMatchObject({ tokensIn: 4_000, tokensOut: 1_000 });
    expect(run.cost).toBeCloseTo(cost, 9);
    expect(run.nodes.find((n) => n.nodeId === "writer")).toMatchObject({ tokensIn: 4_000, tokensOut: 1_000 });
    expect(run.nodes.find((n) => n.nodeId === "writer")?.cost).toBeCloseTo(cost, 9);
    expect(run.nodes.find((n) => n.nodeId === "done")).toMatchObject({ tokensIn: 0, tokensOut: 0, cost: 0 });
  });

  it("enforces a run's token budget: the Worker stops once it is spent, the run fails, and nothing retries the spend", async () => {
    writeFixture("hungry", [
      { toolCalls: [{ toolName: "files.read_text_file", input: { path: path.join(fsRoot, "note.txt") } }], usage: { inputTokens: 600, outputTokens: 100 } },
      { toolCalls: [{ toolName: "files.read_text_file", input: { path: path.join(fsRoot, "note.txt") } }], usage: { inputTokens: 900, outputTokens: 100 } },
      { text: JSON.stringify({ summary: "done" }), usage: { inputTokens: 1_200, outputTokens: 50 } },
    ]);
    const seeded = await seedMission(database, writerMission("hungry", "replay:hungry"));
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: {}, userId: seeded.starter, tokenBudget: 1_000 }, { send: engine.send });
    expect(await waitForRun(database, runId, ["succeeded", "failed"], 30_000)).toBe("failed");

    const run = await getRun(database, runId);
    expect(run.error).toMatch(/token budget exhausted \(1700 tokens used, 1000 were left for this run\)/);
    // Two model calls (the SDK stops the loop once the budget is passed), made once: not again by retries.
    const usage = await database.rows<{ attempt: number }>(sql`select attempt from observation where run_id = ${runId} and kind = 'usage'`);
    expect(usage).toHaveLength(2);
    // The tokens it spent are the run's, although the Worker failed.
    expect(run).toMatchObject({ tokensIn: 1_500, tokensOut: 200 });
    expect(run.nodes.find((n) => n.nodeId === "writer")).toMatchObject({ status: "failed", tokensIn: 1_500, tokensOut: 200 });
  });
});
