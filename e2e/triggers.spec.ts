import type { Page } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { test, expect, signIn, shot } from "./fixtures";
import { inspector, newMission, select } from "./editor-helpers";
import { publishAsApprover } from "./publishing";

// The trigger's automatic channels as a builder meets them (issue #13): a schedule set in the
// trigger's inspector that runs the mission by itself once published by an approver, and a
// webhook URL whose secret is shown once and whose signed requests start runs.

test.describe.configure({ timeout: 240_000 });
test.use({ actionTimeout: 15_000 });

async function saveVersion(page: Page, message: string) {
  await page.getByTestId("save-version").click();
  await page.getByLabel("Message (optional)").fill(message);
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByTestId("save-review-notice")).toBeVisible();
}

/** The mission's runs, newest first, as the REST API lists them to the signed-in builder. */
async function runsOf(page: Page, missionId: string): Promise<{ id: string; channel: string }[]> {
  const res = await page.request.get(`/api/v1/missions/${missionId}/runs`);
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { items: { id: string; channel: string }[] }).items;
}

test("a builder schedules a mission every minute, sees when it fires, and a run starts by itself once published", async ({ page, browser, baseURL }) => {
  await signIn(page, "builder");
  const name = `Minute digest ${Date.now().toString(36)}`;
  const missionId = await newMission(page, name);
  await select(page, "trigger");
  const panel = inspector(page);
  await panel.getByLabel("Schedule", { exact: true }).check();
  const schedule = panel.getByTestId("schedule-settings");
  await schedule.getByTestId("schedule-cron").fill("* * * * *");
  await schedule.getByTestId("schedule-timezone").fill("Europe/Paris");
  await expect(schedule.getByTestId("schedule-preview")).toContainText("Every minute (Europe/Paris), next: ");
  await expect(schedule.getByTestId("schedule-next").locator("li")).toHaveCount(5);
  await expect(schedule.getByTestId("schedule-published")).toContainText("Not running yet");
  await schedule.getByTestId("schedule-published").scrollIntoViewIfNeeded();
  await shot(page, "triggers-01-schedule-preview");

  // A schedule makes the mission run by itself: a second person publishes it.
  await saveVersion(page, "Every minute");
  await expect(page.getByTestId("save-review-notice")).toContainText("must review it before runs use it");
  await expect(page.getByTestId("save-review-changes")).toContainText("now on a schedule (* * * * * Europe/Paris)");
  expect(await runsOf(page, missionId)).toEqual([]);
  await publishAsApprover(browser, baseURL!, missionId, 1);

  await page.reload();
  await select(page, "trigger");
  await expect(panel.getByTestId("schedule-published")).toContainText("running");
  await expect(panel.getByTestId("schedule-published-next")).toContainText("Next: ");

  // The next minute's firing starts one run, on the schedule channel.
  await expect.poll(async () => (await runsOf(page, missionId)).length, { timeout: 150_000, intervals: [2_000] }).toBeGreaterThan(0);
  const [run] = await runsOf(page, missionId);
  expect(run?.channel).toBe("schedule");
  await page.goto(`/runs/${run?.id}`);
  await expect(page.getByTestId("run-started-by")).toContainText("schedule, firing of ");
  await shot(page, "triggers-02-run-started-by-schedule");

  // The missions list shows the next firing and pauses the schedule.
  await page.goto("/missions");
  const row = page.getByTestId("mission-row").filter({ hasText: name });
  await expect(row.getByTestId("mission-schedule")).toContainText("Next ");
  await row.getByTestId("mission-schedule-pause").click();
  await expect(row.getByTestId("mission-schedule")).toContainText("Schedule paused");
  await shot(page, "triggers-03-missions-list-paused");
});

test("a webhook URL and its secret are shown once, and a signed request starts a run; a forged or replayed one does not", async ({ page, browser, baseURL, playwright }) => {
  await signIn(page, "builder");
  const missionId = await newMission(page, `Ticket intake ${Date.now().toString(36)}`);
  await select(page, "trigger");
  const panel = inspector(page);
  await panel.getByTestId("add-input-field").click();
  await panel.getByTestId("input-0").getByLabel("Label", { exact: true }).fill("Ticket");
  await panel.getByLabel("Webhook", { exact: true }).check();
  const settings = panel.getByTestId("webhook-settings");
  await settings.getByLabel("Ticket").fill("body.data.id");
  await saveVersion(page, "Tickets by webhook");
  await expect(page.getByTestId("save-review-changes")).toContainText("now on an inbound webhook (ticket = body.data.id)");
  await publishAsApprover(browser, baseURL!, missionId, 1);
  await page.getByTestId("save-review-dismiss").click();

  await settings.getByTestId("hook-create").click();
  const secret = (await settings.getByTestId("hook-secret").textContent())?.trim() ?? "";
  const url = (await settings.getByTestId("hook-url").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^whsec_/);
  expect(url).toMatch(/\/api\/v1\/hooks\/hk_[A-Za-z0-9_-]+$/);
  await settings.getByTestId("hook-secret-box").scrollIntoViewIfNeeded();
  await shot(page, "triggers-04-webhook-secret-shown-once");
  const hookId = url.split("/").pop()!;

  // Shown once: after a reload the URL is there, the secret is not.
  await page.reload();
  await select(page, "trigger");
  await expect(settings.getByTestId("hook-url")).toHaveText(url);
  await expect(settings.getByTestId("hook-secret")).toHaveCount(0);

  // Another system, without a session, posts signed JSON.
  const sender = await playwright.request.newContext();
  const post = (body: string, id: string, signature?: string) =>
    sender.post(url, {
      data: body,
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": signature ?? new Webhook(secret).sign(id, new Date(), body),
      },
    });
  const body = JSON.stringify({ data: { id: "T-1001", title: "Printer on fire" } });
  const accepted = await post(body, "msg_1");
  expect(accepted.status(), await accepted.text()).toBe(202);
  const { runId } = (await accepted.json()) as { runId: string };
  expect((await post(body, "msg_2", "v1,bm90IHRoZSBzaWduYXR1cmU=")).status()).toBe(401);
  expect((await post(body, "msg_1")).status()).toBe(409);
  await sender.dispose();
  expect((await runsOf(page, missionId)).map((r) => r.id)).toEqual([runId]);

  await expect(settings.getByTestId("hook-counts")).toContainText("1 run started · 2 requests refused", { timeout: 40_000 });
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-started-by")).toContainText(`webhook ${hookId}`);
  await shot(page, "triggers-05-run-started-by-webhook");
});
