import { test, expect, signIn, shot } from "./fixtures";
import { addBetweenTriggerAndVerdict, inspector, saveFirstVersionAndRun, newMission, node, select } from "./editor-helpers";
import type { MissionGraph } from "../lib/mission/schema";

// A Call mission step as a builder uses it (issue #13): added from the palette, a mission picked,
// its input mapped, saved and run; the run page shows the child's live state with a link, and the
// child's page links back to the step that started it.

test.describe.configure({ timeout: 240_000 });
test.use({ actionTimeout: 15_000 });

/** The mission called: it takes an amount, waits a few seconds, and says what it checked. */
function childMission(name: string): MissionGraph {
  return {
    format: "steward.mission/v1",
    name,
    description: "Called by the e2e Call mission test",
    nodes: [
      { id: "start", kind: "trigger", position: { x: 0, y: 0 }, data: { label: "Start", channels: ["manual", "api"], fields: [{ name: "amount", label: "Amount", type: "number", required: true, description: "" }], summary: "" } },
      { id: "pause", kind: "wait", position: { x: 300, y: 0 }, data: { label: "Pause", mode: "duration", duration: "6s", until: "" } },
      { id: "done", kind: "verdict", position: { x: 600, y: 0 }, data: { label: "Done", outcomes: ["ok"], outcome: "'ok'", summary: "'checked ' + string(trigger.amount)" } },
    ],
    edges: [
      { id: "e1", source: "start", target: "pause" },
      { id: "e2", source: "pause", target: "done" },
    ],
  } as MissionGraph;
}

test("a builder adds Call mission, picks a mission, maps its input, runs it and follows the child run", async ({ page }) => {
  await signIn(page, "builder");
  const tag = Date.now().toString(36);
  const childName = `Amount check ${tag}`;
  const created = await page.request.post("/api/v1/missions", { data: childMission(childName) });
  expect(created.status(), await created.text()).toBe(201);
  const childId = ((await created.json()) as { id: string }).id;

  await newMission(page, `Caller ${tag}`);
  await addBetweenTriggerAndVerdict(page, "call");
  const panel = inspector(page);
  await expect(node(page, "call")).toContainText("No mission chosen");
  await panel.getByLabel("Mission", { exact: true }).selectOption(childId);
  await expect(panel.getByLabel("Version", { exact: true })).toHaveValue("latest");
  // Its required field is not mapped yet: saving would be refused naming it. Map it.
  await panel.getByTestId("add-input").click();
  await expect(panel.getByLabel("Field", { exact: true })).toHaveValue("amount");
  await panel.getByLabel("Value", { exact: true }).fill("40 + 2");
  await expect(node(page, "call")).toContainText(`${childName} · latest published · 1 input`);
  await select(page, "verdict");
  await inspector(page).getByLabel("Summary").fill("call.verdict.summary");
  await expect(page.getByTestId("problem-count")).toHaveText("0");
  await select(page, "call");
  await shot(page, "call-mission-01-form");

  const parentRunId = await saveFirstVersionAndRun(page);

  // The step waits for its child; its card shows the child's own state and links to it.
  await expect(page.getByTestId("node-call")).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });
  const child = page.getByTestId("node-child-call");
  await expect(page.getByTestId("node-child-mission-call")).toHaveAttribute("title", `Child run of ${childName}, version 1`);
  await expect(page.getByTestId("run-status")).toContainText("Waiting for a child run");
  await expect(child).toHaveAttribute("data-child-status", /running|waiting/);
  await expect(page.getByTestId("explain-rail")).toContainText(`of ${childName} (version 1) and waits for its end`);
  await shot(page, "call-mission-02-waiting");

  // Then the child ends, and the parent goes on with its verdict.
  await expect(child).toHaveAttribute("data-child-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("node-call")).toHaveAttribute("data-status", "succeeded", { timeout: 30_000 });
  await expect(page.getByTestId("run-summary")).toHaveText("checked 42");
  await expect(page.getByTestId("explain-rail")).toContainText(`of ${childName} succeeded — verdict ok`);
  await shot(page, "call-mission-03-done");

  // The child's page says who started it, and links back.
  await page.getByTestId("node-child-link-call").click();
  await page.waitForURL((u) => /^\/runs\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith(parentRunId));
  await expect(page.getByTestId("run-parent")).toHaveText(`Started by run ${parentRunId.slice(0, 8)} step call`);
  // For the same person as its parent.
  await expect(page.getByTestId("run-started-by")).toHaveText("Ben Builder");
  await expect(page.getByTestId("run-summary")).toHaveText("checked 42");
  await shot(page, "call-mission-04-child");
  const childRunId = new URL(page.url()).pathname.split("/").at(-1) as string;
  await page.getByTestId("run-parent").getByRole("link").click();
  await page.waitForURL(new RegExp(`/runs/${parentRunId}$`));

  // In the runs list the child says what called it (not the "api" channel it is stored with), with a link.
  await page.goto("/runs");
  const row = page.locator(`[data-testid="run-row"][data-run="${childRunId}"]`);
  await expect(row).toContainText(`called by Caller ${tag} ${parentRunId.slice(0, 8)}`);
  await expect(row).not.toContainText("· api");
  await row.scrollIntoViewIfNeeded();
  await shot(page, "call-mission-05-runs-list");
  await row.getByTestId("run-row-parent").click();
  await page.waitForURL(new RegExp(`/runs/${parentRunId}$`));
});
