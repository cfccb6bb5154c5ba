import type { Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";
import { fitView, inspector, newMission, node, select } from "./editor-helpers";
import { publishAsApprover } from "./publishing";

// Issue #13's journey, as a builder draws it: "Daily open-ticket digest" runs on a schedule (every
// minute for the test), a Worker lists the open support tickets with the demo CRM's read-only
// list_open_tickets tool (the replay model open-tickets plays the Worker), a For each formats each
// ticket with a Transform and, for tickets over 50 EUR, calls the "Escalate ticket" mission as a
// child run; an approver publishes it, the schedule fires, and the run shows the iterations and
// the child runs, each of which links back.

test.describe.configure({ timeout: 480_000 });
test.use({ actionTimeout: 20_000 });

/** Picks a kind from the "+" menu on a step's output (one handle of a Condition when given). */
async function addNext(page: Page, after: string, kind: string, handle?: string) {
  await node(page, after).hover();
  const plus = page.getByTestId(`add-next-${after}`);
  await (handle ? plus.and(page.locator(`[data-handle="${handle}"]`)) : plus.first()).click();
  await page.getByTestId("add-next-menu").locator(`[data-kind="${kind}"]`).click();
}

async function runsOf(page: Page, missionId: string): Promise<{ id: string; status: string }[]> {
  const res = await page.request.get(`/api/v1/missions/${missionId}/runs`);
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { items: { id: string; status: string }[] }).items;
}

test("a builder draws the Daily open-ticket digest; once published it runs every minute, goes over each ticket and escalates the big ones as child runs", async ({ page, browser, baseURL }) => {
  const suffix = Date.now().toString(36);
  await signIn(page, "builder");

  // The mission the digest calls: a ticket and its amount in, "escalated" out.
  const escalateName = `Escalate ticket ${suffix}`;
  await newMission(page, escalateName);
  await select(page, "trigger");
  for (const [i, [label, name, type]] of [["Ticket", "ticket", "string"], ["Amount", "amount", "number"]].entries()) {
    await inspector(page).getByTestId("add-input-field").click();
    const field = inspector(page).getByTestId(`input-${i}`);
    await field.getByLabel("Label", { exact: true }).fill(label as string);
    await field.getByLabel("Name", { exact: true }).fill(name as string);
    await field.getByLabel("Type", { exact: true }).selectOption(type as string);
  }
  await select(page, "verdict");
  await inspector(page).getByLabel("Outcomes").fill("escalated");
  await inspector(page).getByLabel("Outcome expression").fill('"escalated"');
  await inspector(page).getByLabel("Summary").fill('"Escalated " + trigger.ticket + " (" + string(trigger.amount) + " EUR)"');
  await expect(page.getByTestId("problem-count")).toHaveText("0");
  await page.getByTestId("save-version").click();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText("Saved v1")).toBeVisible();

  // The digest.
  const digestName = `Daily open-ticket digest ${suffix}`;
  const missionId = await newMission(page, digestName);
  await select(page, "trigger");
  await inspector(page).getByLabel("Schedule", { exact: true }).check();
  const schedule = inspector(page).getByTestId("schedule-settings");
  await schedule.getByTestId("schedule-cron").fill("* * * * *");
  await schedule.getByTestId("schedule-timezone").fill("Europe/Paris");
  await expect(schedule.getByTestId("schedule-preview")).toContainText("Every minute (Europe/Paris), next: ");

  // A Worker lists the open tickets with the CRM's read-only tool.
  await addNext(page, "trigger", "worker");
  await select(page, "worker");
  const worker = inspector(page);
  await worker.getByLabel("Model").selectOption("replay:open-tickets");
  await worker.getByLabel("Instructions").fill("List the support tickets that are still open: id|email|amount each, comma-separated, in tickets; how many in count.");
  await worker.getByLabel("Add a tool").selectOption("crm.list_open_tickets");
  await expect(worker.getByRole("list", { name: "Allowed tools" })).toContainText("read-only");
  await worker.getByTestId("add-output").click();
  await worker.getByTestId("output-0").getByLabel("Name", { exact: true }).fill("tickets");
  await worker.getByTestId("add-output").click();
  await worker.getByTestId("output-1").getByLabel("Name", { exact: true }).fill("count");
  await worker.getByTestId("output-1").getByLabel("Type", { exact: true }).selectOption("number");

  // For each ticket: a Transform formats it, a Condition sends those over 50 EUR to a Call mission.
  await addNext(page, "worker", "forEach");
  await select(page, "forEach");
  await inspector(page).getByLabel("Items", { exact: true }).fill('worker.tickets.split(",")');
  await inspector(page).getByTestId("add-inside-transform").click();
  await expect(inspector(page)).toHaveAttribute("data-node", "transform");
  const values: [string, string, string][] = [
    ["ticket", "string", 'item.split("|")[0]'],
    ["amount", "number", 'double(item.split("|")[2])'],
    ["line", "string", 'item.split("|")[0] + " for " + item.split("|")[1] + ": " + item.split("|")[2] + " EUR"'],
  ];
  for (const [i, [name, type, expression]] of values.entries()) {
    await inspector(page).getByTestId("add-value").click();
    const row = inspector(page).getByTestId(`value-${i}`);
    await row.getByLabel("Name", { exact: true }).fill(name);
    await row.getByLabel("Type", { exact: true }).selectOption(type);
    await row.getByLabel("Expression", { exact: true }).fill(expression);
  }
  await select(page, "forEach");
  await inspector(page).getByTestId("add-inside-condition").click();
  await expect(inspector(page)).toHaveAttribute("data-node", "condition");
  if ((await inspector(page).getByTestId("branch-0").count()) === 0) await inspector(page).getByTestId("add-branch").click();
  const branch = inspector(page).getByTestId("branch-0");
  await branch.getByLabel("Branch id").fill("over");
  await branch.getByLabel("Branch label").fill("Over 50 EUR");
  await branch.getByLabel("When").fill("transform.amount > 50.0");
  await fitView(page);
  await addNext(page, "condition", "call", "over");
  await select(page, "call");
  const call = inspector(page);
  await call.getByLabel("Mission", { exact: true }).selectOption({ label: escalateName });
  await call.getByTestId("add-input").click();
  await call.getByTestId("input-0").getByLabel("Value", { exact: true }).fill("transform.ticket");
  await call.getByTestId("add-input").click();
  await call.getByTestId("input-1").getByLabel("Value", { exact: true }).fill("transform.amount");

  await shot(page, "digest-01-group-grown");
  // The group grew over the verdict as steps went in: Auto-layout places the whole group before it.
  // The layout is worked out off the main thread and then animated into view: wait for it to settle.
  await page.getByTestId("auto-layout").click();
  await expect(page.getByTestId("auto-layout")).toBeEnabled();
  await fitView(page);
  await expect
    .poll(async () => {
      const group = await page.getByTestId("group-forEach").boundingBox();
      const verdict = await node(page, "verdict").boundingBox();
      return !!group && !!verdict && verdict.x >= group.x + group.width;
    }, { message: "the verdict stands right of the whole For each group", timeout: 10_000 })
    .toBe(true);
  await select(page, "verdict");
  await inspector(page).getByLabel("Outcomes").fill("sent");
  await inspector(page).getByLabel("Outcome expression").fill('"sent"');
  await inspector(page).getByLabel("Summary").fill('"Digest of " + string(size(forEach)) + " open tickets"');
  await expect(page.getByTestId("problem-count")).toHaveText("0");
  await shot(page, "digest-02-drawn");

  // Governed (a schedule, a Worker with a tool): a second person publishes it.
  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill("Daily digest, every minute for now");
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByTestId("save-review-notice")).toContainText("must review it before runs use it");
  // Among what the reviewer is told: the mission the new Call runs, and with what.
  await expect(page.getByTestId("save-review-changes")).toContainText(`New Call mission "Call mission": runs mission "${escalateName}"`);
  await expect(page.getByTestId("save-review-changes")).toContainText("input ticket = transform.ticket; input amount = transform.amount");
  await shot(page, "digest-03-awaiting-review");
  expect(await runsOf(page, missionId)).toEqual([]);
  await publishAsApprover(browser, baseURL!, missionId, 1);

  // The schedule fires; the run appears in the runs list.
  await expect.poll(async () => (await runsOf(page, missionId)).length, { timeout: 150_000, intervals: [3_000] }).toBeGreaterThan(0);
  const runId = (await runsOf(page, missionId)).at(-1)?.id as string;
  await page.goto("/runs");
  await expect(page.locator(`[data-testid="run-row"][data-run="${runId}"]`)).toContainText(digestName);
  await shot(page, "digest-04-runs-list");

  // The run: every ticket went through the For each; two were over 50 EUR.
  await page.locator(`[data-testid="run-row"][data-run="${runId}"]`).getByRole("link").first().click();
  await page.waitForURL(new RegExp(`/runs/${runId}$`));
  await expect(page.getByTestId("run-started-by")).toContainText("schedule");
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
  await expect(page.getByTestId("node-iterations-forEach")).toHaveText("4 of 4 items done");
  await expect(page.getByTestId("run-summary")).toHaveText("Digest of 4 open tickets");
  const rail = page.getByTestId("explain-rail");
  await expect(rail).toContainText("forEach went over 4 items: 4 succeeded, 0 failed");
  await expect(rail).toContainText("call ran for 2 of 4 items (0 failed, 2 skipped)");
  await shot(page, "digest-05-run-overlay");

  // The child runs: the Call's panel lists one per ticket over 50 EUR (T-302 and T-304), by item.
  await node(page, "call").click();
  const childLinks = page.getByTestId("node-panel").getByTestId("node-child-run");
  await expect(childLinks).toHaveCount(2);
  await expect(childLinks.filter({ hasText: "forEach[1].call" })).toHaveCount(1);
  await expect(childLinks.filter({ hasText: "forEach[3].call" })).toHaveCount(1);
  // A step inside a For each ran once per item: no single duration, and no re-run from it alone.
  await expect(page.getByTestId("node-panel")).not.toContainText("0 ms");
  await expect(page.getByTestId("node-panel")).not.toContainText("Re-run from here");
  await shot(page, "digest-06-call-child-runs");
  // They are runs of their own in the runs list too.
  await page.goto("/runs");
  await expect(page.getByTestId("run-row").filter({ hasText: escalateName })).toHaveCount(2);
  await shot(page, "digest-07-runs-list-children");
  await page.goBack();
  await node(page, "call").click();
  await page.getByTestId("node-panel").getByTestId("node-child-run").filter({ hasText: "forEach[1].call" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(page.getByTestId("run-started-by")).toHaveText("The calling run");
  await expect(page.getByTestId("run-parent")).toContainText(`Started by run ${runId.slice(0, 8)} step forEach[1].call`);
  await expect(page.getByTestId("run-summary")).toHaveText("Escalated T-302 (129.9 EUR)");
  await shot(page, "digest-08-child-run");
  await page.getByTestId("run-parent").getByRole("link").click();
  await page.waitForURL(new RegExp(`/runs/${runId}$`));
  await expect(page.getByTestId("node-iterations-forEach")).toHaveText("4 of 4 items done");
});
