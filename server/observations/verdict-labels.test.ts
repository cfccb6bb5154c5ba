import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { testDatabases } from "@/test/databases";
import type { Database } from "@/server/db/database";
import { seedMission, testEngine, waitForRun } from "@/server/engine/testing/harness";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { getPortalStatus } from "@/server/portal/status";
import { submitPortalRequest } from "@/server/portal/submit";
import { instantPortal } from "@/server/portal/testing";
import { listRunHistory, runHistoryFacets } from "./history";

/** A portal mission whose verdict decides at once, with outcomes typed as labels. */
function labelledPortal(slug: string) {
  return mission(
    "Labelled outcomes",
    [
      node.trigger("start", { channels: ["portal"], portal: { slug, title: "Ask", intro: "" }, fields: [{ name: "order_number", label: "Order number", type: "string" }] }),
      node.verdict("done", {
        outcomes: ["auto_approved", "needs_review"],
        outcomeLabels: { auto_approved: "auto-approved", needs_review: "Needs review" },
        outcome: "'auto_approved'",
        summary: "'Order ' + trigger.order_number",
      }),
    ],
    edges("start->done"),
  );
}

describe.each(testDatabases())("verdict outcome labels where people read them, on $name", (tdb) => {
  let database: Database;
  let engine: ReturnType<typeof testEngine>;
  let n = 0;

  beforeAll(async () => {
    database = await tdb.open();
    engine = testEngine(database);
    await engine.executor.start();
    await seedMission(database, labelledPortal("labelled"));
    await seedMission(database, instantPortal("plain"));
  });
  afterAll(async () => {
    await engine?.executor.stop();
    await database?.close();
  });

  async function submit(slug: string, values: Record<string, unknown>) {
    const res = await submitPortalRequest(database, { slug, values, clientAddress: `192.0.2.${++n}` }, { send: engine.send });
    if (!res.ok) throw new Error(`submission refused: ${res.reason}`);
    expect(await waitForRun(database, res.runId, ["succeeded", "failed"])).toBe("succeeded");
    return res;
  }

  it("records the identifier and shows the label: runs list, filters, rail and the customer's page", async () => {
    const res = await submit("labelled", { order_number: "1042" });
    const [run] = await database.rows<{ verdict: { outcome: string } }>(sql`select verdict from run where id = ${res.runId}`);
    expect(run?.verdict.outcome).toBe("auto_approved");

    const item = (await listRunHistory(database, {})).items.find((r) => r.id === res.runId);
    expect(item?.verdict).toEqual({ outcome: "auto_approved", label: "auto-approved", summary: "Order 1042" });
    expect((await listRunHistory(database, { verdict: "auto_approved" })).items.map((r) => r.id)).toEqual([res.runId]);
    expect((await runHistoryFacets(database)).verdictLabels).toEqual({ auto_approved: "auto-approved" });

    const [said] = await database.rows<{ text: string }>(sql`select text from observation where run_id = ${res.runId} and node_id = 'done' and kind = 'status' and text like 'Verdict:%'`);
    expect(said?.text).toBe("Verdict: auto-approved — Order 1042");
    await waitForRun(database, res.runId, ["succeeded"]);
    const [last] = await database.rows<{ text: string }>(sql`select text from observation where run_id = ${res.runId} and node_id is null and text like 'Run completed%'`);
    expect(last?.text).toBe("Run completed: auto-approved");

    const status = await getPortalStatus(database, "labelled", res.token);
    expect(status?.decision).toMatchObject({ outcome: "resolved", label: "auto-approved" });
    expect(status?.message).toBe("The outcome: auto-approved.");
  });

  it("shows the identifier of an outcome without a label, as before", async () => {
    const res = await submit("plain", { orderId: "7", email: "sam@example.com" });
    const item = (await listRunHistory(database, {})).items.find((r) => r.id === res.runId);
    expect(item?.verdict).toMatchObject({ outcome: "approve", label: null });
    expect((await runHistoryFacets(database)).verdictLabels.approve).toBeUndefined();
    const [said] = await database.rows<{ text: string }>(sql`select text from observation where run_id = ${res.runId} and node_id = 'done' and text like 'Verdict:%'`);
    expect(said?.text).toMatch(/^Verdict: approve — /);
    expect((await getPortalStatus(database, "plain", res.token))?.decision).toMatchObject({ outcome: "approved", label: "Approved" });
  });
});
