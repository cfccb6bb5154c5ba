import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorPool } from "@/server/connectors/pool";
import { setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { filesystemTools } from "@/server/connectors/fixtures/filesystem-tools";
import { createToolPort } from "@/server/connectors/tool-port-impl";
import type { Database } from "@/server/db/database";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { seedMission, testEngine, waitForRun } from "@/server/engine/testing/harness";
import { REPLAY_FORMAT } from "@/server/models/replay/fixture";
import { getRun, listRuns, startRun } from "@/server/runs/service";
import { createWorkerRunner } from "@/server/workers/run-worker";
import { testDatabases } from "@/test/databases";
import { publishVersion, setSuiteGate, SUITE_GATE_CHANGE } from "@/server/missions/publishing";
import { saveVersion } from "@/server/missions/service";
import { createTestCase, updateTestCase } from "./service";
import { getSuiteRun, startSuiteRun, type SuiteRunView } from "./suites";

setTestSecretKey();

/**
 * Simulation (issue #16): a suite run of a mission's test cases against a real MCP server
 * (server-filesystem over stdio on a temp dir), the connector layer deciding read-only vs
 * state-changing from the server's annotations, the Worker loop on the replay model, the engine on
 * its embedded executor. What counts is on the server's side: a file written is a call that reached it.
 */
describe.each(testDatabases())("simulated runs, on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  let fsRoot: string;
  let replayDir: string;
  const pool = new ConnectorPool();
  /** Every call that reached the connector layer, by tool ref. */
  const calls: string[] = [];

  beforeAll(async () => {
    database = await tdb.open();
    fsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "steward-sim-"));
    replayDir = fs.mkdtempSync(path.join(os.tmpdir(), "steward-sim-replay-"));
    fs.writeFileSync(path.join(fsRoot, "order.txt"), "order 1047: 30 EUR\n");
    const tools = await filesystemTools(database, fsRoot, pool, calls);
    const worker = createWorkerRunner(database, tools, { models: { replayDir, replayDelayMs: 0 }, flushMs: 5 });
    engine = testEngine(database, { tools, runWorker: worker });
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await pool.closeAll();
    await database?.close();
    fs.rmSync(fsRoot, { recursive: true, force: true });
    fs.rmSync(replayDir, { recursive: true, force: true });
  });

  /** A Worker that reads the order (read-only) and then tries to write a note (state-changing), an approval, and an action that writes. */
  function refundMission(name: string, target: string) {
    fs.writeFileSync(
      path.join(replayDir, `${name}.json`),
      JSON.stringify({
        format: REPLAY_FORMAT,
        name,
        workers: {
          reason: {
            turns: [
              { toolCalls: [{ toolName: "files.read_text_file", input: { path: path.join(fsRoot, "order.txt") } }], usage: { inputTokens: 100, outputTokens: 10 } },
              { toolCalls: [{ toolName: "files.write_file", input: { path: `${target}.worker`, content: "worker wrote this" } }], usage: { inputTokens: 120, outputTokens: 10 } },
              { text: JSON.stringify({ amount: 30, decision: "refund" }), usage: { inputTokens: 150, outputTokens: 10 } },
            ],
          },
        },
      }),
    );
    return mission(
      name,
      [
        node.trigger("start", { fields: [{ name: "order", type: "string" }] }),
        node.worker("reason", {
          model: `replay:${name}`,
          tools: ["files.read_text_file", "files.write_file"],
          outputs: [
            { name: "amount", type: "number" },
            { name: "decision", type: "string" },
          ],
        }),
        node.approval("review", { title: "Refund?", proposed: [{ name: "amount", type: "number", expression: "reason.amount", editable: true }] }),
        node.action("pay", { tool: "files.write_file", args: { path: `'${target}'`, content: "'refund ' + string(review.values.amount)" } }),
        node.verdict("paid", { outcomes: ["paid"], outcome: "'paid'", summary: "'refunded ' + string(review.values.amount)" }),
        node.verdict("denied", { outcomes: ["denied"], outcome: "'denied'", summary: "review.reason" }),
      ],
      edges("start->reason", "reason->review", "review:approved->pay", "pay->paid", "review:rejected->denied"),
    );
  }

  async function suiteDone(id: string): Promise<SuiteRunView> {
    for (let i = 0; i < 300; i++) {
      const s = await getSuiteRun(database, id);
      if (s.status !== "running") return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`suite run ${id} did not finish`);
  }

  it("never reaches a state-changing tool, even when the Worker tries one; read-only tools are called for real; approvals come from the case", async () => {
    const target = path.join(fsRoot, "refund-1047.txt");
    const seeded = await seedMission(database, refundMission("sim-refund", target));
    const approve = await createTestCase(
      database,
      {
        missionId: seeded.missionId,
        name: "refund approved",
        input: { order: "1047" },
        expectations: { outcome: "paid", checks: [{ expression: "reason.amount == 30" }, { expression: "pay.path == 'recorded'" }] },
        toolResults: { "files.write_file": { path: "recorded" } },
        approvals: { review: { approve: true, values: { amount: 25 } } },
      },
      null,
    );
    const reject = await createTestCase(
      database,
      { missionId: seeded.missionId, name: "refund rejected", input: { order: "1047" }, expectations: { outcome: "denied", checks: [] }, approvals: { review: { approve: false, reason: "too much" } } },
      null,
    );
    const before = calls.length;

    const { suiteRunId } = await startSuiteRun(database, { missionId: seeded.missionId }, seeded.starter, { send: engine.send });
    const suite = await suiteDone(suiteRunId);

    // Nothing state-changing reached the server: no file, and no write_file call at the port.
    expect(fs.existsSync(target), "the action's write never reached the server").toBe(false);
    expect(fs.existsSync(`${target}.worker`), "the Worker's write never reached the server").toBe(false);
    const reached = calls.slice(before);
    expect(reached.filter((c) => c === "files.write_file")).toHaveLength(0);
    // The read-only tool was called for real, once per case.
    expect(reached.filter((c) => c === "files.read_text_file")).toHaveLength(2);

    expect(suite).toMatchObject({ status: "passed", passed: 2, failed: 0 });
    const approved = suite.cases.find((c) => c.testCaseId === approve.id);
    expect(approved).toMatchObject({ status: "passed", failure: null });
    expect(approved?.tokensIn).toBe(370);
    const run = await getRun(database, approved?.runId as string);
    expect(run.simulated).toBe(true);
    expect(run.verdict).toEqual({ outcome: "paid", summary: "refunded 25" });
    // The approval came from the case: no decision row, nothing pending for people.
    const decisions = await database.rows(sql`select id from decision where run_id = ${run.id}`);
    expect(decisions).toHaveLength(0);
    expect(run.nodes.find((n) => n.nodeId === "review")?.output).toMatchObject({ approved: true, values: { amount: 25 }, decidedBy: "simulation" });

    // What the action would have sent is on the record, marked simulated; the Worker read the real file.
    const obs = await database.rows<{ node_id: string; kind: string; data: Record<string, unknown> }>(
      sql`select node_id, kind, data from observation where run_id = ${run.id} and kind in ('tool_call', 'tool_result') order by id`,
    );
    expect(obs.find((o) => o.node_id === "pay" && o.kind === "tool_call")?.data).toMatchObject({ tool: "files.write_file", simulated: true, args: { path: target, content: "refund 25" } });
    // The Worker's proposal, then the simulated call in its place.
    expect(obs.filter((o) => o.node_id === "reason" && o.kind === "tool_call" && o.data.tool === "files.write_file").map((o) => o.data.gated ?? o.data.simulated)).toEqual([true, true]);
    expect(obs.find((o) => o.node_id === "reason" && o.kind === "tool_result" && o.data.tool === "files.write_file")?.data).toMatchObject({ simulated: true, recorded: true, value: { path: "recorded" } });
    expect(JSON.stringify(obs.find((o) => o.node_id === "reason" && o.kind === "tool_result" && o.data.tool === "files.read_text_file")?.data)).toContain("order 1047: 30 EUR");

    // The audit says simulated, and never that a tool was called.
    const audit = await database.rows<{ action: string; data: Record<string, unknown> }>(sql`select action, data from audit_log where run_id = ${run.id} order by id`);
    expect(audit.find((a) => a.action === "run.started")?.data).toMatchObject({ simulated: true, testCaseId: approve.id });
    expect(audit.filter((a) => a.action === "tool.called")).toHaveLength(0);
    expect(audit.filter((a) => a.action === "tool.simulated").map((a) => a.data.tool)).toEqual(["files.write_file", "files.write_file"]);

    // Not a production run: left out of run lists unless asked for.
    expect((await listRuns(database, { missionId: seeded.missionId })).items).toHaveLength(0);
    expect((await listRuns(database, { missionId: seeded.missionId, simulated: "only" })).items.map((r) => r.id).sort()).toEqual(suite.cases.map((c) => c.runId).sort());
    expect(suite.cases.find((c) => c.testCaseId === reject.id)).toMatchObject({ status: "passed" });
  });

  it("a failing case names the expectation that failed and why", async () => {
    const target = path.join(fsRoot, "refund-1048.txt");
    const seeded = await seedMission(database, refundMission("sim-fail", target));
    const smaller = await createTestCase(
      database,
      {
        missionId: seeded.missionId,
        name: "expects a smaller refund",
        input: { order: "1048" },
        expectations: { outcome: "paid", checks: [{ expression: "reason.amount <= 20" }] },
        approvals: { review: { approve: true } },
      },
      null,
    );
    const noAnswer = await createTestCase(database, { missionId: seeded.missionId, name: "no answer for the approval", input: { order: "1048" }, expectations: { outcome: "paid", checks: [] } }, null);
    const { suiteRunId } = await startSuiteRun(database, { missionId: seeded.missionId }, seeded.starter, { send: engine.send });
    const suite = await suiteDone(suiteRunId);
    expect(suite).toMatchObject({ status: "failed", passed: 0, failed: 2 });
    // By id: cases created in the same millisecond (PGlite's clock) may list in either order.
    const caseOf = (id: string) => suite.cases.find((c) => c.testCaseId === id);
    expect(caseOf(smaller.id)?.failure).toBe("reason.amount <= 20 was false");
    expect(caseOf(smaller.id)?.results).toContainEqual(expect.objectContaining({ kind: "outcome", passed: true }));
    // A case that does not answer an approval fails: a simulation never asks a person.
    expect(caseOf(noAnswer.id)?.failure).toBe("expected outcome paid, the run gave no verdict");
    const unanswered = await getRun(database, caseOf(noAnswer.id)?.runId as string);
    expect(unanswered.error).toMatch(/the test case does not answer this approval \(approvals\.review\)/);
    expect(await database.rows(sql`select id from decision where run_id = ${unanswered.id}`)).toHaveLength(0);
    expect(fs.existsSync(target)).toBe(false);
  });

  it("the connector layer refuses a state-changing call for a simulated run, whoever asks", async () => {
    const target = path.join(fsRoot, "direct.txt");
    const seeded = await seedMission(database, refundMission("sim-direct", target));
    const tc = await createTestCase(database, { missionId: seeded.missionId, name: "direct", input: { order: "1" }, approvals: { review: { approve: false } } }, null);
    const { runId } = await startRun(
      database,
      { missionId: seeded.missionId, input: { order: "1" }, userId: seeded.starter },
      { send: engine.send, simulation: { testCaseId: tc.id, suiteRunId: null, toolResults: {}, approvals: tc.approvals } },
    );
    await waitForRun(database, runId, ["succeeded", "failed"], 30_000);
    const port = createToolPort(database, pool);
    await expect(port.callTool("files.write_file", { path: target, content: "x" }, { runId })).rejects.toThrow(/the run is a simulation: it is never called/);
    expect(fs.existsSync(target)).toBe(false);
    // A read-only tool is still served for it.
    expect((await port.callTool("files.read_text_file", { path: path.join(fsRoot, "order.txt") }, { runId })).text).toContain("order 1047");
  });

  it("the suite gate: a version is published only once its suite passed, with the reason when not", async () => {
    const target = path.join(fsRoot, "gate.txt");
    const graph = refundMission("sim-gate", target);
    const seeded = await seedMission(database, graph);
    // Version 2, awaiting review, of a mission with the gate on.
    await database.db.execute(sql`update mission set require_passing_suite = true, latest_version = 2 where id = ${seeded.missionId}`);
    const v2 = `${seeded.versionId}-2`;
    await database.db.execute(sql`insert into mission_version (id, mission_id, number, graph, content_hash, author_id) values (${v2}, ${seeded.missionId}, 2, ${JSON.stringify(graph)}::jsonb, 'h2', ${seeded.author})`);
    await database.db.execute(sql`insert into version_review (version_id, mission_id, status, governance_hash, requested_by, requested_at) values (${v2}, ${seeded.missionId}, 'awaiting_review', '', ${seeded.author}, now())`);
    // Turning the gate off loosens governance: an approver or admin only; both ways audited.
    await expect(setSuiteGate(database.db, { missionId: seeded.missionId, requirePassingSuite: false }, { id: seeded.author, roles: ["builder"] })).rejects.toMatchObject({
      code: "forbidden",
      problems: [expect.objectContaining({ path: "requirePassingSuite" })],
    });
    await setSuiteGate(database.db, { missionId: seeded.missionId, requirePassingSuite: false }, { id: seeded.approvers[1] as string, roles: ["approver"] });
    await setSuiteGate(database.db, { missionId: seeded.missionId, requirePassingSuite: true }, { id: seeded.author, roles: ["builder"] });
    const changes = await database.rows<{ data: { requirePassingSuite: boolean } }>(sql`select data from audit_log where action = 'mission.suite_gate_changed' and target_id = ${seeded.missionId} order by id`);
    expect(changes.map((c) => c.data.requirePassingSuite)).toEqual([false, true]);
    const publish = () => publishVersion(database.db, { missionId: seeded.missionId, number: 2, actor: { id: seeded.approvers[0] as string, roles: ["approver"] } });

    await expect(publish()).rejects.toThrow(/Version 2 cannot be published: this mission publishes only versions whose test suite passed, and no suite has run on it/);
    const failing = await createTestCase(database, { missionId: seeded.missionId, name: "too generous", input: { order: "9" }, expectations: { outcome: "paid", checks: [{ expression: "reason.amount < 10" }] }, approvals: { review: { approve: true } } }, null);
    await suiteDone((await startSuiteRun(database, { missionId: seeded.missionId, versionId: v2 }, seeded.starter, { send: engine.send })).suiteRunId);
    await expect(publish()).rejects.toThrow(/Version 2 cannot be published: its test suite failed \(1 of 1 cases; "too generous": reason.amount < 10 was false\)/);
    expect((await getRun(database, (await database.rows<{ id: string }>(sql`select id from run where version_id = ${v2} limit 1`))[0]?.id as string)).simulated).toBe(true);

    await updateTestCase(database, { ...failing, expectations: { outcome: "paid", checks: [{ expression: "reason.amount == 30" }] } });
    await suiteDone((await startSuiteRun(database, { missionId: seeded.missionId, versionId: v2 }, seeded.starter, { send: engine.send })).suiteRunId);
    await expect(publish()).resolves.toMatchObject({ status: "published", publishedVersion: 2 });
    expect(fs.existsSync(target)).toBe(false);
    // Under the gate nothing publishes on save, even a version that changes no governance.
    const v3 = await saveVersion(database.db, seeded.missionId, { message: "no governance change" }, seeded.author);
    expect(v3.review).toMatchObject({ status: "awaiting_review", changes: [SUITE_GATE_CHANGE] });
  });

  it("refuses a suite run naming the field: unknown mission, unknown version, no cases", async () => {
    await expect(startSuiteRun(database, { missionId: "" }, null)).rejects.toMatchObject({ problems: [expect.objectContaining({ path: "missionId" })] });
    await expect(startSuiteRun(database, { missionId: "nope" }, null)).rejects.toMatchObject({ code: "not_found", problems: [expect.objectContaining({ path: "missionId" })] });
    const seeded = await seedMission(database, refundMission("sim-empty", path.join(fsRoot, "empty.txt")));
    await expect(startSuiteRun(database, { missionId: seeded.missionId, versionId: "v-none" }, null)).rejects.toMatchObject({ problems: [expect.objectContaining({ path: "versionId" })] });
    await expect(startSuiteRun(database, { missionId: seeded.missionId }, null)).rejects.toThrow(/has no test cases/);
  });
});
