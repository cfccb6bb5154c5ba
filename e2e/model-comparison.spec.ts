import type { Browser } from "@playwright/test";
import { test, expect, shot, signIn } from "./fixtures";
import { trpc } from "./trpc";
import { startFakeOpenAI } from "../test/fake-llm/openai";
import type { FakeLlmServer } from "../test/fake-llm/fake-server";

/**
 * Model comparison (issue #16): a builder compares the refund mission on two models served by fake
 * OpenAI-compatible servers that answer differently and on the demo's replay model, from the
 * mission's Tests page; the comparison page shows each model's amounts and costs side by side,
 * highlights what differs, and can be reopened. Comparison runs are simulations: no refund is issued
 * and nothing waits in the Decision Queue. Demo order 1044, which no other spec uses.
 */

test.use({ actionTimeout: 15_000 });

const MISSION = "refund-adjudication";
const REPLAY = "replay:refund-demo";

/** What a fake model answers every Worker: all fields of both; each Worker keeps its own. */
function answer(decision: string, amount: number, rationale: string) {
  return {
    kind: "text" as const,
    text: JSON.stringify({
      orderTotal: 54.5,
      currency: "EUR",
      paymentCaptured: false,
      daysSinceDelivery: 0,
      policyClause: "REF-3.1",
      policySummary: "Orders not yet delivered are refunded by cancelling them (REF-3.1).",
      decision,
      amount,
      rationale,
    }),
    usage: { input: 1_200, output: 150 },
  };
}

test.describe("model comparison", () => {
  let fast: FakeLlmServer;
  let careful: FakeLlmServer;
  test.beforeAll(async () => {
    [fast, careful] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  });
  test.afterAll(async () => {
    await Promise.all([fast?.close(), careful?.close()]);
  });

  test("compares the refund mission on two models and the replay model, side by side", async ({ page, browser }) => {
    const stamp = Date.now().toString(36);
    const fastId = `fast-${stamp}`;
    const carefulId = `careful-${stamp}`;

    // An admin registers both fake servers and their (different) prices.
    const admin = await browser.newContext();
    const ad = await admin.newPage();
    await signIn(ad, "admin", "/settings/models");
    for (const [name, fake, id, priceIn, priceOut] of [
      [`Fast ${stamp}`, fast, fastId, 0.15, 0.6],
      [`Careful ${stamp}`, careful, carefulId, 5, 15],
    ] as const) {
      const provider = await trpc<{ id: string }>(ad.request, "models.createProvider", { name, kind: "openai-compatible", baseUrl: fake.baseURL }, "mutation");
      await trpc(ad.request, "models.createModel", { id, providerId: provider.id, modelName: `${id}-chat`, priceInPerMtok: priceIn, priceOutPerMtok: priceOut }, "mutation");
    }
    await admin.close();
    fast.enqueue(...Array.from({ length: 4 }, () => answer("partial", 27.25, "Half of 54.50 EUR as a goodwill partial refund.")));
    careful.enqueue(...Array.from({ length: 4 }, () => answer("deny", 0, "Order 1044 has not been delivered: it is cancelled, not refunded (REF-3.1).")));

    await signIn(page, "builder", `/missions/${MISSION}/tests`);
    const panel = page.getByTestId("compare-models");
    await panel.getByLabel(`Compare ${fastId}`).check();
    await panel.getByLabel(`Compare ${carefulId}`).check();
    await panel.getByLabel(`Compare ${REPLAY}`).check();
    await panel.getByRole("radio", { name: "one input" }).check();
    const reason = `Yoga mat never shipped, compare models (${stamp})`;
    await panel.getByLabel(/^Input/).fill(JSON.stringify({ orderId: "1044", email: "priya.natarajan@example.com", reason }));
    await shot(page, "model-comparison-01-start");
    await panel.getByTestId("compare-start").click();
    await page.waitForURL(new RegExp(`/missions/${MISSION}/compare/[0-9a-f-]+$`));
    const comparisonId = page.url().split("/").at(-1)!;

    const view = page.getByTestId("model-comparison");
    await expect(view.getByTestId("comparison-model")).toHaveText([new RegExp(`^${fastId}Fast`), new RegExp(`^${carefulId}Careful`), new RegExp(`^${REPLAY}`)]);
    // Each model's proposed amount, side by side, highlighted because they differ.
    const amount = view.locator('[data-testid="comparison-line"][data-field="reason.amount"]');
    await expect(amount.getByTestId("comparison-cell")).toHaveText(["27.25", "0", "42.5"], { timeout: 60_000 });
    await expect(amount).toHaveAttribute("data-differs", "true");
    await expect(view.locator('[data-testid="comparison-line"][data-field="reason.decision"]').getByTestId("comparison-cell")).toHaveText(["partial", "deny", "partial"]);
    // Two calls of 1,200 in and 150 out: $0.00054 on Fast, $0.0165 on Careful.
    const runCost = view.locator('[data-testid="comparison-line"][data-field="cost"]').getByTestId("comparison-cell");
    await expect(runCost.nth(0)).toHaveText("$0.00054");
    await expect(runCost.nth(1)).toHaveText("$0.017");
    await expect(view.getByTestId("totals-cost").locator("td")).toHaveText(["$0.00054", "$0.017", /^\$/]);
    expect(fast.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => r.body.model)).toEqual([`${fastId}-chat`, `${fastId}-chat`]);
    expect(careful.requests.filter((r) => r.path === "/v1/chat/completions").map((r) => r.body.model)).toEqual([`${carefulId}-chat`, `${carefulId}-chat`]);

    // Careful's deny ends its run; the others' refund approval is approved as proposed by the
    // simulation, so every run finishes without anyone deciding, and no refund is issued.
    const { rows } = await trpc<{ rows: { cells: { runId: string; modelId: string }[] }[] }>(page.request, "modelComparisons.get", { id: comparisonId });
    const runIds = rows[0]!.cells.map((c) => c.runId);
    await expect(view.getByTestId("comparison-progress")).toHaveText("3 of 3 runs finished", { timeout: 60_000 });
    await expect(view.getByTestId("totals-finished").locator("td")).toHaveText(["1 of 1", "1 of 1", "1 of 1"]);
    const outcomes = view.locator('[data-testid="comparison-line"][data-field="verdict"]').getByTestId("verdict-outcome");
    for (const [i, outcome] of ["partial", "deny", "partial"].entries()) await expect(outcomes.nth(i)).toHaveAttribute("data-outcome", outcome);
    await expectNothingDecided(browser, runIds);
    await shot(page, "model-comparison-02-side-by-side");

    // A run of the comparison says which model it ran on.
    await view.getByTestId("comparison-cell").filter({ has: page.getByRole("link", { name: runIds[0]!.slice(0, 8) }) }).getByRole("link").click();
    await page.waitForURL(new RegExp(`/runs/${runIds[0]}`));
    await expect(page.locator('[data-testid="run-model-override"][data-step="reason"]')).toHaveText(`reason: model ${fastId}, overridden for this run`);
    await shot(page, "model-comparison-03-run");

    // Reopened from the Tests page.
    await page.goto(`/missions/${MISSION}/tests`);
    await page.getByTestId("past-comparisons").getByRole("link", { name: `${fastId} vs ${carefulId} vs ${REPLAY}` }).click();
    await page.waitForURL(new RegExp(`/compare/${comparisonId}$`));
    await expect(page.locator('[data-testid="comparison-line"][data-field="reason.amount"]').getByTestId("comparison-cell")).toHaveText(["27.25", "0", "42.5"]);
    // The way back names the page it leads to, as on the suite's result page.
    await expect(page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link")).toHaveText(["Missions", /\S/, "Test cases"]);

    // On a test case: the pass rate, and why a model failed it.
    fast.enqueue(...Array.from({ length: 4 }, () => answer("partial", 27.25, "Half of 54.50 EUR as a goodwill partial refund.")));
    careful.enqueue(...Array.from({ length: 4 }, () => answer("deny", 0, "Order 1044 has not been delivered: it is cancelled, not refunded (REF-3.1).")));
    const testCase = await trpc<{ id: string }>(
      page.request,
      "testCases.create",
      {
        missionId: MISSION,
        name: `Undelivered yoga mat (${stamp})`,
        input: { orderId: "1044", email: "priya.natarajan@example.com", reason: `Never shipped, suite on models (${stamp})` },
        expectations: { outcome: "deny", checks: [{ expression: "reason.amount <= 30" }] },
        // The case records the approver's answer: the simulated runs take it instead of asking.
        approvals: { refund: { approve: false, reason: "Comparison only" } },
      },
      "mutation",
    );
    const suite = await trpc<{ comparisonId: string; runIds: string[] }>(page.request, "modelComparisons.start", { missionId: MISSION, models: [fastId, carefulId, REPLAY], caseIds: [testCase.id] }, "mutation");
    await page.goto(`/missions/${MISSION}/compare/${suite.comparisonId}`);
    await expect(view.getByTestId("comparison-progress")).toHaveAttribute("data-done", "true", { timeout: 60_000 });
    await expectNothingDecided(browser, suite.runIds);
    await expect(view.getByTestId("totals-pass-rate").locator("td")).toHaveText(["1 of 1 (100%)", "1 of 1 (100%)", "0 of 1 (0%)"]);
    const checks = view.locator('[data-testid="comparison-line"][data-field="check"]').getByTestId("comparison-cell");
    await expect(checks.nth(2)).toContainText("failed");
    await expect(checks.nth(2)).toContainText("reason.amount <= 30 was false");
    await expect(checks.nth(0)).toContainText("passed");
    await shot(page, "model-comparison-04-test-case");
    // The refund mission's suite stays as the other specs leave it.
    await trpc(page.request, "testCases.delete", { id: testCase.id }, "mutation");
  });
});

/**
 * Simulated runs ask nobody: no decision of these runs reaches the approver's Decision Queue, and
 * no refund was issued (each run is marked simulated, and its state-changing calls were simulated).
 */
async function expectNothingDecided(browser: Browser, runIds: string[]) {
  const approver = await browser.newContext();
  const ap = await approver.newPage();
  await signIn(ap, "approver", "/missions");
  const res = await ap.request.get(`/api/v1/decisions?status=all&scope=all&missionId=${MISSION}&limit=200`);
  expect(res.ok(), await res.text()).toBe(true);
  const { decisions } = (await res.json()) as { decisions: { runId: string }[] };
  expect(decisions.filter((d) => runIds.includes(d.runId))).toEqual([]);
  for (const runId of runIds) {
    const { run } = await trpc<{ run: { simulated: boolean; status: string } }>(ap.request, "runs.get", { runId });
    expect([run.simulated, run.status], runId).toEqual([true, "succeeded"]);
  }
  await approver.close();
}
