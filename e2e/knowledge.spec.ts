import { test, expect, signIn, shot } from "./fixtures";

const SHIPPING = `# Shipping policy

## 1. Delivery

### SHIP-1.1 Domestic delivery
Orders within the country are delivered in **two business days** by tracked courier.

### SHIP-1.2 International delivery
Orders abroad are delivered in five to ten business days:

- customs duties are paid by the customer;
- the tracking link is sent by email.

## Lost parcels
A parcel that has not arrived 15 days after dispatch is treated as lost and is replaced or refunded in full.
`;

test("an admin uploads a Markdown policy and sees its clauses", async ({ page }) => {
  await signIn(page, "admin", "/settings/knowledge");
  await page.goto("/settings/knowledge");
  await expect(page.getByRole("link", { name: "Knowledge" })).toHaveAttribute("aria-current", "page");

  await page.getByTestId("knowledge-file").setInputFiles({ name: "shipping-policy.md", mimeType: "text/markdown", buffer: Buffer.from(SHIPPING) });
  await expect(page.getByTestId("knowledge-upload")).toContainText("shipping-policy.md");
  await shot(page, "knowledge-01-upload");
  await page.getByTestId("knowledge-upload-submit").click();

  await page.waitForURL(/\/settings\/knowledge\/[0-9a-f-]{36}\?result=created$/);
  await expect(page.getByTestId("knowledge-result")).toContainText("Document added");
  await expect(page.getByTestId("knowledge-document-title")).toHaveText("Shipping policy");
  await expect(page.getByTestId("knowledge-clause-count")).toHaveText("3 clauses");
  const clauses = page.getByTestId("knowledge-clause");
  await expect(clauses).toHaveCount(3);
  await expect(clauses.nth(0)).toHaveAttribute("data-clause-id", "SHIP-1.1");
  await expect(clauses.nth(0)).toContainText("Domestic delivery");
  await expect(clauses.nth(0)).toContainText("Delivery");
  await expect(clauses.nth(1)).toHaveAttribute("data-clause-id", "SHIP-1.2");
  await expect(clauses.nth(1).locator("li")).toHaveCount(2);
  await expect(clauses.nth(2)).toHaveAttribute("data-clause-id", /^SP-\d{4}$/);
  const derived = await clauses.nth(2).getAttribute("data-clause-id");
  await shot(page, "knowledge-02-document");

  // The same file again: nothing changes, and the derived id stays.
  await page.goto("/settings/knowledge");
  await page.getByTestId("knowledge-file").setInputFiles({ name: "shipping-policy.md", mimeType: "text/markdown", buffer: Buffer.from(SHIPPING) });
  await page.getByTestId("knowledge-upload-submit").click();
  await page.waitForURL(/result=unchanged$/);
  await expect(page.getByTestId("knowledge-clause").nth(2)).toHaveAttribute("data-clause-id", derived ?? "");

  // Searching ranks the lost-parcel clause first; its id opens the clause page citations link to.
  await page.goto("/settings/knowledge?q=my+parcel+never+arrived");
  await expect(page.getByTestId("knowledge-hits").locator("li").first()).toContainText("Lost parcels");
  await shot(page, "knowledge-03-search");
  await page.getByTestId("knowledge-hits").getByRole("link", { name: derived ?? "" }).click();
  await expect(page.getByTestId("clause-id")).toHaveText(derived ?? "");
  await expect(page.getByTestId("clause-title")).toHaveText("Lost parcels");
  await shot(page, "knowledge-04-clause");

  // A clash with another document's ids is refused on the form.
  await page.goto("/settings/knowledge");
  await page.getByRole("tab", { name: "Paste text" }).click();
  await page.getByLabel("Title", { exact: true }).fill("Copy of shipping");
  await page.getByLabel("Text", { exact: true }).fill("## SHIP-1.1 Same id\nDifferent words.");
  await page.getByTestId("knowledge-upload-submit").click();
  await expect(page.getByText("Clause SHIP-1.1 is already in “Shipping policy”")).toBeVisible();
  await expect(page.getByLabel("Text", { exact: true })).toHaveValue("## SHIP-1.1 Same id\nDifferent words.");

  // Delete it again.
  await page.getByTestId("knowledge-document-row").filter({ hasText: "Shipping policy" }).getByRole("link").click();
  await page.getByTestId("knowledge-delete").click();
  await page.getByTestId("knowledge-delete-confirm").click();
  await page.waitForURL(/result=deleted$/);
  await expect(page.getByTestId("knowledge-document-row").filter({ hasText: "Shipping policy" })).toHaveCount(0);
});

test("any signed-in user can open a cited clause; an unknown one says so", async ({ page }) => {
  await signIn(page, "viewer", "/knowledge/clauses/REF-1.2");
  await page.goto("/knowledge/clauses/NOPE-9");
  await expect(page.getByText("No clause NOPE-9")).toBeVisible();
});
