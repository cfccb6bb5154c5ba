import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";
import { publishAsApprover } from "./publishing";

// Reviewed publishing as two people do it (issue #18, finding 1): a builder makes builders the
// deciders of an approval and saves; runs keep the published version until an approver, who did
// not write the change, reviews and publishes it.

test.describe.configure({ mode: "serial", timeout: 180_000 });
test.use({ actionTimeout: 15_000 });

const NAME = `Office chairs ${Date.now().toString(36)}`;
let missionId = "";

async function saveVersion(page: Page, message: string) {
  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill(message);
  await page.getByTestId("save-version-submit").click();
}

/** Opens the Run dialog in the editor and says which version it will run. */
async function versionTheRunUses(page: Page): Promise<string> {
  await page.getByTestId("editor-run").click();
  const dialog = page.getByRole("dialog");
  const line = dialog.getByText(/^Version \d+/);
  await expect(line).toBeVisible();
  const text = (await line.textContent()) ?? "";
  return text;
}

test("a builder's change to who decides waits for review, and runs keep the published version", async ({ page, browser, baseURL }) => {
  await signIn(page, "builder");
  await page.getByTestId("new-mission").click();
  await page.getByLabel("Name").fill(NAME);
  await page.getByTestId("template-approval").check();
  await page.getByTestId("create-mission-submit").click();
  await page.waitForURL(/\/missions\/[^/]+$/);
  missionId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("mission-editor")).toBeVisible();

  // A first version that has an approval step governs something: it waits for review too.
  await saveVersion(page, "First cut");
  await expect(page.getByTestId("save-review-notice")).toContainText("Version 1 saved");
  await expect(page.getByTestId("save-review-notice")).toContainText("until then this mission cannot run");
  await publishAsApprover(browser, baseURL!, missionId, 1);

  // The builder lets builders decide, without separation of duties, and saves.
  await page.getByTestId("save-review-dismiss").click();
  await page.getByTestId("node-approval").click();
  const inspector = page.getByTestId("inspector");
  await expect(inspector).toHaveAttribute("data-node", "approval");
  await inspector.getByLabel("Approver role").selectOption("builder");
  await inspector.getByLabel("Separation of duties").uncheck();
  await saveVersion(page, "Builders decide their own requests");
  const notice = page.getByTestId("save-review-notice");
  await expect(notice).toContainText("Version 2 saved — it changes governance, so an approver or admin other than you must review it before runs use it; runs keep using version 1.");
  await expect(page.getByTestId("save-review-changes")).toContainText('Approval "Approve request": who decides approver → builder');
  await expect(page.getByTestId("save-review-changes")).toContainText('Approval "Approve request": separation of duties on → off');
  await shot(page, "publishing-01-saved-awaits-review");

  await page.getByTestId("tab-versions").click();
  await expect(page.getByTestId("version-status-2")).toHaveText("Awaits review");
  await expect(page.getByTestId("version-status-1")).toHaveText("Published · runs use it");
  await shot(page, "publishing-02-versions-panel");

  // Runs still use version 1.
  expect(await versionTheRunUses(page)).toMatch(/^Version 1 — First cut/);
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

  // The author opens the review and is told why they cannot publish it themselves.
  await page.getByTestId("review-2").click();
  await page.waitForURL(new RegExp(`/missions/${missionId}/review/2$`));
  await expect(page.getByTestId("review-refusal")).toContainText("You saved it: an approver or admin other than its author must publish version 2");
  await expect(page.getByTestId("review-publish")).toHaveCount(0);
  await shot(page, "publishing-03-author-cannot-publish");

  // The missions list says so too.
  await page.goto("/missions");
  const row = page.getByTestId("mission-row").filter({ hasText: NAME });
  await expect(row.getByTestId("mission-awaiting-review")).toHaveText("v2 awaits review");
  await expect(row.getByTestId("mission-version")).toHaveText("v1");
});

test("an approver finds the version in Decisions, reads the change and the diff, and publishes it; runs use it", async ({ page, browser }) => {
  expect(missionId, "the first journey created the mission").not.toBe("");
  await signIn(page, "approver");
  await page.getByTestId("nav-decisions").click();
  await expect(page).toHaveURL(/\/decisions$/);
  const row = page.getByTestId("version-review-row").filter({ hasText: `${NAME} · version 2` });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Approval "Approve request": who decides approver → builder');
  await shot(page, "publishing-04-decisions-versions-to-review");
  await row.click();
  await page.waitForURL(new RegExp(`/missions/${missionId}/review/2$`));

  await expect(page.getByTestId("review-status")).toHaveText("Awaits review");
  await expect(page.getByTestId("review-changes")).toContainText('Approval "Approve request": who decides approver → builder');
  const diffRow = page.getByTestId("review-diff-row").filter({ hasText: 'Approval "Approve request"' });
  await expect(diffRow).toContainText("approverRole");
  await expect(diffRow).toContainText("separationOfDuties");
  // The read-only canvas marks the changed step as the editor's Compare does.
  await expect(page.getByTestId("review-canvas").getByTestId("node-approval")).toHaveAttribute("data-diff", "changed");
  await expect(page.getByTestId("review-canvas").getByTestId("node-trigger")).not.toHaveAttribute("data-diff", /./);
  await shot(page, "publishing-05-review-page");

  await page.getByTestId("review-note").fill("Fine for office supplies.");
  await page.getByTestId("review-publish").click();
  await expect(page.getByTestId("review-status")).toHaveText("Published · runs use it");
  await expect(page.getByTestId("review-published")).toContainText("Runs use this version.");
  await shot(page, "publishing-06-published");

  // Nothing is left to review for this mission.
  await page.getByTestId("nav-decisions").click();
  await expect(page.getByTestId("version-review-row").filter({ hasText: NAME })).toHaveCount(0);

  // The builder's runs now use version 2.
  const builderCtx = await browser.newContext();
  const builder = await builderCtx.newPage();
  await signIn(builder, "builder", `/missions/${missionId}`);
  await expect(builder.getByTestId("mission-editor")).toBeVisible();
  expect(await versionTheRunUses(builder)).toMatch(/^Version 2 — Builders decide/);
  await builder.getByRole("dialog").getByLabel("What do you need?").fill("A chair");
  await builder.getByTestId("start-run-submit").click();
  await builder.waitForURL(/\/runs\/[^/]+$/);
  await expect(builder.getByTestId("run-version")).toHaveText("v2");
  await shot(builder, "publishing-07-run-uses-v2");
  await builder.getByTestId("run-cancel").click();
  await expect(builder.getByTestId("run-status")).toHaveAttribute("data-status", "cancelled");
  await builderCtx.close();
});
