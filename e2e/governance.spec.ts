import type { Browser, Page } from "@playwright/test";
import { test, expect, signIn, shot } from "./fixtures";

// Admin-owned approval policies, as an admin writes them and an approver meets them.

async function newSignedIn(browser: Browser, who: Parameters<typeof signIn>[1], next = "/missions"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, who, next);
  return page;
}

test("an admin adds a policy in Settings → Governance; the approver sees which policies apply and their bounds hold", async ({ page: admin, browser }) => {
  test.setTimeout(240_000);
  await signIn(admin, "admin", "/settings/governance");
  await expect(admin.getByRole("link", { name: "Governance" })).toHaveAttribute("aria-current", "page");
  const cards = admin.getByTestId("policy-card");
  await expect(cards.filter({ hasText: "Approval steps" })).toContainText("Every Approval step");
  await expect(cards.filter({ hasText: "State-changing tools" })).toContainText("Never approved automatically");
  await expect(cards.filter({ hasText: "Refund limits" })).toContainText("amount <= 500, else 2 approvers");

  // A policy of its own for the CRM note: admins decide it. A broken bound is named under its field.
  await admin.getByRole("button", { name: "Add policy" }).click();
  await admin.getByLabel("Name").fill("CRM notes by admins");
  await admin.getByLabel("Tool", { exact: true }).fill("crm.add_note");
  await admin.getByLabel("Who decides").selectOption("admin");
  await admin.getByRole("button", { name: "Add a bound" }).click();
  await admin.getByLabel("Bound 1", { exact: true }).fill("note.size() <=");
  await admin.getByRole("button", { name: "Save policy" }).click();
  await expect(admin.getByRole("dialog").getByRole("alert")).toContainText("Unexpected token: EOF (at column 15)");
  await shot(admin, "governance-01-bad-bound");
  await admin.getByLabel("Bound 1", { exact: true }).fill("note.size() <= 2000");
  await admin.getByLabel("Message for bound 1").fill("Notes are at most 2,000 characters");
  await admin.getByRole("button", { name: "Save policy" }).click();
  await expect(admin.getByRole("dialog")).toHaveCount(0);
  const mine = cards.filter({ hasText: "CRM notes by admins" });
  await expect(mine).toContainText("Tool crm.add_note");
  await expect(mine).toContainText("1 admin must approve");
  await expect(mine).toContainText("note.size() <= 2000, else the values are refused");
  await shot(admin, "governance-02-policies");

  // The builder starts a refund; the approver meets the policies on the decision page.
  const builder = await newSignedIn(browser, "builder");
  const started = await builder.request.post("/api/v1/missions/refund-adjudication/runs", {
    headers: { origin: new URL(builder.url()).origin },
    data: { orderId: "1042", email: "dana@example.com", reason: "The mug set is not what I expected." },
  });
  expect(started.status(), await started.text()).toBe(202);
  const runId = ((await started.json()) as { runId: string }).runId;

  const approver = await newSignedIn(browser, "approver", "/decisions");
  const row = approver.getByTestId("decision-row").filter({ hasText: "Refund for order 1042" });
  await expect(row).toBeVisible({ timeout: 120_000 });
  await row.click();
  const policies = approver.getByTestId("decision-policies");
  await expect(policies).toContainText("Approval steps");
  await expect(policies).toContainText("Refund limits");
  await expect(policies).toContainText("commerce.issue_refund");
  await expect(policies).toContainText("Refunds over 500 EUR need a second approver: holds");

  // A refund of -1 is refused by the bound, with the reason beside the amount.
  await approver.locator("#value-amount").fill("-1");
  await approver.getByTestId("approve-decision").click();
  await approver.getByTestId("confirm-decision").click();
  await expect(approver.getByTestId("decision-panel")).toContainText("A refund is more than 0 and at most 5,000 EUR");
  await shot(approver, "governance-03-refused-bound");

  // 600 needs a second approver: one approval is progress, not a decision.
  await approver.reload();
  await approver.locator("#value-amount").fill("600");
  await approver.getByTestId("approve-decision").click();
  await approver.getByTestId("confirm-decision").click();
  await expect(approver.getByTestId("decision-result")).toContainText("1 of 2 approvals");
  await approver.reload();
  await expect(approver.getByTestId("decision-approvals")).toContainText("1 of 2 approvals");
  await expect(approver.getByTestId("decision-policies")).toContainText("Refunds over 500 EUR need a second approver: does not hold, so this needs 2 approvals");
  await shot(approver, "governance-04-second-approver-needed");

  const run = await builder.request.get(`/api/v1/runs/${runId}`);
  expect(((await run.json()) as { status: string }).status).toBe("waiting");

  // Leave the demo as other journeys expect it: the refund is rejected, the policy deleted.
  await admin.goto(approver.url());
  await admin.getByTestId("decision-reason").fill("Not refundable at this amount");
  await admin.getByTestId("reject-decision").click();
  await admin.getByTestId("confirm-decision").click();
  await expect(admin.getByTestId("decision-panel")).toHaveAttribute("data-status", "rejected");
  await admin.goto("/settings/governance");
  await cards.filter({ hasText: "CRM notes by admins" }).getByRole("button", { name: "Delete" }).click();
  await admin.getByRole("button", { name: "Delete policy" }).click();
  await expect(cards.filter({ hasText: "CRM notes by admins" })).toHaveCount(0);
  await builder.context().close();
  await approver.context().close();
});
