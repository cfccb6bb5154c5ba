import type { APIRequestContext } from "@playwright/test";
import type { MissionGraph } from "@/lib/mission/schema";
import { test, expect, shot, signIn } from "./fixtures";
import { publishAsApprover } from "./publishing";
import { trpc } from "./trpc";

/**
 * Simulation (issue #16): a refund run saved as a test case, its suite run in simulation on the
 * version it came from (passes) and on a version with a stricter amount policy (fails, saying
 * which expectation). No refund is posted by either: counted on the demo commerce server itself.
 * A mission of its own from the refund template, on order 1047, which no other spec refunds.
 */

/**
 * A mission that asks the commerce server for an order's refunds (its read-only list_refunds): the
 * shop's own count, read while Steward owns the demo server's data dir.
 */
function refundCounter(name: string): MissionGraph {
  return {
    format: "steward.mission/v1",
    name,
    description: "Reads the refunds the shop holds for an order (simulation e2e)",
    nodes: [
      { id: "start", kind: "trigger", position: { x: 0, y: 0 }, data: { label: "Start", channels: ["manual", "api"], fields: [{ name: "orderId", label: "Order", type: "string", required: true, description: "" }], summary: "" } },
      { id: "shop", kind: "action", position: { x: 300, y: 0 }, data: { label: "List refunds", tool: "commerce.list_refunds", args: { orderId: "trigger.orderId" } } },
      { id: "done", kind: "verdict", position: { x: 600, y: 0 }, data: { label: "Done", outcomes: ["ok"], outcome: "'ok'", summary: "string(shop.refundedAmount)" } },
    ],
    edges: [
      { id: "e1", source: "start", target: "shop" },
      { id: "e2", source: "shop", target: "done" },
    ],
  } as MissionGraph;
}

async function refundsOnShop(request: APIRequestContext, counterId: string, origin: string): Promise<number[]> {
  const res = await request.post(`/api/v1/missions/${counterId}/runs?wait=30s`, { data: { orderId: ORDER }, headers: { origin } });
  expect(res.status(), await res.text()).toBe(200);
  const run = (await res.json()) as { status: string; nodes: { nodeId: string; output: Refunds }[] };
  expect(run.status).toBe("succeeded");
  return (run.nodes.find((n) => n.nodeId === "shop")?.output.refunds ?? []).map((r) => r.amount);
}

test.use({ actionTimeout: 15_000 });

const ORDER = "1047";
type Refunds = { refunds: { amount: number }[]; refundedAmount: number };

test("a refund run saved as a test case runs in simulation: no refund posted, values compared, a failing case names its expectation", async ({ page, browser, baseURL }) => {
  test.setTimeout(300_000);
  await signIn(page, "builder", "/missions");
  const origin = new URL(page.url()).origin;
  const tag = Date.now().toString(36);
  const created = await trpc<{ id: string }>(page.request, "missions.create", { name: `Refunds in simulation ${tag}`, template: "refund" }, "mutation");
  const missionId = created.id;
  await trpc(page.request, "missions.saveVersion", { id: missionId, message: "v1" }, "mutation");
  await publishAsApprover(browser, baseURL as string, missionId);
  const counter = await page.request.post("/api/v1/missions", { data: refundCounter(`Refunds of ${ORDER} ${tag}`), headers: { origin } });
  expect(counter.status(), await counter.text()).toBe(201);
  const counterId = ((await counter.json()) as { id: string }).id;
  await publishAsApprover(browser, baseURL as string, counterId);
  expect(await refundsOnShop(page.request, counterId, origin), "no refund of the order before").toEqual([]);

  // A real run: the approver lowers the refund to 40 and approves the gated calls.
  const reason = `The shelf arrived scratched, I unpacked it (${tag})`;
  const started = await page.request.post(`/api/v1/missions/${missionId}/runs`, { data: { orderId: ORDER, email: "sam.okafor@example.com", reason }, headers: { origin } });
  expect(started.status(), await started.text()).toBe(202);
  const { runId } = (await started.json()) as { runId: string };
  const approver = await browser.newContext({ baseURL: baseURL as string });
  const ap = await approver.newPage();
  await signIn(ap, "approver", "/missions");
  type Pending = { id: string; runId: string; nodeId: string; kind: string; createdAt: string };
  await expect
    .poll(
      async () => {
        const { decisions } = (await (await ap.request.get("/api/v1/decisions?status=pending")).json()) as { decisions: Pending[] };
        const d = decisions.filter((x) => x.runId === runId).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
        if (d) {
          const body = d.kind === "approval" && d.nodeId === "refund" ? { approve: true, values: { amount: 40 } } : { approve: true };
          const decided = await ap.request.post(`/api/v1/decisions/${d.id}`, { data: body, headers: { origin } });
          expect(decided.ok(), await decided.text()).toBe(true);
        }
        return ((await (await page.request.get(`/api/v1/runs/${runId}`)).json()) as { status: string }).status;
      },
      { timeout: 90_000, intervals: [1_000] },
    )
    .toBe("succeeded");
  await approver.close();
  expect(await refundsOnShop(page.request, counterId, origin), "the real run posted its refund").toEqual([40]);

  // Save it as a test case.
  await page.goto(`/runs/${runId}`);
  await page.getByTestId("run-save-test-case").click();
  await page.getByRole("button", { name: "Open test cases" }).click();
  await page.waitForURL(new RegExp(`/missions/${missionId}/tests`));
  await expect(page.getByTestId("test-case")).toHaveCount(1);

  // The suite on version 1, in simulation: it passes, each value compared.
  await expect(page.getByTestId("suite-version")).toContainText("Version 1 (published)");
  await page.getByTestId("run-suite").click();
  await page.waitForURL(/\/tests\/suite\//);
  await expect(page.getByTestId("suite-status")).toHaveAttribute("data-status", "passed", { timeout: 60_000 });
  const case1 = page.getByTestId("suite-case");
  await expect(case1.getByTestId("suite-case-results")).toContainText("the verdict is partial");
  await expect(case1.getByTestId("suite-case-results")).toContainText("reason.amount == 42.5 was true");
  await expect(case1.getByTestId("suite-case-results")).toContainText('reason.decision == "partial" was true');
  await shot(page, "simulation-01-suite-passed");

  // The simulated run is marked, and what the refund would have sent is on its record.
  await case1.getByTestId("suite-case-run").click();
  await expect(page.getByTestId("run-simulated")).toBeVisible();
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded");
  await shot(page, "simulation-02-simulated-run");
  // No refund was posted: the shop holds the one refund of the real run.
  expect(await refundsOnShop(page.request, counterId, origin)).toEqual([40]);
  // And the runs list leaves it out unless asked.
  const simulatedRunId = page.url().split("/runs/")[1] as string;
  await page.goto("/runs");
  await expect(page.locator(`[data-run="${simulatedRunId}"]`)).toHaveCount(0);
  await page.getByTestId("runs-filter-simulated").selectOption("only");
  await expect(page.locator(`[data-run="${simulatedRunId}"]`).getByTestId("run-row-simulated")).toBeVisible();

  // A stricter amount policy: refunds over 40 are denied without asking anyone.
  const mission = await trpc<{ draft: MissionGraph }>(page.request, "missions.get", { id: missionId });
  const graph = structuredClone(mission.draft);
  const gate = graph.nodes.find((n) => n.id === "gate");
  if (gate?.kind !== "condition") throw new Error("the refund template has no gate condition");
  gate.data.branches = [{ id: "denied", label: "Denied", expression: 'reason.decision == "deny" || reason.amount > 40' }];
  await trpc(page.request, "missions.saveVersion", { id: missionId, graph, message: "Deny refunds over 40" }, "mutation");

  await page.goto(`/missions/${missionId}/tests`);
  const versions = await trpc<{ id: string; number: number }[]>(page.request, "missions.versions", { id: missionId });
  await page.getByTestId("suite-version").selectOption(versions.find((v) => v.number === 2)?.id as string);
  await expect(page.getByTestId("suite-runs")).toContainText("Version 1: 1 passed, 0 failed");
  await shot(page, "simulation-03-tests-page");
  await page.getByTestId("run-suite").click();
  await page.waitForURL(/\/tests\/suite\//);
  await expect(page.getByTestId("suite-status")).toHaveAttribute("data-status", "failed", { timeout: 60_000 });
  await expect(page.getByTestId("suite-case-failure")).toHaveText("expected outcome partial, the run gave deny");
  // The Workers' values still match: only the verdict differs.
  await expect(page.getByTestId("suite-case-results")).toContainText("reason.amount == 42.5 was true");
  await shot(page, "simulation-04-suite-failed");
  // Back to the test cases by the breadcrumb.
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Test cases" }).click();
  await page.waitForURL(new RegExp(`/missions/${missionId}/tests$`));
  await expect(page.getByRole("heading", { name: "Test cases" })).toBeVisible();
  expect(await refundsOnShop(page.request, counterId, origin), "no refund posted by either suite run").toEqual([40]);
});
