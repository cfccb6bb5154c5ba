import fs from "node:fs";
import { test, expect, signIn, shot } from "./fixtures";
import { trpc } from "./trpc";

// Issue #18, findings 6 and 8, as people meet them: an approver makes a key of their own (it acts
// as them, nobody else can make one for them), and a run with a huge input shows it truncated
// with a download instead of shipping megabytes.

test("an approver creates their own API key from their name in the header; admins see whose it is", async ({ page, browser, request }) => {
  await signIn(page, "approver");
  await page.getByTestId("current-user").click();
  await expect(page).toHaveURL(/\/account\/api-keys$/);
  await expect(page.getByRole("heading", { name: "Your API keys" })).toBeVisible();
  await page.getByTestId("new-api-key").click();
  await expect(page.getByRole("dialog")).toContainText("The key acts as you, with your roles.");
  await expect(page.getByRole("dialog").getByLabel("Acts as")).toHaveCount(0);
  await page.getByLabel("Name").fill("Decision bot");
  await page.getByRole("button", { name: "Create key" }).click();
  const key = (await page.getByTestId("created-api-key").textContent())?.trim() ?? "";
  expect(key).toMatch(/^stw_/);
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("api-key-row").filter({ hasText: "Decision bot" })).toContainText(key.slice(0, 10));
  await shot(page, "keys-01-own-keys");

  // The key is the approver's: it reads the decision inbox, and cannot mint another key.
  const whoami = await request.get(`/api/trpc/users.whoami`, { headers: { authorization: `Bearer ${key}` } });
  const me = ((await whoami.json()) as { result: { data: { id: string; email: string; roles: string[] } } }).result.data;
  expect(me).toMatchObject({ email: "approver@steward.local", roles: ["approver"] });
  expect((await request.get("/api/v1/decisions", { headers: { authorization: `Bearer ${key}` } })).status()).toBe(200);
  const minted = await request.post("/api/trpc/apiKeys.create", { headers: { authorization: `Bearer ${key}` }, data: { name: "successor" } });
  expect(minted.status()).toBe(403);

  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, "admin", "/settings/api-keys");
  const row = admin.getByTestId("api-key-row").filter({ hasText: "Decision bot" });
  await expect(row).toContainText("acts as approver@steward.local");
  // Nobody can make a key for someone else: the request is refused, naming the field.
  const forOther = await admin.request.post("/api/trpc/apiKeys.create", { data: { name: "as the approver", userId: me.id } });
  expect(forOther.status()).toBe(403);
  expect(await forOther.text()).toContain("userId");
  await shot(admin, "keys-02-all-keys");
  await adminCtx.close();
});

test("a run with a 96 KB input shows it truncated with a download, and its page stays small", async ({ page }) => {
  await signIn(page, "builder");
  const graph = {
    format: "steward.mission/v1",
    name: `Echo ${Date.now()}`,
    nodes: [
      { id: "trigger", kind: "trigger", position: { x: 0, y: 0 }, data: { channels: ["manual", "api"], fields: [{ name: "text", label: "Text", type: "string", required: true }] } },
      { id: "done", kind: "verdict", position: { x: 300, y: 0 }, data: { label: "Done", outcomes: ["echoed"], outcome: "'echoed'", summary: "trigger.text" } },
    ],
    edges: [{ id: "e1", source: "trigger", target: "done" }],
  };
  const created = await page.request.post("/api/v1/missions", { data: graph });
  expect(created.status(), await created.text()).toBe(201);
  const missionId = ((await created.json()) as { id: string }).id;
  // Under the run-input limits (100,000 characters a field), over the 64 KB a page ships per value.
  const text = "lorem ipsum ".repeat(8_000);
  const { runId } = await trpc<{ runId: string }>(page.request, "runs.start", { missionId, input: { text } }, "mutation");
  await expect.poll(async () => (await trpc<{ run: { status: string } }>(page.request, "runs.get", { runId })).run.status, { timeout: 60_000 }).toBe("succeeded");

  const pageData = await page.request.get(`/api/trpc/runs.get?input=${encodeURIComponent(JSON.stringify({ runId }))}`);
  expect((await pageData.body()).length).toBeLessThan(256_000);

  await page.goto(`/runs/${runId}`);
  const summary = page.getByTestId("run-summary");
  await expect(summary).toContainText("lorem ipsum");
  await page.locator("summary", { hasText: "Input" }).click();
  const truncated = page.getByTestId("truncated-value").first();
  await expect(truncated).toContainText("Value truncated, 96 KB");
  await shot(page, "keys-03-truncated-input");
  const download = page.waitForEvent("download");
  await truncated.getByRole("link", { name: "download" }).click();
  const file = await (await download).path();
  expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ text });
  // The stored summary was cut at 4,000 characters, and says how long it was.
  await summary.getByRole("button", { name: "Show all" }).click();
  await expect(summary).toContainText("[truncated: 96 KB in all]");
});
