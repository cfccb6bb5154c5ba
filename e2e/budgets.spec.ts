import type { Browser, Page } from "@playwright/test";
import { test, expect, shot, signIn, USERS } from "./fixtures";
import { exported, newMission } from "./editor-helpers";
import { publishAsApprover } from "./publishing";
import { trpc } from "./trpc";

/**
 * Budgets that people set (issue #16): a builder gives a mission a token budget in the editor and a
 * run a cost budget in the start dialog; each run stops before the model call its budget cannot
 * pay for, says why on the run page and in the Explain rail, and shows what it used of its limits.
 * The refund template's Workers play the recorded refund-demo transcript: the Ground Worker's
 * first two model calls use 686 and 1,087 tokens.
 */

test.describe.configure({ mode: "serial" });
test.use({ actionTimeout: 15_000 });

const TAG = Date.now().toString(36);
/** The refund-demo recording, registered with prices ($3 in, $15 out per million tokens). */
const PRICED = `priced-refund-demo-${TAG}`;
// Its own words: run-view.spec searches the runs list for its "blender arrived" run and expects one.
const INPUT = { orderId: "1042", email: "dana@example.com", reason: "The kettle came dented and I would like my money back." };

test.beforeAll(async ({ browser, baseURL }) => {
  const ctx = await browser.newContext({ baseURL });
  try {
    const signedIn = await ctx.request.post("/api/auth/sign-in/email", { data: { email: USERS.admin.email, password: USERS.admin.password } });
    expect(signedIn.ok(), "the admin signs in").toBe(true);
    await trpc(ctx.request, "models.createModel", { id: PRICED, providerId: "replay", modelName: "refund-demo", label: "Priced replay", priceInPerMtok: 3, priceOutPerMtok: 15 }, "mutation");
  } finally {
    await ctx.close();
  }
});

async function saveAndPublish(page: Page, browser: Browser, baseURL: string, missionId: string) {
  await page.getByTestId("save-version").click();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText(/Saved v1/)).toBeVisible();
  await publishAsApprover(browser, baseURL, missionId);
}

async function fillRunInput(page: Page) {
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Order number").fill(INPUT.orderId);
  await dialog.getByLabel(/^Email/).fill(INPUT.email);
  await dialog.getByLabel(/^Reason/).fill(INPUT.reason);
}

async function railText(page: Page): Promise<string> {
  const explainTab = page.getByTestId("side-tab-explain");
  if (await explainTab.isVisible()) await explainTab.click();
  await expect(page.getByTestId("explain-rail")).toBeVisible();
  return (await page.getByTestId("rail-list").textContent()) ?? "";
}

test("a mission's token budget, set in the editor, stops its run before the model call it cannot pay for", async ({ page, browser, baseURL }) => {
  await signIn(page, "builder");
  const missionId = await newMission(page, `Budgeted refunds ${TAG}`, "refund");

  // Nothing selected: the inspector shows the mission, with its budget.
  await page.keyboard.press("Escape");
  const budget = page.getByTestId("budget-budget");
  await budget.getByLabel("Token budget").fill("1000");
  await budget.getByLabel("Cost budget (USD)").fill("-1");
  await expect(page.getByTestId("inspector").getByText("must be an amount above 0")).toBeVisible();
  await budget.getByLabel("Cost budget (USD)").fill("");
  await shot(page, "budgets-01-mission-budget");

  // Portal runs get their own budget, under the mission's: visitors cannot set one.
  await page.getByTestId("node-trigger").click();
  await page.getByTestId("inspector").getByLabel("Portal", { exact: true }).check();
  await page.getByTestId("inspector").getByLabel("Portal address").fill(`budget-${TAG}`);
  await page.getByTestId("budget-portal.budget").getByLabel("Token budget").fill("300");
  await shot(page, "budgets-01b-portal-budget");
  const graph = await exported(page);
  expect(graph.budget).toEqual({ tokens: 1000 });
  const trigger = graph.nodes.find((n) => n.kind === "trigger");
  expect(trigger?.kind === "trigger" ? trigger.data.portal?.budget : null).toEqual({ tokens: 300 });
  await saveAndPublish(page, browser, baseURL!, missionId);

  await page.getByTestId("editor-run").click();
  await expect(page.getByTestId("start-run-budget")).toContainText("The mission allows at most 1,000 tokens; a run may set less, not more.");
  await fillRunInput(page);
  // A run cannot lift its mission's budget: asking for more still runs with 1,000.
  await page.getByRole("dialog").getByLabel("Token budget").fill("50000");
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[^/]+$/);

  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(page.getByTestId("run-reason")).toContainText('Worker "ground": token budget exhausted (1773 tokens used, 1000 were left for this run)');
  await expect(page.getByTestId("run-tokens")).toHaveText("1.8k / 1.0k tokens");
  expect(await railText(page)).toContain("token budget exhausted");
  // The later steps never ran, so no refund was proposed for a decision.
  await expect(page.getByTestId("node-reason")).not.toHaveAttribute("data-status", "succeeded");
  await shot(page, "budgets-02-run-stopped-by-token-budget");
});

test("a run's cost budget, set in the start dialog, stops it in the Worker's tool loop and shows the cost against the limit", async ({ page, browser, baseURL }) => {
  await signIn(page, "builder");
  const missionId = await newMission(page, `Priced refunds ${TAG}`, "refund");
  // Both Workers use the priced recording (Import → Replace, as a builder pastes a document).
  const graph = await exported(page);
  for (const n of graph.nodes) if (n.kind === "worker") n.data.model = PRICED;
  await page.getByTestId("editor-import").click();
  await page.getByTestId("editor-import-text").fill(JSON.stringify(graph));
  await page.getByTestId("import-replace").click();
  await saveAndPublish(page, browser, baseURL!, missionId);

  await page.getByTestId("editor-run").click();
  await expect(page.getByTestId("start-run-budget")).toContainText("The mission sets no budget.");
  await fillRunInput(page);
  await page.getByRole("dialog").getByLabel("Cost budget (USD)").fill("0");
  await page.getByTestId("start-run-submit").click();
  await expect(page.getByRole("dialog").getByText("Cost budget (USD) must be an amount more than 0")).toBeVisible();
  // Two calls cost $0.0070 (612 + 1,018 tokens in at $3, 74 + 69 out at $15 per million).
  await page.getByRole("dialog").getByLabel("Cost budget (USD)").fill("0.005");
  await shot(page, "budgets-03-start-dialog");
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[^/]+$/);

  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(page.getByTestId("run-reason")).toContainText('Worker "ground": cost budget exhausted (0.007035 spent, 0.005 was left for this run)');
  await expect(page.getByTestId("run-cost")).toHaveText("$0.0070 / $0.0050");
  await expect(page.getByTestId("run-tokens")).toHaveText("1.8k tokens");
  expect(await railText(page)).toContain("cost budget exhausted");
  await shot(page, "budgets-04-run-stopped-by-cost-budget");
});
