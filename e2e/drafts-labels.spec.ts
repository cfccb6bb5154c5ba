import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";

/**
 * Issue #19, "Losing work and saying the wrong thing": a draft with a value a version refuses is
 * still saved (and a reload brings back every edit), while saving it as a version waits until it
 * is fixed; outcome and field names typed as people say them ("auto-approved", "Order number")
 * are accepted as labels, turned into identifiers for expressions, and the run's verdict badge
 * reads the label.
 */

test.describe.configure({ timeout: 180_000 });
test.use({ actionTimeout: 15_000 });

async function select(page: Page, id: string) {
  await page.getByTestId(`node-${id}`).click();
  await expect(page.getByTestId("inspector")).toHaveAttribute("data-node", id);
}

/** Waits for the draft to be saved, and returns the status of the autosave request that saved it. */
async function autosaved(page: Page, edit: () => Promise<void>): Promise<number> {
  const response = page.waitForResponse((r) => r.url().includes("/api/trpc/missions.saveDraft"), { timeout: 30_000 });
  await edit();
  const status = (await response).status();
  await expect(page.getByTestId("save-status")).toHaveText("Saved");
  return status;
}

test("typed labels become identifiers, a draft with a bad value is kept, and the verdict badge reads the label", async ({ page }) => {
  await signIn(page, "builder");
  const created = await page.request.post("/api/v1/missions", {
    data: {
      format: "steward.mission/v1",
      name: `Labels ${Date.now()}`,
      nodes: [
        { id: "trigger", kind: "trigger", position: { x: 0, y: 80 }, data: { channels: ["manual", "api"] } },
        { id: "verdict", kind: "verdict", position: { x: 360, y: 80 }, data: { outcomes: ["done"], outcome: '"done"' } },
      ],
      edges: [{ id: "e1", source: "trigger", target: "verdict" }],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const missionId = ((await created.json()) as { id: string }).id;
  await page.goto(`/missions/${missionId}`);
  const panel = page.getByTestId("inspector");

  // A field typed as people say it: the label is kept, the name follows it as an identifier.
  await select(page, "trigger");
  await panel.getByTestId("add-input-field").click();
  const input = panel.getByTestId("input-0");
  await input.getByLabel("Label", { exact: true }).fill("Order number");
  await expect(input.getByLabel("Name", { exact: true })).toHaveValue("order_number");
  await expect(input).toContainText("trigger.order_number");
  await input.scrollIntoViewIfNeeded();
  await shot(page, "labels-01-field-typed-as-a-label");

  // Outcomes typed as labels: accepted, with their identifiers shown, and no problem.
  await select(page, "verdict");
  await panel.getByLabel("Outcomes").fill("auto-approved, needs review");
  await expect(panel.getByTestId("outcome-identifiers")).toContainText('"auto_approved", "needs_review"');
  await panel.getByLabel("Outcome expression").fill('trigger.order_number == "1042" ? "auto_approved" : "needs_review"');
  const status = await autosaved(page, () => panel.getByLabel("Summary").fill('"Order " + trigger.order_number'));
  expect(status).toBe(200);
  await expect(panel.getByRole("alert")).toHaveCount(0);
  await expect(page.getByTestId("node-verdict")).toContainText("auto-approved / needs review");
  await shot(page, "labels-02-outcomes-typed-as-labels");

  // A value a version refuses (a name with a space) is saved with the rest, and shown as a problem.
  await select(page, "trigger");
  expect(await autosaved(page, () => input.getByLabel("Name", { exact: true }).fill("order number"))).toBe(200);
  await expect(input).toContainText("must be an identifier");

  // A reload brings back every edit, the bad value too.
  await page.reload();
  await select(page, "verdict");
  await expect(panel.getByLabel("Outcomes")).toHaveValue("auto-approved, needs review");
  await expect(panel.getByLabel("Outcome expression")).toHaveValue('trigger.order_number == "1042" ? "auto_approved" : "needs_review"');
  await expect(panel.getByLabel("Summary")).toHaveValue('"Order " + trigger.order_number');
  await select(page, "trigger");
  await expect(input.getByLabel("Label", { exact: true })).toHaveValue("Order number");
  await expect(input.getByLabel("Name", { exact: true })).toHaveValue("order number");
  await expect(input).toContainText("must be an identifier");
  await input.scrollIntoViewIfNeeded();
  await shot(page, "labels-03-reloaded-with-every-edit");

  // Saving it as a version waits until the value is fixed, and says which.
  await page.getByTestId("save-version").click();
  const blockers = page.getByTestId("save-version-blockers");
  await expect(blockers).toContainText("Trigger › fields[0].name: must be an identifier");
  await expect(page.getByTestId("save-version-submit")).toBeDisabled();
  await shot(page, "labels-04-version-waits-for-the-fix");
  await page.keyboard.press("Escape");

  await select(page, "trigger");
  await autosaved(page, () => input.getByLabel("Name", { exact: true }).fill("order_number"));
  await page.getByTestId("save-version").click();
  await expect(blockers).toBeHidden();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText(/Saved v2/)).toBeVisible();

  // The run records the identifier and shows the label.
  await page.getByTestId("editor-run").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Order number").fill("1042");
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[^/]+$/);
  const badge = page.getByTestId("run-verdict").getByTestId("verdict-outcome");
  await expect(badge).toHaveText("auto-approved", { timeout: 60_000 });
  await expect(badge).toHaveAttribute("data-outcome", "auto_approved");
  await expect(page.getByTestId("run-summary")).toHaveText("Order 1042");
  await shot(page, "labels-05-run-verdict-label");

  const runId = new URL(page.url()).pathname.split("/").pop() as string;
  await page.goto("/runs");
  const row = page.locator(`[data-testid="run-row"][data-run="${runId}"]`);
  await expect(row.getByTestId("verdict-outcome")).toHaveText("auto-approved");
  await expect(page.getByTestId("runs-filter-verdict").locator("option", { hasText: "auto-approved" })).toHaveAttribute("value", "auto_approved");
  await shot(page, "labels-06-runs-list-label");
});
