import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { EVERYTHING_ENTRY, fixtureCommand, setTestSecretKey } from "@/server/connectors/fixtures/test-helpers";
import { ConnectorPool } from "@/server/connectors/pool";
import { approveTools, createConnector, refreshTools } from "@/server/connectors/service";
import { createToolPort } from "@/server/connectors/tool-port-impl";
import { getRun, startRun } from "@/server/runs/service";
import { edges, mission, node } from "./testing/missions";
import { seedMission, testEngine, waitForRun } from "./testing/harness";

setTestSecretKey();

/**
 * Actions against real MCP servers through the real connector layer: what a tool answers is what
 * the next step reads, and a tool withheld after approval fails the run saying why, at once.
 */
describe.each(testDatabases())("actions on real MCP servers on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  const pool = new ConnectorPool();

  beforeAll(async () => {
    database = await tdb.open();
    const everything = await createConnector(database.db, { name: "everything", transport: "stdio", stdio: { command: process.execPath, args: [EVERYTHING_ENTRY, "stdio"] } });
    const { command, args } = fixtureCommand();
    const rug = await createConnector(database.db, { name: "rug", transport: "stdio", stdio: { command, args, env: { FIXTURE_RUG: "1" } } });
    for (const c of [everything, rug]) {
      await refreshTools(database.db, c.id, pool);
      await approveTools(database.db, c.id, null);
    }
    engine = testEngine(database, { tools: createToolPort(database, pool) });
    await engine.executor.start();
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await pool.closeAll();
    await database?.close();
  });

  async function run(graph: ReturnType<typeof mission>) {
    const seeded = await seedMission(database, graph);
    const { runId } = await startRun(database, { missionId: seeded.missionId, input: {}, userId: seeded.starter }, { send: engine.send });
    return runId;
  }

  const statusOf = async (runId: string, nodeId: string) =>
    (await database.rows<{ attempt: number; data: Record<string, unknown> }>(
      sql`select attempt, data from observation where run_id = ${runId} and node_id = ${nodeId} and kind = 'error' order by id`,
    )).map((r) => ({ attempt: r.attempt, code: r.data.code, retriable: r.data.retriable }));

  it("gives the next steps a plain-text answer as text: everything.echo and everything.get-sum feed the verdict", async () => {
    const graph = mission(
      "plain text",
      [
        node.trigger("start"),
        node.action("echo", { tool: "everything.echo", args: { message: "'hello'" } }),
        node.action("sum", { tool: "everything.get-sum", args: { a: "2", b: "3" } }),
        node.verdict("done", {
          outcomes: ["ok", "wrong"],
          outcome: "echo == 'Echo: hello' && sum.contains('is 5') ? 'ok' : 'wrong'",
          summary: "echo + ' / ' + sum",
        }),
      ],
      edges("start->echo", "echo->sum", "sum->done"),
    );
    const runId = await run(graph);
    expect(await waitForRun(database, runId, ["succeeded", "failed"], 60_000)).toBe("succeeded");
    const view = await getRun(database, runId);
    expect(view.nodes.find((n) => n.nodeId === "echo")?.output).toBe("Echo: hello");
    expect(view.nodes.find((n) => n.nodeId === "sum")?.output).toBe("The sum of 2 and 3 is 5.");
    expect(view.verdict).toEqual({ outcome: "ok", summary: "Echo: hello / The sum of 2 and 3 is 5." });
  });

  it("fails at once, saying why, when a tool changed on a live connection since approval; and names that reason once it is withheld", async () => {
    const graph = mission(
      "rug pull",
      [node.trigger("start"), node.action("look", { tool: "rug.lookup", args: { id: "'42'" } }), node.verdict("done", { outcomes: ["ok"], outcome: "'ok'", summary: "look" })],
      edges("start->look", "look->done"),
    );
    // The first call is fine; the server then changes the tool's description and does not say so.
    const first = await run(graph);
    expect(await waitForRun(database, first, ["succeeded", "failed"], 60_000)).toBe("succeeded");
    expect((await getRun(database, first)).verdict?.summary).toBe("record 42");

    // The next run's action lists the tools again before calling: the change is caught on the same connection.
    const second = await run(graph);
    expect(await waitForRun(database, second, ["succeeded", "failed"], 60_000)).toBe("failed");
    const reason = "rug.lookup changed on the server since it was approved; an admin must review it";
    const view = await getRun(database, second);
    expect(view.error).toBe(`look: ${reason}`);
    expect(view.nodes.find((n) => n.nodeId === "look")).toMatchObject({ status: "failed", error: reason, attempt: 0 });
    // Not retried: one attempt, recorded as final.
    expect(await statusOf(second, "look")).toEqual([{ attempt: 0, code: "tool_unreviewed", retriable: false }]);

    // Now withheld (marked changed): a third run is refused before any call, with the same reason.
    const third = await run(graph);
    expect(await waitForRun(database, third, ["succeeded", "failed"], 60_000)).toBe("failed");
    expect((await getRun(database, third)).error).toBe(`look: ${reason}`);
    expect(await statusOf(third, "look")).toEqual([{ attempt: 0, code: undefined, retriable: false }]);
  });
});
