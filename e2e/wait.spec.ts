import { test, expect, signIn, shot } from "./fixtures";
import { addBetweenTriggerAndVerdict, inspector, saveFirstVersionAndRun, newMission, node, select } from "./editor-helpers";

// A Wait step as a builder uses it (issue #13): added from the palette, its duration set, saved and
// run; the run page shows it waiting with its wake-up time, then going on, and the rail says both.

test.describe.configure({ timeout: 180_000 });
test.use({ actionTimeout: 15_000 });

test("a builder adds a Wait, runs the mission and sees it wait until its wake-up time, then go on", async ({ page }) => {
  await signIn(page, "builder");
  await newMission(page, `Cooling-off ${Date.now().toString(36)}`);

  // Dropped from the palette above the trigger and the verdict, then connected between them.
  await addBetweenTriggerAndVerdict(page, "wait");
  const panel = inspector(page);
  await expect(panel.getByLabel("Wait", { exact: true })).toHaveValue("duration");
  await panel.getByLabel("Duration").fill("forever");
  await expect(panel.getByText("must be a duration like 30s, 15m, 24h or 7d").first()).toBeVisible();
  await panel.getByLabel("Duration").fill("20s");
  await expect(panel.getByText("20 seconds after the step is reached")).toBeVisible();
  await expect(node(page, "wait")).toContainText("For 20s");
  await select(page, "verdict");
  await inspector(page).getByLabel("Summary").fill('"waited until " + wait.until');
  await expect(node(page, "verdict")).toHaveAttribute("data-problems", "0");
  await expect(page.getByTestId("problem-count")).toHaveText("0");
  await shot(page, "wait-01-form");

  await saveFirstVersionAndRun(page);

  // Waiting, with the time it wakes up on its card and in the rail.
  await expect(page.getByTestId("node-wait")).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });
  await expect(page.getByTestId("node-until-wait")).toContainText("Wakes at");
  await expect(page.getByTestId("run-status")).toContainText("Waiting until");
  const until = await page.getByTestId("node-until-wait").getAttribute("title");
  expect(Date.parse(until ?? "")).toBeGreaterThan(Date.now() - 20_000);
  await expect(page.getByTestId("explain-rail")).toContainText(`wait waiting until ${until}`);
  // Its panel says what it waits for: a time, not a decision.
  await page.getByTestId("node-wait").click();
  await expect(page.getByTestId("waiting-card")).toContainText("Waiting until");
  await expect(page.getByTestId("waiting-card")).toHaveAttribute("data-until", until ?? "");
  await shot(page, "wait-02-waiting");

  // Then it goes on by itself.
  await expect(page.getByTestId("node-wait")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("run-summary")).toHaveText(`waited until ${until}`);
  await expect(page.getByTestId("explain-rail")).toContainText(`wait woke up (it waited until ${until})`);
  await shot(page, "wait-03-woke");
});

test("a Wait inside a For each shows each item's wake-up time on the run page", async ({ page }) => {
  await signIn(page, "builder");
  const graph = {
    format: "steward.mission/v1",
    name: `Paced greetings ${Date.now().toString(36)}`,
    description: "A Wait inside a For each (e2e)",
    nodes: [
      { id: "start", kind: "trigger", position: { x: 0, y: 0 }, data: { label: "Start", channels: ["manual", "api"], fields: [], summary: "" } },
      { id: "each", kind: "forEach", position: { x: 300, y: 0 }, data: { label: "Each", items: "[1, 2]", concurrency: 2, onFailure: "stop", maxItems: 10, result: "" } },
      { id: "pause", kind: "wait", parentId: "each", position: { x: 20, y: 60 }, data: { label: "Pause", mode: "duration", duration: "10s", until: "" } },
      { id: "done", kind: "verdict", position: { x: 800, y: 0 }, data: { label: "Done", outcomes: ["ok"], outcome: "'ok'", summary: "string(size(each)) + ' items waited'" } },
    ],
    edges: [
      { id: "e1", source: "start", target: "each" },
      { id: "e2", source: "each", target: "done" },
    ],
  };
  const created = await page.request.post("/api/v1/missions", { data: graph });
  expect(created.status(), await created.text()).toBe(201);
  const missionId = ((await created.json()) as { id: string }).id;
  const started = await page.request.post(`/api/v1/missions/${missionId}/runs`, { data: {} });
  expect(started.status(), await started.text()).toBe(202);
  const runId = ((await started.json()) as { runId: string }).runId;

  // The Wait on the canvas has no state of its own per item: its panel lists when each item wakes up.
  await page.goto(`/runs/${runId}`);
  await page.getByTestId("node-pause").click();
  const wakeUps = page.getByTestId("node-wake-ups");
  await expect(wakeUps.getByTestId("node-wake-up")).toHaveCount(2, { timeout: 30_000 });
  for (const i of [0, 1]) {
    const line = wakeUps.locator(`[data-step="each[${i}].pause"]`);
    await expect(line).toContainText(`each[${i}].pause`);
    await expect(line).toContainText("wakes at");
    expect(Date.parse((await line.getAttribute("data-until")) ?? "")).toBeGreaterThan(Date.now() - 15_000);
  }
  await shot(page, "wait-04-for-each-waiting");

  // Then each item goes on by itself, and the run ends.
  await expect(page.getByTestId("run-summary")).toHaveText("2 items waited", { timeout: 60_000 });
  // The panel still open follows the run.
  await expect(page.getByTestId("node-wake-ups").getByTestId("node-wake-up").filter({ hasText: "woke at" })).toHaveCount(2);
  await shot(page, "wait-05-for-each-woke");
});
