import type { MissionGraph } from "@/lib/mission/schema";
import { resetEngineDeps, setEngineDeps } from "@/server/engine/deps";
import { edges, mission, node } from "@/server/engine/testing/missions";
import { FakeTools, testEngine, waitingDecision } from "@/server/engine/testing/harness";
import { createMission, saveVersion } from "@/server/missions/service";
import { startRun } from "@/server/runs/service";
import { stopNotificationLoop } from "@/server/notifications/loop";
import { openHarness, type Harness } from "./app-harness";
import { publishForTest } from "./publishing";
import type { TestDatabase } from "./databases";

/** trigger (orderId) → an approval proposing an editable `note` → verdict: the smallest mission that waits for a decision. */
export const approvalMission: MissionGraph = mission(
  "approval",
  [
    node.trigger("trigger", { channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true }] }),
    node.approval("refund", { label: "Approve refund", title: "Refund", proposed: [{ name: "note", label: "Note", type: "string", expression: "'n'", editable: true }] }),
    node.verdict("done", { outcomes: ["ok", "no"], outcome: 'refund.approved ? "ok" : "no"' }),
  ],
  edges("trigger->refund", "refund:approved->done", "refund:rejected->done"),
);

export interface DecisionHarness extends Harness {
  /** The saved approval mission's id. */
  missionId: string;
  /** Starts a run of it as the builder and waits until its decision is pending. */
  pendingDecision(): Promise<string>;
}

/** The app harness (test/app-harness.ts) with the engine running and approvalMission saved. */
export async function openDecisionHarness(tdb: TestDatabase): Promise<DecisionHarness> {
  const h = await openHarness(tdb);
  const tools = new FakeTools();
  const engine = testEngine(h.database, { tools });
  setEngineDeps({ send: engine.send, tools });
  await engine.executor.start({ workers: true });
  const builder = h.userId("builder");
  const m = await createMission(h.database.db, { name: approvalMission.name }, builder);
  await saveVersion(h.database.db, m.id, { graph: approvalMission, message: "test" }, builder);
  await publishForTest(h.database.db, m.id, h.userId("approver"));
  return {
    ...h,
    missionId: m.id,
    async pendingDecision() {
      const { runId } = await startRun(h.database, { missionId: m.id, userId: builder, input: { orderId: "1042" }, channel: "api" }, { send: engine.send });
      return waitingDecision(h.database, runId, "refund");
    },
    async close() {
      await engine.executor.stop();
      resetEngineDeps();
      await stopNotificationLoop();
      await h.close();
    },
  };
}
