import { makeDocx, makePdf, type Section } from "../server/knowledge/testing/fixtures";
import { test, expect, signIn, shot } from "./fixtures";

const WARRANTY: Section[] = [
  { heading: "WTY-1 Two-year cover", body: ["Every appliance is covered for two years from delivery.", "Parts and labour are included."] },
  { heading: "WTY-2 Water damage", body: ["Damage caused by water or misuse is not covered."] },
];

const RETURNS: Section[] = [
  { heading: "RTN-1 Return labels", body: ["A prepaid return label is emailed within one business day."] },
  { heading: "RTN-2 Collection", body: ["Large items are collected from the customer's door."] },
];

test("an admin uploads a PDF and a DOCX into a collection, previews their chunks and grants the collection to the refund mission", async ({ page }) => {
  await signIn(page, "admin", "/settings/knowledge");
  await page.goto("/settings/knowledge");

  // A collection of its own: granted to no mission yet.
  const collections = page.getByTestId("knowledge-collection-form");
  await collections.getByLabel("New collection").fill("After-sales");
  await collections.getByLabel("Slug").fill("after-sales");
  await page.getByTestId("knowledge-collection-submit").click();
  await page.waitForURL(/result=collection_created/);
  const row = page.locator('[data-testid="knowledge-collection"][data-slug="after-sales"]');
  await expect(row).toContainText("No mission may search it.");

  // The PDF: preview first (nothing saved), then add.
  const upload = page.getByTestId("knowledge-upload");
  await page.getByTestId("knowledge-upload-collection").selectOption("after-sales");
  await page.getByTestId("knowledge-file").setInputFiles({ name: "warranty.pdf", mimeType: "application/pdf", buffer: makePdf("Warranty", WARRANTY) });
  await page.getByTestId("knowledge-preview-submit").click();
  const chunks = page.getByTestId("knowledge-preview-chunk");
  await expect(chunks).toHaveCount(2);
  await expect(chunks.nth(0)).toHaveAttribute("data-clause-id", "WTY-1");
  await expect(chunks.nth(0).getByTestId("knowledge-preview-path")).toHaveText("Two-year cover");
  await expect(chunks.nth(1)).toContainText("Damage caused by water or misuse is not covered.");
  await expect(upload).toContainText("not saved yet");
  await shot(page, "knowledge-files-01-pdf-preview");
  await page.getByTestId("knowledge-upload-submit").click();
  await page.waitForURL(/\/settings\/knowledge\/[0-9a-f-]{36}\?result=created$/);
  await expect(page.getByTestId("knowledge-clause")).toHaveCount(2);
  await expect(page.getByTestId("knowledge-clause").nth(0)).toHaveAttribute("data-clause-id", "WTY-1");
  await expect(page.getByTestId("knowledge-document-version")).toHaveText("version 1");

  // The DOCX, into the same collection.
  await page.goto("/settings/knowledge");
  await page.getByTestId("knowledge-upload-collection").selectOption("after-sales");
  await page.getByTestId("knowledge-file").setInputFiles({
    name: "returns.docx",
    mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    buffer: await makeDocx("Returns", RETURNS),
  });
  await page.getByTestId("knowledge-preview-submit").click();
  await expect(page.getByTestId("knowledge-preview-chunk")).toHaveCount(2);
  await expect(page.getByTestId("knowledge-preview-chunk").nth(1)).toHaveAttribute("data-clause-id", "RTN-2");
  await expect(page.getByTestId("knowledge-preview-chunk").nth(1).getByTestId("knowledge-preview-path")).toHaveText("Collection");
  await shot(page, "knowledge-files-02-docx-preview");
  await page.getByTestId("knowledge-upload-submit").click();
  await page.waitForURL(/result=created$/);
  await expect(page.getByTestId("knowledge-clause").nth(0)).toHaveAttribute("data-clause-id", "RTN-1");

  // An encrypted PDF is refused with a message naming it; nothing is added.
  await page.goto("/settings/knowledge");
  await page.getByTestId("knowledge-file").setInputFiles({ name: "secret.pdf", mimeType: "application/pdf", buffer: makePdf("Secret", WARRANTY, { encrypted: true }) });
  await page.getByTestId("knowledge-upload-submit").click();
  await expect(upload).toContainText("secret.pdf is encrypted (password-protected): upload a copy without a password.");
  await expect(page).toHaveURL(/\/settings\/knowledge$/);
  await expect(row).toContainText("2 documents");

  // Grant the collection to the refund mission.
  const grant = page.getByTestId("knowledge-grant-form");
  await grant.getByLabel("Collection").selectOption("after-sales");
  await grant.getByLabel("Mission").selectOption("refund-adjudication");
  await page.getByTestId("knowledge-grant-submit").click();
  await page.waitForURL(/result=granted/);
  await expect(row.getByTestId("knowledge-grant")).toHaveText(/Refund/);
  await shot(page, "knowledge-files-03-granted");
});
