import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { retrievalOf } from "@/lib/knowledge/citations";
import { workerDataSchema } from "@/lib/mission/schema";
import { setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { ConnectorPool } from "@/server/connectors/pool";
import { createToolPort } from "@/server/connectors/tool-port-impl";
import type { ToolCallResult, ToolPort } from "@/server/connectors/tool-port";
import type { Database } from "@/server/db/database";
import { REPLAY_FORMAT } from "@/server/models/replay/fixture";
import { createWorkerRunner } from "@/server/workers/run-worker";
import type { WorkerRunInput } from "@/server/workers/types";
import { testDatabases } from "@/test/databases";
import { createCollection, grantCollection, listCollections, revokeCollection } from "./collections";
import { ensureKnowledgeConnector } from "./connector";
import { uploadDocument } from "./documents";

// Outside demo mode: nothing here may rely on demo seeding.
process.env.STEWARD_DEMO = "0";
setTestSecretKey();
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const HR = `# Leave policy

## HR-1 Annual leave
Employees take 25 days of paid annual leave per calendar year.

## HR-2 Sick leave
Sick leave longer than three days needs a doctor's note.
`;

const REFUND = `# Refund policy

## REF-1.1 Full refund within 14 days
Items returned unused within 14 days of delivery are refunded in full.
`;

type Hit = { id: string; title: string; collection: string; headingPath: string[] };
const clausesOf = (r: ToolCallResult) => (r.value as { clauses: Hit[] }).clauses;

describe.each(testDatabases())("the built-in knowledge connector on $name (STEWARD_DEMO=0)", (tdb) => {
  let database: Database;
  let port: ToolPort;
  const pool = new ConnectorPool();
  let dir: string;

  async function startRun(runId: string, missionId: string): Promise<void> {
    await database.db.execute(sql`insert into mission (id, name, draft) values (${missionId}, ${missionId}, '{}'::jsonb) on conflict do nothing`);
    await database.db.execute(
      sql`insert into mission_version (id, mission_id, number, graph, content_hash) values (${`${missionId}-v1`}, ${missionId}, 1, '{}'::jsonb, 'h') on conflict do nothing`,
    );
    await database.db.execute(sql`insert into run (id, mission_id, version_id, input) values (${runId}, ${missionId}, ${`${missionId}-v1`}, '{}'::jsonb)`);
  }

  beforeAll(async () => {
    database = await tdb.open();
    port = createToolPort(database, pool);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "steward-knowledge-worker-"));
    await database.db.execute(sql`insert into "user" (id, name, email) values ('admin-1', 'Ada', 'ada@example.test')`);
    await uploadDocument(database, { content: REFUND, filename: "refund-policy.md" });
    await createCollection(database, { slug: "hr", title: "HR handbook" }, { id: "admin-1" });
    await uploadDocument(database, { content: HR, filename: "leave.md", collection: "hr" });
    await startRun("run-a", "onboarding");
    await startRun("run-b", "payroll");
  });
  afterAll(async () => {
    await pool.closeAll();
    await database?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("takes over the former demo connector, approves its tools, idempotently, and offers them to Workers", async () => {
    // What an older demo install left: a stdio connector named knowledge, one tool approved as it was then.
    await database.db.execute(
      sql`insert into connector (id, name, transport, config) values ('old-knowledge', 'knowledge', 'stdio', ${JSON.stringify({ command: "node", args: ["demo/mcp/run.mjs", "knowledge"] })}::jsonb)`,
    );
    await database.db.execute(
      sql`insert into connector_tool (connector_id, name, input_schema, annotations, definition_hash, approved_hash, status)
          values ('old-knowledge', 'search_policies', '{}'::jsonb, '{}'::jsonb, 'old', 'old', 'approved')`,
    );
    expect(await ensureKnowledgeConnector(database, {}, pool)).toEqual({ connectorId: "old-knowledge", approved: ["get_clause", "list_collections", "search_policies"] });
    expect(await ensureKnowledgeConnector(database, {}, pool)).toEqual({ connectorId: "old-knowledge", approved: [] });
    const offered = (await port.listTools()).filter((t) => t.connector === "knowledge");
    expect(offered.map((t) => [t.ref, t.policy])).toEqual([
      ["knowledge.get_clause", "autonomous"],
      ["knowledge.list_collections", "autonomous"],
      ["knowledge.search_policies", "autonomous"],
    ]);
  });

  it("re-approves a tool whose definition an upgrade changed, at the next start", async () => {
    // As the previous version stored it: approved, pinned to that version's definition.
    await database.db.execute(sql`update connector_tool set definition_hash = 'an-older-definition', approved_hash = 'an-older-definition' where name = 'get_clause'`);
    expect((await ensureKnowledgeConnector(database, {}, pool)).approved).toEqual(["get_clause"]);
    // Callable: not refused as "changed since it was approved" (the refusal is the tool's own: no run named).
    expect(await port.callTool("knowledge.get_clause", { id: "HR-1" })).toMatchObject({ isError: true, text: expect.stringContaining("named no run") });
  });

  it("answers a run only from the collections granted to its mission", async () => {
    // Nothing granted yet: a clear refusal, not an empty result.
    const none = await port.callTool("knowledge.search_policies", { query: "annual leave" }, { runId: "run-a" });
    expect(none).toMatchObject({ isError: true, text: expect.stringContaining("Mission onboarding may not search any knowledge collection") });

    await grantCollection(database, { collection: "hr", missionId: "onboarding" }, { id: "admin-1" });
    const leave = await port.callTool("knowledge.search_policies", { query: "how many days of annual leave" }, { runId: "run-a" });
    expect(leave.isError).toBe(false);
    expect(clausesOf(leave)[0]).toMatchObject({ id: "HR-1", collection: "hr", headingPath: ["Annual leave"] });
    // No embedding model is registered: the answer says search was keyword only, and why.
    expect(leave.value).toMatchObject({ mode: "keyword", notice: expect.stringMatching(/No embedding model is registered|pgvector is not installed/) });
    // The refund policy is in "policies", not granted: never in the results.
    const refund = await port.callTool("knowledge.search_policies", { query: "refund unused items 14 days" }, { runId: "run-a" });
    expect(clausesOf(refund).map((c) => c.id)).not.toContain("REF-1.1");

    const asked = await port.callTool("knowledge.search_policies", { query: "refund", collection: "policies" }, { runId: "run-a" });
    expect(asked).toMatchObject({ isError: true, text: 'Collection "policies" is not granted to mission onboarding (it may search: hr); an admin grants collections to missions in Settings → Knowledge.' });
    const clause = await port.callTool("knowledge.get_clause", { id: "REF-1.1" }, { runId: "run-a" });
    expect(clause).toMatchObject({ isError: true, text: expect.stringContaining("No clause REF-1.1 in the collections mission onboarding may search") });
    expect((await port.callTool("knowledge.get_clause", { id: "hr-2" }, { runId: "run-a" })).value).toMatchObject({ id: "HR-2", title: "Sick leave", collection: "hr" });
    expect((await port.callTool("knowledge.list_collections", {}, { runId: "run-a" })).value).toEqual({ collections: [{ slug: "hr", title: "HR handbook" }] });

    // Another mission's run is not let in by the grant to onboarding.
    const other = await port.callTool("knowledge.search_policies", { query: "annual leave" }, { runId: "run-b" });
    expect(other).toMatchObject({ isError: true, text: expect.stringContaining("Mission payroll may not search") });
    // A call naming no run (an admin's tool test, a forged call) is refused.
    expect(await port.callTool("knowledge.search_policies", { query: "leave" })).toMatchObject({ isError: true, text: expect.stringContaining("named no run") });
    expect(await port.callTool("knowledge.search_policies", { query: "leave" }, { runId: "no-such-run" })).toMatchObject({ isError: true, text: expect.stringContaining("does not exist") });
  });

  it("reads the live tables: an upload or a revoke counts at the next call", async () => {
    await uploadDocument(database, { content: `${HR}\n## HR-3 Parental leave\nParents take 16 weeks of paid parental leave.\n`, filename: "leave.md" });
    const parental = await port.callTool("knowledge.search_policies", { query: "parental leave weeks" }, { runId: "run-a" });
    expect(clausesOf(parental)[0]?.id).toBe("HR-3");

    // "*" grants every mission; revoking it takes effect at once.
    await grantCollection(database, { collection: "policies", missionId: "*" });
    expect(clausesOf(await port.callTool("knowledge.search_policies", { query: "refund unused 14 days" }, { runId: "run-b" }))[0]?.id).toBe("REF-1.1");
    await revokeCollection(database, { collection: "policies", missionId: "*" });
    expect((await port.callTool("knowledge.search_policies", { query: "refund" }, { runId: "run-b" })).isError).toBe(true);
    expect((await listCollections(database)).map((c) => [c.slug, c.grants])).toEqual([
      ["policies", []],
      ["hr", ["onboarding"]],
    ]);
  });

  it("refuses a grant to an unknown mission or collection, naming the field", async () => {
    await expect(grantCollection(database, { collection: "hr", missionId: "nope" })).rejects.toMatchObject({ code: "not_found", problems: [{ path: "missionId" }] });
    await expect(grantCollection(database, { collection: "nope", missionId: "onboarding" })).rejects.toMatchObject({ code: "not_found", problems: [{ path: "collection" }] });
    await expect(createCollection(database, { slug: "HR!", title: "x" })).rejects.toMatchObject({ code: "bad_request", problems: [{ path: "slug" }] });
    await expect(createCollection(database, { slug: "hr", title: "Again" })).rejects.toMatchObject({ code: "conflict", problems: [{ path: "slug" }] });
    await expect(uploadDocument(database, { content: "## X-1 A\nb", title: "x", collection: "nope" })).rejects.toMatchObject({ problems: [{ path: "collection" }] });
  });

  it("a Worker in a run searches its granted collection and gets a clear tool error for another", async () => {
    await fs.writeFile(
      path.join(dir, "knowledge-worker.json"),
      JSON.stringify({
        format: REPLAY_FORMAT,
        name: "knowledge-worker",
        chunkDelayMs: 0,
        workers: {
          ask: {
            turns: [
              {
                toolCalls: [
                  { toolName: "knowledge.search_policies", input: { query: "annual leave days" } },
                  { toolName: "knowledge.search_policies", input: { query: "refund", collection: "policies" } },
                ],
                usage: { inputTokens: 10, outputTokens: 5 },
              },
              { text: '{"answer": "25 days (HR-1)"}', usage: { inputTokens: 10, outputTokens: 5 } },
            ],
          },
        },
      }),
    );
    const data = workerDataSchema.parse({
      label: "Ask",
      instructions: "Answer from the handbook.",
      model: "replay:knowledge-worker",
      tools: ["knowledge.search_policies"],
      outputs: [{ name: "answer", type: "string" }],
    });
    const obs: Parameters<WorkerRunInput["observe"]>[0][] = [];
    const run = createWorkerRunner(database, port, { models: { replayDir: dir, replayDelayMs: 0 } });
    const result = await run({ runId: "run-a", nodeId: "ask", attempt: 0, data, context: {}, observe: async (o) => void obs.push(o) });
    expect(result).toMatchObject({ kind: "completed", output: { answer: "25 days (HR-1)" } });
    const results = obs.filter((o) => o.kind === "tool_result").map((o) => o.data as { isError: boolean; value: unknown });
    // The two calls run side by side: tell their results apart by outcome.
    const found = results.filter((r) => !r.isError);
    const refused = results.filter((r) => r.isError);
    expect([found.length, refused.length]).toEqual([1, 1]);
    expect((found[0]?.value as { clauses: Hit[] }).clauses[0]).toMatchObject({ id: "HR-1", collection: "hr" });
    expect(JSON.stringify(refused[0])).toContain('Collection \\"policies\\" is not granted to mission onboarding');
    expect(obs.filter((o) => o.kind === "citation").map((o) => o.data)).toEqual([
      {
        clauseId: "HR-1",
        title: "Annual leave",
        document: "Leave policy",
        documentId: expect.any(String),
        // Version 2: the test before added HR-3.
        version: 2,
        headingPath: ["Annual leave"],
        text: "Employees take 25 days of paid annual leave per calendar year.",
      },
    ]);
  });

  it("a claim citing a clause the Worker never retrieved is recorded, and reads as never retrieved", async () => {
    await fs.writeFile(
      path.join(dir, "knowledge-unretrieved.json"),
      JSON.stringify({
        format: REPLAY_FORMAT,
        name: "knowledge-unretrieved",
        chunkDelayMs: 0,
        workers: {
          ask: {
            turns: [
              { toolCalls: [{ toolName: "knowledge.search_policies", input: { query: "annual leave days", collection: "hr" } }], usage: { inputTokens: 10, outputTokens: 5 } },
              // REF-1.1 is a real clause (of a collection this mission may not even search), ORD-1042 an order number.
              { text: '{"answer": "25 days (HR-1); unused items are refunded in full (REF-1.1); see order ORD-1042"}', usage: { inputTokens: 10, outputTokens: 5 } },
            ],
          },
        },
      }),
    );
    const data = workerDataSchema.parse({
      label: "Ask",
      instructions: "Answer from the handbook.",
      model: "replay:knowledge-unretrieved",
      tools: ["knowledge.search_policies"],
      outputs: [{ name: "answer", type: "string" }],
    });
    const obs: Parameters<WorkerRunInput["observe"]>[0][] = [];
    const run = createWorkerRunner(database, port, { models: { replayDir: dir, replayDelayMs: 0 } });
    expect(await run({ runId: "run-a", nodeId: "ask", attempt: 0, data, context: {}, observe: async (o) => void obs.push(o) })).toMatchObject({ kind: "completed" });
    // As the run's Observations: numbered in order, by the one Worker.
    const rows = obs.map((o, i) => ({ id: i + 1, nodeId: "ask", kind: o.kind, text: o.text ?? "", data: o.data }));
    const citations = rows.filter((o) => o.kind === "citation");
    expect(citations.map((c) => (c.data as { clauseId: string }).clauseId)).toEqual(["HR-1", "REF-1.1"]);
    const [hr, ref] = citations.map((c) => retrievalOf(c, rows));
    expect(hr).toMatchObject({ kind: "self", chunk: { clauseId: "HR-1", version: 2, text: "Employees take 25 days of paid annual leave per calendar year." } });
    expect(ref).toEqual({ kind: "never" });
  });
});
