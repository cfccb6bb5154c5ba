import type { Page } from "@playwright/test";
import { makeDocx, makePdf, type Section } from "../server/knowledge/testing/fixtures";
import { exported, newMission } from "./editor-helpers";
import { test, expect, signIn, shot } from "./fixtures";
import { publishAsApprover } from "./publishing";

/**
 * Citations for real (issue #17): an admin uploads a PDF and a DOCX into a collection, previews
 * their chunks and grants the collection to a refund mission; a run's Worker (the recorded
 * `replay:cancellation-citation` transcript, whose knowledge search is a real tool call) cites the
 * PDF's clause its search returned; the Explain rail shows the exact text and flags the clause
 * the other Worker names without any search having returned it; the approver clicks the
 * citation and reads the exact text in its document. Demo order 1044: no other spec uses it.
 */

test.describe.configure({ mode: "serial" });
test.use({ actionTimeout: 15_000 });
// Three people, two uploads, a run and a re-upload: longer than the default on a shared machine.
test.setTimeout(180_000);

const TAG = Date.now().toString(36);
const COLLECTION = `cancellations-${TAG}`;
const CNL1 = "An order that has not yet been dispatched may be cancelled at any time, and the full amount is refunded.";

const CANCELLATIONS: Section[] = [
  { heading: "CNL-1 Before dispatch", body: [CNL1] },
  { heading: "CNL-2 After dispatch", body: ["A dispatched order cannot be cancelled: return it instead under the returns policy."] },
];

const EXCHANGES: Section[] = [
  { heading: "EXC-1 Size and colour", body: ["Unworn items may be exchanged for another size or colour within 30 days."] },
  { heading: "EXC-2 Restocking fee", body: ["Exchanges of opened electronics carry a 10% restocking fee."] },
];

async function railCitations(page: Page) {
  const explainTab = page.getByTestId("side-tab-explain");
  if (await explainTab.isVisible()) await explainTab.click();
  await page.getByTestId("rail-kind-citation").dblclick();
  return page.locator('[data-testid="obs-row"][data-kind="citation"]');
}

test("an admin's PDF clause is cited by a run's Worker, flagged when never retrieved, and read in context by the approver", async ({ page, browser, baseURL }) => {
  // A refund mission of its own whose Workers play the cancellation recording.
  await signIn(page, "builder");
  const missionName = `Cancellation refunds ${TAG}`;
  const missionId = await newMission(page, missionName, "refund");
  const graph = await exported(page);
  for (const n of graph.nodes) if (n.kind === "worker") n.data.model = "replay:cancellation-citation";
  await page.getByTestId("editor-import").click();
  await page.getByTestId("editor-import-text").fill(JSON.stringify(graph));
  await page.getByTestId("import-replace").click();
  await page.getByTestId("save-version").click();
  await page.getByTestId("save-version-submit").click();
  await expect(page.getByText(/Saved v1/)).toBeVisible();
  await publishAsApprover(browser, baseURL!, missionId);

  // The admin: a collection, a PDF and a DOCX previewed and added, the collection granted to the mission.
  const adminContext = await browser.newContext({ baseURL });
  const admin = await adminContext.newPage();
  await signIn(admin, "admin", "/settings/knowledge");
  await admin.goto("/settings/knowledge");
  const collections = admin.getByTestId("knowledge-collection-form");
  await collections.getByLabel("New collection").fill(`Cancellations ${TAG}`);
  await collections.getByLabel("Slug").fill(COLLECTION);
  await admin.getByTestId("knowledge-collection-submit").click();
  await admin.waitForURL(/result=collection_created/);

  await admin.getByTestId("knowledge-upload-collection").selectOption(COLLECTION);
  await admin.getByTestId("knowledge-file").setInputFiles({ name: "cancellations.pdf", mimeType: "application/pdf", buffer: makePdf("Cancellations", CANCELLATIONS) });
  await admin.getByTestId("knowledge-preview-submit").click();
  const chunks = admin.getByTestId("knowledge-preview-chunk");
  await expect(chunks).toHaveCount(2);
  await expect(chunks.nth(0)).toHaveAttribute("data-clause-id", "CNL-1");
  await expect(chunks.nth(0).getByTestId("knowledge-preview-path")).toHaveText("Before dispatch");
  await expect(chunks.nth(0)).toContainText(CNL1);
  await admin.getByTestId("knowledge-upload-submit").click();
  await admin.waitForURL(/\/settings\/knowledge\/[0-9a-f-]{36}\?result=(created|replaced|unchanged)$/);

  await admin.goto("/settings/knowledge");
  await admin.getByTestId("knowledge-upload-collection").selectOption(COLLECTION);
  await admin.getByTestId("knowledge-file").setInputFiles({
    name: "exchanges.docx",
    mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    buffer: await makeDocx("Exchanges", EXCHANGES),
  });
  await admin.getByTestId("knowledge-preview-submit").click();
  await expect(admin.getByTestId("knowledge-preview-chunk")).toHaveCount(2);
  await expect(admin.getByTestId("knowledge-preview-chunk").nth(1)).toHaveAttribute("data-clause-id", "EXC-2");
  await admin.getByTestId("knowledge-upload-submit").click();
  await admin.waitForURL(/result=(created|replaced|unchanged)$/);

  await admin.goto("/settings/knowledge");
  const grant = admin.getByTestId("knowledge-grant-form");
  await grant.getByLabel("Collection").selectOption(COLLECTION);
  await grant.getByLabel("Mission").selectOption(missionId);
  await admin.getByTestId("knowledge-grant-submit").click();
  await admin.waitForURL(/result=granted/);
  const row = admin.locator(`[data-testid="knowledge-collection"][data-slug="${COLLECTION}"]`);
  await expect(row.getByTestId("knowledge-grant")).toHaveText(new RegExp(missionName));
  await shot(admin, "knowledge-citations-01-granted");
  await adminContext.close();

  // The builder runs the mission on order 1044.
  await page.goto(`/missions/${missionId}`);
  await page.getByTestId("editor-run").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Order number").fill("1044");
  await dialog.getByLabel(/^Email/).fill("priya.natarajan@example.com");
  await dialog.getByLabel(/^Reason/).fill(`Please cancel, I picked the wrong colour of yoga mat (${TAG}).`);
  await page.getByTestId("start-run-submit").click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByTestId("node-refund")).toHaveAttribute("data-status", "waiting", { timeout: 60_000 });

  // The rail: the Ground Worker's citation is the chunk its search returned; EXC-2, named by the
  // Propose Worker and returned by no search of the run, is flagged.
  const cited = await railCitations(page);
  await expect(cited).toHaveCount(3);
  await expect(page.locator('[data-testid="obs-row"][data-kind="citation"][data-not-retrieved]')).toHaveCount(1);
  await expect(page.locator('[data-testid="obs-row"][data-kind="citation"][data-not-retrieved]')).toContainText("EXC-2");
  await cited.filter({ hasText: "CNL-1" }).first().click();
  const citation = page.getByTestId("obs-detail").getByTestId("citation");
  await expect(citation).toHaveAttribute("data-retrieval", "self");
  await expect(citation.getByTestId("citation-text")).toHaveText(CNL1);
  await expect(citation.getByTestId("citation-document")).toHaveText("Cancellations, version 1");
  await expect(citation.getByTestId("citation-path")).toHaveText("Cancellations›Before dispatch");
  await shot(page, "knowledge-citations-02-rail-citation");
  await page.locator('[data-testid="obs-row"][data-kind="citation"][data-not-retrieved]').click();
  await expect(page.getByTestId("obs-detail").getByTestId("citation")).toHaveAttribute("data-retrieval", "never");
  await expect(page.getByTestId("obs-detail").getByTestId("citation-not-retrieved")).toBeVisible();
  await shot(page, "knowledge-citations-03-rail-not-retrieved");

  // The approver opens the decision, reads the cited text, and clicks through to it in context.
  const approverContext = await browser.newContext({ baseURL });
  const approver = await approverContext.newPage();
  await signIn(approver, "approver", `/runs/${runId}`);
  await approver.goto(`/runs/${runId}`);
  await approver.getByTestId("node-refund").click();
  const panel = approver.getByTestId("run-decision").getByTestId("decision-panel");
  await expect(panel.getByTestId("decision-title")).toHaveText("Refund for order 1044: 54.50 EUR");
  const decisionCitation = panel.getByTestId("decision-citation").filter({ hasText: "CNL-1" }).getByTestId("decision-citation-card");
  await expect(decisionCitation.getByTestId("citation-text")).toHaveText(CNL1);
  await expect(decisionCitation.getByTestId("citation-document")).toHaveText("Cancellations, version 1");
  await expect(panel.getByTestId("decision-citation").filter({ hasText: "EXC-2" }).getByTestId("citation-not-retrieved")).toBeVisible();
  await shot(approver, "knowledge-citations-04-decision");

  await decisionCitation.getByTestId("citation-link").click();
  await approver.waitForURL(/\/knowledge\/clauses\/CNL-1\?v=1&doc=[0-9a-f-]{36}#clause-CNL-1$/);
  await expect(approver.getByTestId("clause-document")).toHaveText("Cancellations, version 1");
  await expect(approver.getByTestId("clause-view")).toHaveAttribute("data-clause-id", "CNL-1");
  await expect(approver.getByTestId("clause-text")).toHaveText(CNL1);
  // In context: the document's other clause, not highlighted.
  await expect(approver.getByTestId("clause-context-item")).toHaveAttribute("data-clause-id", "CNL-2");
  await shot(approver, "knowledge-citations-05-in-context");
  const citedAt = approver.url();

  // The admin re-uploads the PDF with CNL-1 changed: a new version. The run's citation still opens
  // the text it cited, in version 1 of the document, and says the document has changed since.
  const againContext = await browser.newContext({ baseURL });
  const again = await againContext.newPage();
  await signIn(again, "admin", "/settings/knowledge");
  await again.goto("/settings/knowledge");
  await again.getByTestId("knowledge-upload-collection").selectOption(COLLECTION);
  const changed: Section[] = [{ heading: "CNL-1 Before dispatch", body: ["Orders may be cancelled until they are packed."] }, CANCELLATIONS[1]!];
  await again.getByTestId("knowledge-file").setInputFiles({ name: "cancellations.pdf", mimeType: "application/pdf", buffer: makePdf("Cancellations", changed) });
  await again.getByTestId("knowledge-upload-submit").click();
  await again.waitForURL(/result=replaced$/);
  await expect(again.getByTestId("knowledge-document-version")).toHaveText("version 2");
  await againContext.close();
  // Still on the citation's page: reload it (a goto to the same URL with a #fragment would not).
  expect(approver.url()).toBe(citedAt);
  await approver.reload();
  await expect(approver.getByTestId("clause-text")).toHaveText(CNL1);
  await expect(approver.getByTestId("clause-document")).toHaveText("Cancellations, version 1");
  await expect(approver.getByTestId("clause-earlier-version")).toContainText("The document has changed since");
  await shot(approver, "knowledge-citations-06-cited-version-after-reupload");
  await approver.goto("/knowledge/clauses/CNL-1");
  await expect(approver.getByTestId("clause-text")).toHaveText("Orders may be cancelled until they are packed.");
  await expect(approver.getByTestId("clause-earlier-version")).toHaveCount(0);

  // The approver rejects (nothing is left waiting for other specs' inboxes).
  await approver.goto(`/runs/${runId}`);
  await approver.getByTestId("node-refund").click();
  await panel.getByTestId("decision-reason").fill("Checked against CNL-1; the customer is contacted first.");
  await panel.getByTestId("reject-decision").click();
  await approver.getByTestId("confirm-decision").click();
  // The run ends on the verdict (the decision column closes once decided).
  await expect(approver.getByText("Refund for order 1044 rejected by the approver: Checked against CNL-1").first()).toBeVisible();
  await approverContext.close();
});
