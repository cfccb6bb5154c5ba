import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";
import {
  canvas,
  dropFromPalette,
  edgesThroughCards,
  exported,
  focusCanvas,
  hiddenSteps,
  inspector,
  newMission,
  node,
  overlaps,
  pileUp,
  screenFontPx,
  select,
  zoomOf,
} from "./editor-helpers";

/**
 * The canvas as a new builder meets it (issue #19): where new steps land, what stays in view, what
 * can be read, and where a problem takes you. Each check looks at what the screen shows.
 */

test.describe.configure({ timeout: 180_000 });
test.use({ actionTimeout: 15_000 });

/** Opens the "+" beside a step's output and picks a kind from its menu. */
async function addAfter(page: Page, id: string, kindLabel: string, handle?: string) {
  await node(page, id).hover();
  const plus = page.locator(`[data-testid="add-next-${id}"]${handle ? `[data-handle="${handle}"]` : ""}`);
  await plus.click();
  const menu = page.getByTestId("add-next-menu");
  await expect(menu).toBeVisible();
  await menu.getByRole("menuitem", { name: kindLabel }).click();
  await expect(menu).toBeHidden();
}

test("the blank template opens with a trigger and a verdict; + on an output adds the next step already connected", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Blank start");
  await expect(node(page, "trigger")).toBeVisible();
  await expect(node(page, "verdict")).toBeVisible();
  await expect(page.getByText("An empty canvas")).toHaveCount(0);
  expect((await exported(page)).edges.map((e) => `${e.source}->${e.target}`)).toEqual(["trigger->verdict"]);
  await shot(page, "canvas-01-blank-template");

  // "+" on the trigger's output, which leads to the verdict: the Worker goes between them.
  await addAfter(page, "trigger", "AI Worker");
  await expect(node(page, "worker")).toBeVisible();
  await expect(inspector(page)).toHaveAttribute("data-node", "worker");
  let graph = await exported(page);
  expect(graph.edges.map((e) => `${e.source}->${e.target}`).sort()).toEqual(["trigger->worker", "worker->verdict"]);
  expect(await overlaps(page)).toEqual([]);

  // A step with named outputs goes in through its first one (a Condition's Else, an Approval's Approved)…
  await addAfter(page, "worker", "Condition");
  await addAfter(page, "condition", "Approval", "else");
  // …and "+" on an output that leads nowhere yet connects the new step to it.
  await addAfter(page, "approval", "Verdict", "rejected");
  await expect(node(page, "verdict_2")).toBeVisible();
  graph = await exported(page);
  expect(graph.edges.map((e) => `${e.source}${e.sourceHandle ? `.${e.sourceHandle}` : ""}->${e.target}`).sort()).toEqual([
    "approval.approved->verdict",
    "approval.rejected->verdict_2",
    "condition.else->approval",
    "trigger->worker",
    "worker->condition",
  ]);
  expect(await overlaps(page)).toEqual([]);
  expect(await hiddenSteps(page)).toEqual([]);
  await shot(page, "canvas-02-added-with-plus");
});

test("a step dropped on a crowded canvas lands in free space; a pasted one is offset and labelled (copy)", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "builder");
  await newMission(page, "Crowded", "refund");
  expect(await overlaps(page)).toEqual([]);

  // Dropped right on top of the "reason" card.
  const target = await node(page, "reason").boundingBox();
  const pane = await canvas(page).boundingBox();
  if (!target || !pane) throw new Error("no canvas");
  const drop = { x: target.x - pane.x + target.width / 2, y: target.y - pane.y + target.height / 2 };
  await dropFromPalette(page, "worker", drop);
  await expect(node(page, "worker")).toBeVisible();
  expect(await overlaps(page)).toEqual([]);
  // …and near where it was dropped, not anywhere.
  const placed = await node(page, "worker").boundingBox();
  if (!placed) throw new Error("the new step is not on screen");
  const distance = Math.hypot(placed.x + placed.width / 2 - (pane.x + drop.x), placed.y + placed.height / 2 - (pane.y + drop.y));
  expect(distance).toBeLessThan(3 * target.height + 60);
  await shot(page, "canvas-03-dropped-in-free-space");

  // Copy and paste "reason" where it is: the copy is offset into free space and says so.
  await select(page, "reason");
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  await expect(node(page, "reason_2")).toBeVisible();
  await expect(node(page, "reason_2")).toContainText("Propose a decision (copy)");
  expect(await overlaps(page)).toEqual([]);
  const [original, copy] = [await node(page, "reason").boundingBox(), await node(page, "reason_2").boundingBox()];
  expect(copy && original && (copy.x !== original.x || copy.y !== original.y)).toBe(true);
  // Ctrl+D does the same.
  await page.keyboard.press("Control+d");
  await expect(node(page, "reason_3")).toContainText("(copy)");
  expect(await overlaps(page)).toEqual([]);
  await shot(page, "canvas-04-pasted-copy");
});

test("auto-layout and restoring a version leave the whole graph in view", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Refit", "refund");
  // Two copies of the refund, piled up in one corner.
  await focusCanvas(page);
  await page.keyboard.press("Control+a");
  await page.keyboard.press("Control+d");
  await expect(page.locator(".react-flow__node")).toHaveCount(16);
  await pileUp(page, 4, 3, 30);
  await page.getByTestId("auto-layout").click();
  await expect.poll(() => overlaps(page), { timeout: 10_000 }).toEqual([]);
  await expect.poll(() => hiddenSteps(page), { timeout: 5_000 }).toEqual([]);
  await shot(page, "canvas-05-auto-layout-in-view");

  await page.getByTestId("save-version").click();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText(/Saved v1/)).toBeVisible();
  await focusCanvas(page);
  await select(page, "crm_note_2");
  await page.keyboard.press("Delete");
  await expect(node(page, "crm_note_2")).toHaveCount(0);
  for (let i = 0; i < 4; i++) await page.locator(".react-flow__controls-zoomin").click();
  expect((await hiddenSteps(page)).length).toBeGreaterThan(0);
  await page.getByTestId("tab-versions").click();
  await page.getByTestId("restore-1").click();
  await expect(page.getByTestId("diff-banner")).toBeVisible();
  await expect(node(page, "crm_note_2")).toHaveAttribute("data-diff", "added");
  await expect.poll(() => hiddenSteps(page), { timeout: 5_000 }).toEqual([]);
  await shot(page, "canvas-06-restored-in-view");
});

test("connections go around cards, branch labels sit above them, text is readable at the fitted zoom, verdicts are not red", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Readable", "refund");
  await expect(node(page, "verdict")).toBeVisible();
  await page.waitForTimeout(400);
  // The whole mission fits, clear of the minimap and the zoom controls…
  expect(await hiddenSteps(page)).toEqual([]);
  expect(await zoomOf(page)).toBeLessThan(0.6);
  // …no connection passes behind a card…
  expect(await edgesThroughCards(page)).toEqual([]);
  // …each step's name and each branch label can be read at that zoom…
  for (const title of await page.getByTestId("node-title").all()) expect(await screenFontPx(title)).toBeGreaterThanOrEqual(11);
  const labels = page.getByTestId("edge-label");
  await expect(labels).toHaveCount(4);
  for (const label of await labels.all()) {
    expect(await screenFontPx(label)).toBeGreaterThanOrEqual(10);
    // …and nothing is drawn over a label (labels let clicks through, so ask as if they did not).
    const onTop = await label.evaluate((el) => {
      const r = el.getBoundingClientRect();
      (el as HTMLElement).style.pointerEvents = "auto";
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      (el as HTMLElement).style.pointerEvents = "";
      return !!hit && el.contains(hit);
    });
    expect(onTop, (await label.textContent()) ?? "").toBe(true);
  }
  // A verdict is where a run ends, not an error: its colour is not red.
  const hue = await node(page, "verdict")
    .locator("[data-accent]")
    .evaluate((el) => {
      // Colours may be oklch(): let a canvas turn it into sRGB.
      const ctx = document.createElement("canvas").getContext("2d") as CanvasRenderingContext2D;
      ctx.fillStyle = getComputedStyle(el).backgroundColor;
      ctx.fillRect(0, 0, 1, 1);
      const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data as unknown as [number, number, number];
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      if (max === min) return -1;
      const h = max === r ? ((g - b) / (max - min)) % 6 : max === g ? (b - r) / (max - min) + 2 : (r - g) / (max - min) + 4;
      return (h * 60 + 360) % 360;
    });
  expect(hue === -1 || (hue > 30 && hue < 320), `verdict accent hue ${hue}`).toBe(true);
  await shot(page, "canvas-07-refund-fitted");
});

test("clicking a problem focuses the field it names; problems speak of steps", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, "Problems", "refund");
  await select(page, "gate");
  await inspector(page).getByTestId("branch-0").getByLabel("When").fill('reason.decision == "deny" &&');
  await select(page, "reason");
  await inspector(page).getByTestId("output-1").getByLabel("Name", { exact: true }).fill("decision");
  await focusCanvas(page);
  await select(page, "ground");
  await page.keyboard.press("Delete");
  await expect(node(page, "ground")).toHaveCount(0);

  await page.getByTestId("tab-problems").click();
  const problems = page.getByTestId("problem");
  await expect(problems.first()).toBeVisible();
  for (const text of await problems.allTextContents()) expect(text).not.toMatch(/\bnodes?\b/);
  await expect(page.getByTestId("problems")).toContainText("this step is disconnected");
  await shot(page, "canvas-08-problems");

  await problems.filter({ hasText: "does not parse" }).click();
  await expect(inspector(page)).toHaveAttribute("data-node", "gate");
  await expect(inspector(page).getByTestId("branch-0").getByLabel("When")).toBeFocused();

  await page.getByTestId("tab-problems").click();
  await problems.filter({ hasText: 'duplicate output name "decision"' }).click();
  await expect(inspector(page)).toHaveAttribute("data-node", "reason");
  await expect(inspector(page).getByTestId("output-1").getByLabel("Name", { exact: true })).toBeFocused();
  await shot(page, "canvas-09-problem-field-focused");
});

test("the run view fits the whole graph and follows the running step only when asked", async ({ page }) => {
  await signIn(page, "builder", "/runs");
  await page.getByTestId("start-run").click();
  await page.getByTestId("start-run-mission").selectOption("refund-adjudication");
  await page.getByLabel("Order number").fill("1042");
  await page.getByLabel("Email").fill("dana@example.com");
  await page.getByLabel("Reason").fill("The kettle arrived opened and I do not want it.");
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const follow = page.getByTestId("canvas-follow");
  await expect(follow).toHaveAttribute("aria-pressed", "false");
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting", { timeout: 90_000 });
  await page.waitForTimeout(600);
  expect(await hiddenSteps(page, "run-canvas")).toEqual([]);
  await shot(page, "canvas-10-run-fitted");

  const before = await page.getByTestId("node-refund").boundingBox();
  await follow.click();
  await expect(follow).toHaveAttribute("aria-pressed", "true");
  await expect.poll(async () => (await page.getByTestId("node-refund").boundingBox())?.width ?? 0).toBeGreaterThan((before?.width ?? 0) + 20);
  await shot(page, "canvas-11-run-following");
  await page.getByTestId("run-cancel").click();
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "cancelled");
});
