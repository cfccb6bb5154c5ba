import crypto from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "@/lib/errors";
import { emptyMission, workerDataSchema, type WorkerData } from "@/lib/mission/schema";
import type { Database } from "@/server/db/database";
import { mission, missionVersion, run } from "@/server/db/schema";
import { recordObservation } from "@/server/observations/record";
import { createWorkerRunner } from "@/server/workers/run-worker";
import { createFakeToolPort } from "@/server/workers/testing/fake-tool-port";
import type { WorkerStepResult } from "@/server/workers/types";
import { testDatabases } from "@/test/databases";
import { loadFixture, REPLAY_FORMAT } from "./fixture";
import { saveRunAsFixture } from "./save-run";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const GROUND = workerDataSchema.parse({
  model: "replay:refund-demo",
  tools: ["commerce.get_order", "commerce.get_payment", "knowledge.search_policies"],
  outputs: ["orderTotal", "daysSinceDelivery"].map((name) => ({ name, type: "number" })).concat(
    [{ name: "currency", type: "string" }, { name: "paymentCaptured", type: "boolean" }, { name: "policyClause", type: "string" }, { name: "policySummary", type: "string" }],
  ),
});
const REASON = workerDataSchema.parse({
  model: "replay:refund-demo",
  tools: ["crm.get_history"],
  outputs: [
    { name: "decision", type: "enum", values: ["approve", "partial", "deny"] },
    { name: "amount", type: "number" },
    { name: "rationale", type: "string" },
  ],
});
const TRIGGER = { orderId: "1042", email: "dana@example.com", reason: "opened" };

describe.each(testDatabases())("saving a run as a replay fixture on $name", (tdb) => {
  let database: Database;
  let dir: string;
  beforeAll(async () => {
    database = await tdb.open();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "steward-save-"));
  });
  afterAll(async () => {
    await database?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function newRun(): Promise<string> {
    const missionId = crypto.randomUUID();
    const versionId = crypto.randomUUID();
    const graph = emptyMission("Refund");
    await database.db.insert(mission).values({ id: missionId, name: "Refund", draft: graph });
    await database.db.insert(missionVersion).values({ id: versionId, missionId, number: 1, graph, contentHash: "x" });
    const runId = crypto.randomUUID();
    await database.db.insert(run).values({ id: runId, missionId, versionId, status: "running", input: TRIGGER });
    return runId;
  }

  function runner(models: { replayDir?: string } = {}) {
    return createWorkerRunner(database, createFakeToolPort(), { models: { replayDelayMs: 0, ...models } });
  }

  async function runWorker(runId: string, nodeId: string, data: WorkerData, extra: { attempt?: number; context?: Record<string, unknown> } = {}, models = {}): Promise<WorkerStepResult> {
    const attempt = extra.attempt ?? 0;
    return runner(models)({
      runId,
      nodeId,
      attempt,
      data,
      context: extra.context ?? { trigger: TRIGGER },
      observe: async (o) => void (await recordObservation(database, { ...o, runId, nodeId, attempt })),
    });
  }

  it("records the refund run and plays it back identically", async () => {
    const runId = await newRun();
    const ground = await runWorker(runId, "ground", GROUND);
    const reason = await runWorker(runId, "reason", REASON, { context: { trigger: TRIGGER, ground: ground.kind === "completed" ? ground.output : {} } });
    await database.db.update(run).set({ status: "succeeded" }).where(eq(run.id, runId));

    const saved = await saveRunAsFixture(database, runId, "recorded-refund", { dir });
    expect(saved.file).toBe(path.join(dir, "recorded-refund.json"));
    const original = await loadFixture("refund-demo");
    const reloaded = await loadFixture("recorded-refund", dir);
    expect(reloaded.format).toBe(REPLAY_FORMAT);
    expect(reloaded.workers).toEqual(original.workers);

    const replayedGround = await runWorker(runId, "ground", { ...GROUND, model: "replay:recorded-refund" }, {}, { replayDir: dir });
    expect(replayedGround).toMatchObject({ kind: "completed", output: ground.kind === "completed" ? ground.output : null });
    const replayedReason = await runWorker(runId, "reason", { ...REASON, model: "replay:recorded-refund" }, {}, { replayDir: dir });
    expect(replayedReason.kind === "completed" && replayedReason.output).toEqual(reason.kind === "completed" && reason.output);
  });

  it("joins a Worker resumed under a new attempt into one transcript", async () => {
    await fs.writeFile(
      path.join(dir, "gated-src.json"),
      JSON.stringify({
        format: REPLAY_FORMAT,
        name: "gated-src",
        workers: {
          act: {
            turns: [
              { reasoning: "Refund half.", toolCalls: [{ toolName: "commerce.issue_refund", input: { orderId: "1042", amount: 42.5 } }], usage: { inputTokens: 10, outputTokens: 2 } },
              { text: '{"refundId":"R-1"}', usage: { inputTokens: 20, outputTokens: 3 } },
            ],
          },
        },
      }),
    );
    const data = workerDataSchema.parse({ model: "replay:gated-src", tools: ["commerce.issue_refund"], outputs: [{ name: "refundId", type: "string" }] });
    const runId = await newRun();
    const proposed = await runWorker(runId, "act", data, { attempt: 0 }, { replayDir: dir });
    if (proposed.kind !== "proposed") throw new Error("expected a proposal");
    const r = createWorkerRunner(database, createFakeToolPort(), { models: { replayDir: dir, replayDelayMs: 0 } });
    await r({
      runId,
      nodeId: "act",
      attempt: 1,
      data,
      context: { trigger: TRIGGER },
      transcript: proposed.transcript,
      resume: { toolCallId: proposed.toolCallId, output: { refundId: "R-1" }, isError: false },
      observe: async (o) => void (await recordObservation(database, { ...o, runId, nodeId: "act", attempt: 1 })),
    });
    await database.db.update(run).set({ status: "succeeded" }).where(eq(run.id, runId));
    const saved = await saveRunAsFixture(database, runId, "gated-copy", { dir });
    expect(saved.fixture.workers.act?.turns).toEqual((await loadFixture("gated-src", dir)).workers.act?.turns);
  });

  it("refuses bad names, unfinished runs and overwrites", async () => {
    const runId = await newRun();
    const bad = await saveRunAsFixture(database, runId, "Bad Name!", { dir }).catch((e: unknown) => e);
    expect(isAppError(bad) && bad.problems[0]?.path).toBe("name");
    const running = await saveRunAsFixture(database, runId, "too-early", { dir }).catch((e: unknown) => e);
    expect(isAppError(running) && running.code).toBe("conflict");
    await runWorker(runId, "reason", REASON);
    await database.db.update(run).set({ status: "failed" }).where(eq(run.id, runId));
    await saveRunAsFixture(database, runId, "once", { dir });
    const again = await saveRunAsFixture(database, runId, "once", { dir }).catch((e: unknown) => e);
    expect(isAppError(again) && again.code).toBe("conflict");
    await expect(saveRunAsFixture(database, runId, "once", { dir, overwrite: true })).resolves.toMatchObject({ name: "once" });
    const missing = await saveRunAsFixture(database, "no-run", "x", { dir }).catch((e: unknown) => e);
    expect(isAppError(missing) && missing.code).toBe("not_found");
  });
});
