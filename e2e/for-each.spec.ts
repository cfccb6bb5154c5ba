import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";
import { link, fitView, inspector, newMission, node, select } from "./editor-helpers";

// A For each as a builder uses it (issue #13): added from the palette between the trigger and the
// verdict, a Transform added inside its group, saved, run over a list, and the iterations on the
// run overlay and in the Explain rail.

test.describe.configure({ timeout: 240_000 });

/**
 * How far the For each's ports are from its group's border, in screen pixels: its connections meet
 * the box, so the one to the next step does not cross the box from the card inside it.
 */
async function portsOffBorder(page: Page, id: string): Promise<number> {
  const group = page.locator(`.react-flow__node[data-id="${id}"]`);
  const box = await group.boundingBox();
  const target = await group.locator(".react-flow__handle.target").first().boundingBox();
  const source = await group.locator(".react-flow__handle.source").first().boundingBox();
  if (!box || !target || !source) return Infinity;
  return Math.max(Math.abs(target.x + target.width / 2 - box.x), Math.abs(source.x + source.width / 2 - (box.x + box.width)));
}
test.use({ actionTimeout: 15_000 });

test("a builder puts a Transform inside a For each, runs it over a list and sees the iterations", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, `Greetings ${Date.now().toString(36)}`);

  await select(page, "trigger");
  await inspector(page).getByTestId("add-input-field").click();
  const field = inspector(page).getByTestId("input-0");
  await field.getByLabel("Label", { exact: true }).fill("Names");
  await field.getByLabel("Name", { exact: true }).fill("names");

  await page.getByTestId("palette-forEach").click();
  await expect(node(page, "forEach")).toBeVisible();
  await fitView(page);
  await link(page, "trigger", "forEach");
  await link(page, "forEach", "verdict");
  await select(page, "forEach");
  await inspector(page).getByLabel("Items", { exact: true }).fill('trigger.names.split(",")');
  await inspector(page).getByLabel("At once", { exact: true }).fill("2");

  // The step inside: a Transform in the For each's group, reading the item.
  await inspector(page).getByTestId("add-inside-transform").click();
  await expect(inspector(page)).toHaveAttribute("data-node", "transform");
  const panel = inspector(page);
  await panel.getByTestId("add-value").click();
  const line = panel.getByTestId("value-0");
  await line.getByLabel("Name", { exact: true }).fill("line");
  await line.getByLabel("Expression", { exact: true }).fill('"Hello " + item + " (#" + string(index + 1) + ")"');
  // The group grew over the verdict: Auto-layout places the group as one box, its step inside it.
  await page.getByTestId("auto-layout").click();
  await fitView(page);
  // It sits inside the group.
  // Read together, once the view has settled (fitting the view animates).
  await expect
    .poll(async () => {
      const group = await page.getByTestId("group-forEach").boundingBox();
      const inside = await node(page, "transform").boundingBox();
      return !!group && !!inside && inside.x >= group.x && inside.y >= group.y && inside.x + inside.width <= group.x + group.width + 1 && inside.y + inside.height <= group.y + group.height + 1;
    })
    .toBe(true);

  await select(page, "verdict");
  await inspector(page).getByLabel("Outcomes").fill("greeted");
  await inspector(page).getByLabel("Outcome expression").fill('"greeted"');
  await inspector(page).getByLabel("Summary").fill('forEach[0].line + ", " + forEach[3].line');
  await expect(page.getByTestId("problem-count")).toHaveText("0");
  await expect.poll(() => portsOffBorder(page, "forEach"), { message: "the For each's ports sit on its group's border" }).toBeLessThanOrEqual(2);
  await shot(page, "for-each-01-editor-group");

  await page.getByTestId("save-version").click();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();

  await page.getByTestId("editor-run").click();
  await page.getByRole("dialog").getByLabel("Names").fill("Ada,Grace,Edsger,Barbara");
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[^/]+$/);

  await expect(page.getByTestId("node-forEach")).toHaveAttribute("data-status", "succeeded", { timeout: 90_000 });
  await expect(page.getByTestId("node-iterations-forEach")).toHaveText("4 of 4 items done");
  await expect(page.getByTestId("node-transform")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("run-summary")).toHaveText("Hello Ada (#1), Hello Barbara (#4)");
  await expect(page.getByTestId("explain-rail")).toContainText("forEach[3] succeeded");
  await expect(page.getByTestId("explain-rail")).toContainText("forEach went over 4 items: 4 succeeded, 0 failed");
  await expect.poll(() => portsOffBorder(page, "forEach"), { message: "on the run view too" }).toBeLessThanOrEqual(2);
  await shot(page, "for-each-02-run-overlay");
});
