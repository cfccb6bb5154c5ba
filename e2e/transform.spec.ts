import { test, expect, signIn, shot } from "./fixtures";
import { link, fitView, inspector, newMission, node, select } from "./editor-helpers";

// A Transform step as a builder uses it (issue #13): added from the palette, its values typed and
// previewed from sample input, saved, run, its computed values on the overlay and in the rail, and
// the preview then reading the last run.

test.describe.configure({ timeout: 180_000 });
test.use({ actionTimeout: 15_000 });

test("a builder computes values with a Transform, previews them, runs the mission and sees what it computed", async ({ page }) => {
  await signIn(page, "builder");
  const name = `Order totals ${Date.now().toString(36)}`;
  const missionId = await newMission(page, name);

  // The trigger asks for an amount.
  await select(page, "trigger");
  await inspector(page).getByTestId("add-input-field").click();
  const field = inspector(page).getByTestId("input-0");
  await field.getByLabel("Label", { exact: true }).fill("Amount");
  await field.getByLabel("Name", { exact: true }).fill("amount");
  await field.getByLabel("Type", { exact: true }).selectOption("number");

  // The Transform, from the palette, between the trigger and the verdict.
  await page.getByTestId("palette-transform").click();
  await expect(node(page, "transform")).toBeVisible();
  await fitView(page);
  await link(page, "trigger", "transform");
  await link(page, "transform", "verdict");
  await select(page, "transform");
  const panel = inspector(page);
  await panel.getByTestId("add-value").click();
  const doubled = panel.getByTestId("value-0");
  await doubled.getByLabel("Name", { exact: true }).fill("doubled");
  await doubled.getByLabel("Type", { exact: true }).selectOption("number");
  await doubled.getByLabel("Expression", { exact: true }).fill("trigger.amount * 2.0");
  await panel.getByTestId("add-value").click();
  const size = panel.getByTestId("value-1");
  await size.getByLabel("Name", { exact: true }).fill("size");
  await size.getByLabel("Type", { exact: true }).selectOption("enum");
  await size.getByLabel("Allowed values").fill("big, small");
  await size.getByLabel("Expression", { exact: true }).fill('trigger.amount > 100.0 ? "big" : "sm"');

  // Before any run the preview computes from sample input, and says when a value does not fit its type.
  await expect(panel.getByTestId("transform-preview")).toBeVisible();
  await expect(panel.getByText("From sample input")).toBeVisible();
  await expect(panel.getByTestId("transform-preview-doubled")).toContainText("2");
  await expect(panel.getByTestId("transform-preview-size")).toContainText('must be one of "big", "small", gave "sm"');
  await size.getByLabel("Expression", { exact: true }).fill('trigger.amount > 100.0 ? "big" : "small"');
  await expect(panel.getByTestId("transform-preview-size")).toContainText('"small"');
  await shot(page, "transform-01-preview-from-sample");

  // The verdict reads the computed values.
  await select(page, "verdict");
  await inspector(page).getByLabel("Outcomes").fill("big, small");
  await inspector(page).getByLabel("Outcome expression").fill("transform.size");
  await inspector(page).getByLabel("Summary").fill('"doubled: " + string(transform.doubled)');
  await expect(page.getByTestId("problem-count")).toHaveText("0");

  await page.getByTestId("save-version").click();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();

  await page.getByTestId("editor-run").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Amount").fill("150");
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[^/]+$/);

  await expect(page.getByTestId("node-transform")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("run-verdict").getByTestId("verdict-outcome")).toHaveText("big");
  await expect(page.getByTestId("run-summary")).toHaveText("doubled: 300");
  await expect(page.getByTestId("explain-rail")).toContainText('transform computed doubled = 300, size = "big"');
  await shot(page, "transform-02-run-overlay");

  // Back in the editor, the preview reads the last run.
  await page.goto(`/missions/${missionId}`);
  await select(page, "transform");
  await expect(inspector(page).getByText(/From the last run/)).toBeVisible();
  await expect(inspector(page).getByTestId("transform-preview-doubled")).toContainText("300");
  await expect(inspector(page).getByTestId("transform-preview-size")).toContainText('"big"');
  await shot(page, "transform-03-preview-from-last-run");
});
